/**
 * A dispute's status: open until decided; upheld (its contribution revoked) or dismissed by a
 * steward, the review quorum or the deadline; moot when another dispute revoked its contribution
 * first (nobody decided it, and it counts neither for nor against its filer).
 */
export const DISPUTE_STATUSES = ['open', 'upheld', 'dismissed', 'moot'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

export const isDisputeStatus = (s: string): s is DisputeStatus => (DISPUTE_STATUSES as readonly string[]).includes(s);
