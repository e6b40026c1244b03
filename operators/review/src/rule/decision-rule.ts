/**
 * The decision rule of a held item, in Common Voice's form: approved when approvals >= minApprovals
 * and approvals > rejections; rejected when rejections >= minRejections and rejections > approvals;
 * open otherwise. Pure, so the property tests and the queue use the very same function.
 */
export type Verdict = 'approve' | 'reject' | 'skip' | 'flag';
export const VERDICTS: readonly Verdict[] = ['approve', 'reject', 'skip', 'flag'];

export interface Vote {
  reviewer: string;
  verdict: Verdict;
  /** A steward's or owner's override (decides at once when the policy allows overrides). */
  override?: boolean;
  reason?: string | null;
}

export interface QuorumRule {
  minApprovals: number;
  minRejections: number;
  stewardOverride: boolean;
}

export type ItemState = 'open' | 'approved' | 'rejected';

export interface Tally {
  state: ItemState;
  approvals: number;
  rejections: number;
  /** The votes that counted, in order: first vote per reviewer, never the contributor's, never a skip or flag. */
  counted: Vote[];
  /** Set when a steward's override decided the item. */
  overriddenBy?: string;
  /** The reason of the decisive side: the most frequent rejection reason (first seen wins a tie). */
  reason: string | null;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Applies the rule to votes in arrival order. `excluded` are addresses whose votes never count (the contributor). */
export function tallyVotes(votes: readonly Vote[], rule: QuorumRule, excluded: readonly string[] = []): Tally {
  const seen = new Set<string>();
  const counted: Vote[] = [];
  let approvals = 0;
  let rejections = 0;
  for (const v of votes) {
    if (excluded.some((x) => same(x, v.reviewer))) continue;
    if (v.override) {
      if (!rule.stewardOverride || (v.verdict !== 'approve' && v.verdict !== 'reject')) continue;
      return {
        state: v.verdict === 'approve' ? 'approved' : 'rejected',
        approvals,
        rejections,
        counted: [...counted, v],
        overriddenBy: v.reviewer,
        reason: v.verdict === 'reject' ? (v.reason ?? null) : null,
      };
    }
    const key = v.reviewer.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    if (v.verdict === 'approve') approvals++;
    else if (v.verdict === 'reject') rejections++;
    else continue;
    counted.push(v);
    const state = stateOf(approvals, rejections, rule);
    // Votes arriving after the item is decided change nothing: the queue stops handing it out.
    if (state !== 'open') return { state, approvals, rejections, counted, reason: state === 'rejected' ? topReason(counted) : null };
  }
  return { state: 'open', approvals, rejections, counted, reason: null };
}

export function stateOf(approvals: number, rejections: number, rule: Pick<QuorumRule, 'minApprovals' | 'minRejections'>): ItemState {
  if (approvals >= rule.minApprovals && approvals > rejections) return 'approved';
  if (rejections >= rule.minRejections && rejections > approvals) return 'rejected';
  return 'open';
}

/**
 * How many more votes an open item needs, at least, before it can be decided: the fewer of the
 * votes that would approve it and those that would reject it. The queue never hands an item to
 * more reviewers at once than this.
 */
export function votesNeeded(approvals: number, rejections: number, rule: Pick<QuorumRule, 'minApprovals' | 'minRejections'>): number {
  if (stateOf(approvals, rejections, rule) !== 'open') return 0;
  const toApprove = Math.max(rule.minApprovals - approvals, rejections - approvals + 1);
  const toReject = Math.max(rule.minRejections - rejections, approvals - rejections + 1);
  return Math.max(1, Math.min(toApprove, toReject));
}

function topReason(votes: Vote[]): string | null {
  const counts = new Map<string, number>();
  for (const v of votes) if (v.verdict === 'reject' && v.reason) counts.set(v.reason, (counts.get(v.reason) ?? 0) + 1);
  let best: string | null = null;
  for (const [r, n] of counts) if (best === null || n > counts.get(best)!) best = r;
  return best;
}
