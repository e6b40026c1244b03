import { sql, type Kysely } from 'kysely';
import { num } from '@datanet/datanet';
import { settleItem, type ItemRowFull } from './settle-item.js';
import type { Outcome } from './queue-types.js';

/**
 * Locks those of these items that are still open (or escalated), for a question answered outside
 * the queue (a steward resolving a dispute through its own route). Call it before touching what
 * the queue's deciding transaction touches after the item (the dispute row its outcome handler
 * updates), so the two take their locks in one order and never wait on each other. None when the
 * review tables do not exist (a deployment that never reviewed).
 */
export async function holdOpenItems(tx: Kysely<any>, ids: string[]): Promise<ItemRowFull[]> {
  if (!ids.length) return [];
  const table = await sql<{ t: string | null }>`select to_regclass('review_items')::text as t`.execute(tx);
  if (!table.rows[0]?.t) return [];
  const held = await sql<ItemRowFull>`select * from review_items where id in (${sql.join(ids)})
    and state in ('open', 'escalated') order by id for update`.execute(tx);
  return held.rows;
}

/**
 * Settles items held by holdOpenItems with an outcome decided elsewhere, recorded as a steward's
 * (or `moot`: the question was answered by another decision, as a dispute of a contribution
 * another dispute revoked): they leave reviewers' queues, their batch counts them, and nobody
 * votes on a question already answered. Inside the transaction that holds them.
 */
export async function settleHeldItems(
  tx: Kysely<any>,
  items: ItemRowFull[],
  outcome: Outcome,
  now = Date.now(),
  decidedBy: 'steward' | 'moot' = 'steward',
): Promise<void> {
  for (const item of items)
    await settleItem(tx, item, {
      outcome,
      reason: null,
      decidedBy,
      approvals: num(item.approvals),
      rejections: num(item.rejections),
      counted: [],
      now,
    });
}
