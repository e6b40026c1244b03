import { sql, type Kysely } from 'kysely';
import { num } from '@datanet/datanet';
import { holdDisputedContributions } from './dispute-lock.js';
import { settleItem, type ItemRowFull } from './settle-item.js';

export type DeadlinePolicy = 'accept' | 'reject' | 'escalate';

/**
 * The batch's deadline passed: items still open are accepted, rejected (review.deadline) or left to
 * stewards (escalated), as the policy says. Each accept or reject is recorded as a decision of
 * `system:deadline`. Returns how many items still wait for a steward.
 */
export async function applyDeadline(
  db: Kysely<any>,
  batch: string,
  policy: DeadlinePolicy,
  policyVersion: number,
  now = Date.now(),
): Promise<{ settled: number; escalated: number }> {
  const open = await sql<{
    id: string;
  }>`select id from review_items where batch = ${batch} and state in ('open', 'escalated') order by id`.execute(db);
  let settled = 0;
  let escalated = 0;
  for (const { id } of open.rows) {
    await db.transaction().execute(async (tx) => {
      await holdDisputedContributions(tx, { ids: [id] });
      const item = (await sql<ItemRowFull>`select * from review_items where id = ${id} for update`.execute(tx)).rows[0];
      if (!item || (item.state !== 'open' && item.state !== 'escalated')) return;
      if ((await deadlineItem(tx, item, policy, policyVersion, now)) === 'escalated') escalated++;
      else settled++;
    });
  }
  return { settled, escalated };
}

/**
 * Applies the deadline policy to one open or escalated item, inside the transaction that holds its
 * row lock: escalates it, or records `system:deadline`'s decision and settles it.
 */
export async function deadlineItem(
  tx: Kysely<any>,
  item: ItemRowFull,
  policy: DeadlinePolicy,
  policyVersion: number,
  now: number,
): Promise<'settled' | 'escalated'> {
  if (policy === 'escalate') {
    await sql`update review_items set state = 'escalated' where id = ${item.id}`.execute(tx);
    return 'escalated';
  }
  // A dispute is never approved (upheld) by the deadline: silence does not revoke a contribution,
  // which moves standing and rewards; under accept as under reject it is dismissed.
  const approve = policy === 'accept' && item.kind !== 'dispute';
  const verdict = approve ? 'approve' : 'reject';
  await tx
    .insertInto('review_decisions')
    .values({
      item_id: item.id,
      datanet: item.datanet,
      kind: item.kind,
      reviewer: 'system:deadline',
      role: 'system',
      verdict,
      reason: approve ? null : 'deadline',
      note: `deadline policy: ${policy}${approve || policy === 'reject' ? '' : ' (a dispute: dismissed)'}`,
      gold_correct: null,
      policy_version: policyVersion,
      decided_at: now,
    })
    .onConflict((oc) => oc.columns(['item_id', 'reviewer', 'role']).doNothing())
    .execute();
  await settleItem(tx, item, {
    outcome: approve ? 'approved' : 'rejected',
    reason: approve ? null : 'deadline',
    decidedBy: 'deadline',
    approvals: num(item.approvals),
    rejections: num(item.rejections),
    counted: [],
    now,
  });
  return 'settled';
}
