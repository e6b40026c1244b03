// Human review before acceptance. Light to import: the operator's heavy work loads on first run.
export { reviewQueue } from './operator/review-queue-operator.js';
export { tallyVotes, stateOf, votesNeeded, VERDICTS } from './rule/decision-rule.js';
export type { Verdict, Vote, QuorumRule, Tally, ItemState } from './rule/decision-rule.js';
export { selectHeld, auditDraw } from './hold/select-held.js';
export type { HoldCandidate, HoldContext, HoldReason } from './hold/select-held.js';
export { migrateReview } from './queue/review-migrations.js';
export { enqueueBatch, syncGold, reviewItemId, batchSignal } from './queue/enqueue.js';
export type { GoldItem } from './queue/enqueue.js';
export { nextItems } from './queue/next-items.js';
export { decide } from './queue/decide.js';
export { applyDeadline } from './queue/apply-deadline.js';
export type { DeadlinePolicy } from './queue/apply-deadline.js';
export { applyDueDeadlines } from './queue/apply-due-deadlines.js';
export type { DeadlinePolicyLookup, DueDeadlines } from './queue/apply-due-deadlines.js';
export { holdOpenItems, settleHeldItems } from './queue/settle-outside.js';
export { onReviewOutcome } from './queue/outcome-handlers.js';
export type { OutcomeHandler } from './queue/outcome-handlers.js';
export { reviewerStats, queueStats, contributorReviewCounts } from './queue/review-stats.js';
export type { ReviewerStats, QueueStats, ContributorReviewCounts } from './queue/review-stats.js';
export { queuePolicyOf, deadlinePolicyOf, DEFAULT_LEASE_MS } from './policy/queue-policy.js';
export { loadGold } from './policy/load-gold.js';
export { ReviewError } from './queue/queue-types.js';
export type {
  NewReviewItem,
  QueuePolicy,
  ReviewItemView,
  DecisionRequest,
  DecisionResult,
  ReviewOutcome,
  ItemKind,
  Outcome,
} from './queue/queue-types.js';
