import { sql, type Kysely } from 'kysely';
import { recordSignal } from '@datanet/pipelines';
import { num } from '@datanet/datanet';
import type { Verdict } from '../rule/decision-rule.js';
import { runOutcomeHandlers } from './outcome-handlers.js';
import type { Outcome, ReviewOutcome } from './queue-types.js';

export interface ItemRowFull {
  id: string;
  datanet: string;
  kind: string;
  ref: string;
  batch: string;
  contributor: string | null;
  exclude: string;
  state: string;
  approvals: unknown;
  rejections: unknown;
  min_approvals: unknown;
  min_rejections: unknown;
  policy_version: unknown;
  gold_expected: string | null;
}

/**
 * Settles an item inside the caller's transaction (which holds the item's row lock): its state,
 * one outcome row, each counted reviewer's agreement with it, the batch's open count, and, when
 * the batch has nothing open left, the wait signal that lets the parked run continue.
 */
export async function settleItem(
  tx: Kysely<any>,
  item: ItemRowFull,
  o: {
    outcome: Outcome;
    reason: string | null;
    decidedBy: ReviewOutcome['decidedBy'];
    approvals: number;
    rejections: number;
    counted: { reviewer: string; verdict: Verdict }[];
    now: number;
  },
): Promise<ReviewOutcome> {
  await sql`update review_items set state = ${o.outcome}, approvals = ${o.approvals}, rejections = ${o.rejections},
    decided_at = ${o.now} where id = ${item.id}`.execute(tx);
  const outcome: ReviewOutcome = {
    itemId: item.id,
    datanet: item.datanet,
    kind: item.kind as ReviewOutcome['kind'],
    ref: item.ref,
    batch: item.batch,
    outcome: o.outcome,
    reason: o.reason,
    decidedBy: o.decidedBy,
    approvals: o.approvals,
    rejections: o.rejections,
    policyVersion: num(item.policy_version),
    decidedAt: o.now,
  };
  const inserted = await tx
    .insertInto('review_outcomes')
    .values({
      item_id: item.id,
      datanet: item.datanet,
      kind: item.kind,
      ref: item.ref,
      batch: item.batch,
      outcome: o.outcome,
      reason: o.reason,
      decided_by: o.decidedBy,
      approvals: o.approvals,
      rejections: o.rejections,
      policy_version: outcome.policyVersion,
      decided_at: o.now,
    })
    .onConflict((oc) => oc.column('item_id').doNothing())
    .returning('item_id')
    .execute();
  // Settled before (a retried deadline): the rest happened then.
  if (inserted.length === 0) return outcome;

  // Agreement rows only: reviewers' aggregate rows are never written here, since a decision holds
  // its own reviewer's row and two settling decisions would otherwise wait on each other's.
  if (o.counted.length)
    await tx
      .insertInto('review_agreement')
      .values(
        o.counted.map((v) => ({
          item_id: item.id,
          datanet: item.datanet,
          reviewer: v.reviewer,
          agreed: (v.verdict === 'approve') === (o.outcome === 'approved'),
          at: o.now,
        })),
      )
      .onConflict((oc) => oc.columns(['item_id', 'reviewer']).doNothing())
      .execute();

  const batch = await sql<{ open: unknown; signal: string; run_id: string | null }>`
    update review_batches set open = greatest(0, open - 1),
      settled_at = case when open - 1 <= 0 then ${o.now}::int8 else settled_at end
    where batch = ${item.batch} returning open, signal, run_id`.execute(tx);
  const b = batch.rows[0];
  // A run parked on the batch continues once the signal is there (the engine's waiting steps).
  if (b && num(b.open) === 0 && b.run_id) await recordSignal(tx, b.signal, { batch: item.batch }, 'review');
  await runOutcomeHandlers(item.kind, tx, outcome);
  return outcome;
}
