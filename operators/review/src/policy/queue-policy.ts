import { durationMs, type ReviewPolicy } from '@datanet/datanet';
import type { QueuePolicy } from '../queue/queue-types.js';
import type { DeadlinePolicy } from '../queue/apply-deadline.js';

/** How long a handed-out item stays reserved for its reviewer before it goes back to the queue. */
export const DEFAULT_LEASE_MS = 30 * 60_000;

/** The queue's view of a Datanet's `review:` section. */
export function queuePolicyOf(review: ReviewPolicy, leaseMs = DEFAULT_LEASE_MS): QueuePolicy {
  return {
    version: review.version,
    minApprovals: review.decision.minApprovals,
    minRejections: review.decision.minRejections,
    stewardOverride: review.decision.stewardOverride,
    reasons: review.decision.reasons,
    blind: review.decision.blind,
    domains: review.reviewers.domains,
    goldFraction: review.quality.gold ? review.quality.goldFraction : 0,
    minGoldAnswered: review.quality.minGoldAnswered,
    minAccuracy: review.quality.minAccuracy,
    leaseMs,
  };
}

/** The review deadline in milliseconds from when a batch is held. */
export function deadlineMs(review: ReviewPolicy): number {
  return durationMs(review.decision.deadline);
}

/** What the deadline does to a Datanet's open items (`review.decision.onDeadline`), with the policy version it records. */
export function deadlinePolicyOf(review: ReviewPolicy): { onDeadline: DeadlinePolicy; version: number } {
  return { onDeadline: review.decision.onDeadline, version: review.version };
}
