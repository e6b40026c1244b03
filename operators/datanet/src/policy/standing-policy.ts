import type { StandingPolicy } from '../definition/datanet-definition.js';

export const DEFAULT_STANDING_POLICY: StandingPolicy = { prior: 10, revokePenalty: 5 };

/** What standing is computed from: counts of one contributor's contributions to one Datanet. */
export interface StandingInputs {
  /** Accepted contributions (records) that are not revoked. */
  accepted: number;
  /** Accepted contributions later revoked (upheld dispute, duplicate or poison found later). */
  revoked: number;
  /** Rejected files or submissions. Carried for reporting; the formula ignores them on purpose. */
  rejected?: number;
}

/**
 * Standing in [0, 1]:
 *
 *     standing = accepted / (accepted + revokePenalty * revoked + prior)
 *
 * - Rejections do not appear, so experimenting is free: a rejection never lowers standing.
 * - A revocation moves one contribution from `accepted` to `revoked`: the numerator drops by one
 *   and the denominator changes by `revokePenalty - 1`, which strictly lowers standing whenever
 *   `prior > 0` (the denominator stays above the numerator).
 * - `prior` is a pseudo-count: standing is earned by consistently accepted data, so one accepted
 *   record gives 1/(1+prior), a hundred give 100/(100+prior).
 */
export function standingFrom(inputs: StandingInputs, policy: StandingPolicy = DEFAULT_STANDING_POLICY): number {
  const accepted = Math.max(0, inputs.accepted);
  const revoked = Math.max(0, inputs.revoked);
  if (!(policy.prior > 0))
    throw new Error(`standing policy prior must be > 0 (got ${policy.prior}): it keeps standing below 1 and makes revocations count`);
  if (!(policy.revokePenalty >= 0)) throw new Error(`standing policy revokePenalty must be >= 0 (got ${policy.revokePenalty})`);
  const value = accepted / (accepted + policy.revokePenalty * revoked + policy.prior);
  return Math.min(1, Math.max(0, value));
}

/** Acceptance rate: accepted / submitted files (0 when nothing was submitted). */
export function acceptanceRate(acceptedFiles: number, submittedFiles: number): number {
  return submittedFiles > 0 ? acceptedFiles / submittedFiles : 0;
}
