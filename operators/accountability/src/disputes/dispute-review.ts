import type { Kysely } from 'kysely';
import {
  durationMs,
  holdContributionDisputes,
  loadDatanetDefinition,
  resolveDatanetPath,
  type DatanetDefinition,
  type StandingPolicy,
} from '@datanet/datanet';
import {
  applyDueDeadlines,
  deadlinePolicyOf,
  enqueueBatch,
  migrateReview,
  onReviewOutcome,
  queuePolicyOf,
  type ReviewOutcome,
} from '@datanet/review';
import type { Dispute } from './dispute-store.js';
import { disputeBatch, resolveDisputeIn } from './resolve-dispute.js';

/**
 * Puts an open dispute into the Datanet's review queue as an item of kind `dispute` (approved =
 * upheld, rejected = dismissed; at the deadline without a decision, dismissed), so the review quorum decides it; the contribution's owner and the
 * filer may not review it. Idempotent (the queue is keyed by batch and ref), so a retried open
 * enqueues nothing twice. A dispute no longer open (closed as moot meanwhile) is not enqueued
 * (false). Does nothing when the Datanet has no review policy or lets only stewards
 * resolve disputes. The item's deadline is the review's (`review.decision.deadline`); at it the
 * server applies `review.decision.onDeadline` (applyDueDeadlines: the batch has no run).
 */
export async function enqueueDisputeReview(
  db: Kysely<any>,
  dispute: Dispute,
  definition: DatanetDefinition,
  now = Date.now(),
): Promise<boolean> {
  const review = definition.review;
  if (!review || definition.disputes.resolvers === 'steward') return false;
  await migrateReview(db);
  const batch = disputeBatch(dispute.id);
  return db.transaction().execute(async (trx) => {
    // Under the contribution's dispute lock, and only while the dispute is open: a revocation by
    // another dispute closes it (moot) under that lock, so its item never reaches reviewers after.
    await holdContributionDisputes(trx, dispute.datanet, dispute.contributionId);
    const stored = await trx.selectFrom('disputes').select('status').where('id', '=', dispute.id).executeTakeFirst();
    if (stored?.status !== 'open') return false;
    await enqueueBatch(
      trx,
      {
        batch,
        datanet: dispute.datanet,
        deadline: now + durationMs(review.decision.deadline),
        items: [
          {
            datanet: dispute.datanet,
            kind: 'dispute',
            ref: dispute.id,
            batch,
            contributor: dispute.contributor,
            exclude: [dispute.filer],
            payload: {
              contribution: dispute.contributionId,
              reason: dispute.reason,
              duplicateOf: dispute.duplicateOf,
              evidence: dispute.evidence,
            },
            heldFor: ['dispute'],
            priority: 1,
          },
        ],
      },
      queuePolicyOf(review),
      now,
    );
    return true;
  });
}

/** The standing policy a Datanet's definition sets (`standing:`), by Datanet id. */
export type StandingPolicyLookup = (datanet: string) => StandingPolicy | undefined;

/**
 * Looks up `standing:` in the Datanet's definition under `configRoot` (as `datanet serve` and the
 * CLI find it: `configs/datanets/<id>.yaml` there or above). A definition that cannot be loaded
 * gives undefined, the default policy: only the audit entry's before/after values depend on it
 * (stored standing is derived from the counts), and a missing file must not undo a quorum's decision.
 */
export function definitionStanding(configRoot?: string): StandingPolicyLookup {
  return (datanet) => {
    try {
      return loadDatanetDefinition(resolveDatanetPath(datanet, configRoot)).standing;
    } catch {
      return undefined;
    }
  };
}

/**
 * Resolves disputes when the review queue settles their item: inside the deciding transaction, once
 * (a steward's override counts as a steward's resolution), under the Datanet's own standing policy
 * (`standingPolicyOf`, by default read from its definition) so the `standing.changed` audit entry
 * gives the standing the Datanet computes. Registered by the accountability routes so the server
 * that takes the decisive vote applies it; registering again replaces the handler.
 */
export function registerDisputeOutcomes(standingPolicyOf: StandingPolicyLookup = definitionStanding()): void {
  onReviewOutcome(
    'dispute',
    async (tx: Kysely<any>, o: ReviewOutcome) => {
      // Closed as moot by the revocation that settled the item (closeMootDisputes): already done.
      if (o.decidedBy === 'moot') return;
      // At the deadline the queue dismisses a dispute under accept as under reject (deadlineItem):
      // silence never revokes a contribution.
      const bySilence = o.decidedBy === 'deadline';
      await resolveDisputeIn(tx, {
        id: o.ref,
        decision: o.outcome === 'approved' ? 'upheld' : 'dismissed',
        actor: `review:${o.itemId}`,
        via: o.decidedBy,
        note: bySilence
          ? `deadline: no decision by ${o.approvals + o.rejections === 0 ? 'any reviewer' : 'a quorum'} in time (${o.approvals} approve, ${o.rejections} reject); a dispute is upheld only by a decision`
          : `${o.decidedBy}: ${o.approvals} approve, ${o.rejections} reject${o.reason ? ` (${o.reason})` : ''}`,
        standingPolicy: standingPolicyOf(o.datanet),
        now: o.decidedAt,
      });
    },
    'accountability:dispute-outcomes',
  );
}

/**
 * Applies the review deadlines that are due on a Datanet's disputes (batches no run waits on),
 * under each Datanet's `review.decision.onDeadline` as `definitionOf` gives it: what the server's
 * disputes list and `datanet dispute list` do before they list. The outcome handlers
 * (registerDisputeOutcomes) must be registered in this process.
 */
export function applyDisputeDeadlines(db: Kysely<any>, definitionOf: (id: string) => DatanetDefinition | undefined, datanet: string) {
  return applyDueDeadlines(
    db,
    (id) => {
      const review = definitionOf(id)?.review;
      return review ? deadlinePolicyOf(review) : undefined;
    },
    { datanet },
  );
}
