import { randomBytes, randomInt } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { num } from '@datanet/datanet';

/** Rows of review_items the queue reads to show an item. */
export interface ItemRow {
  id: string;
  kind: string;
  contributor: string | null;
  payload: string;
  held_for: string;
  deadline: unknown;
}

/** Open records a gold item may borrow its look from: the first of the queue, as next() reads it. */
const LOOKALIKES = 20;

/**
 * Where a reviewer's next gold item goes, as a count of items served: one at a random place in
 * each block of `period` (Prolific-style attention checks, not every period-th item), so its place
 * tells nothing while the rate stays exact. Keeps a slot drawn before when it is still ahead.
 */
export function goldSlot(stored: unknown, served: number, period: number): number {
  const block = Math.floor(served / period);
  const slot = stored == null ? null : num(stored);
  if (slot !== null && slot >= served && slot < (block + 2) * period) return slot;
  const from = Math.max(served, block * period);
  return from + randomInt((block + 1) * period - from);
}

/** The slot in the block after the one `served` is in. */
export const nextGoldSlot = (served: number, period: number) => (Math.floor(served / period) + 1) * period + randomInt(period);

/**
 * A gold item for one reviewer, or null when none is left for them or no open record is there to
 * look like. The reviewer gets a copy of their own (a random id, so reviewers comparing ids learn
 * nothing), drawn at random among the gold items they have not had, dressed as one of the open
 * records near the head of the queue: its heldFor, its contributor (shown when the policy is not
 * blind), its deadline and its payload's fields. The contributor's record is not touched: a gold
 * answer counts for the reviewer's accuracy only.
 */
export async function goldFor(tx: Kysely<any>, datanet: string, reviewer: string, now: number): Promise<ItemRow | null> {
  const mine = `gold:${reviewer}`;
  const gold = await sql<{ ref: string; payload: string; gold_expected: string; policy_version: unknown }>`
    select t.ref, t.payload, t.gold_expected, t.policy_version from review_items t
    where t.datanet = ${datanet} and t.kind = 'gold' and t.batch = 'gold'
      and not exists (select 1 from review_items c where c.datanet = ${datanet} and c.batch = ${mine} and c.ref = t.ref)
      and not exists (select 1 from review_assignments a where a.item_id = t.id and a.reviewer = ${reviewer})
    order by random() limit 1`.execute(tx);
  const g = gold.rows[0];
  if (!g) return null;
  // Near duplicates are shown beside the earlier record (payload fields `earlier`, `similarity`)
  // that a gold item has not got: gold never looks like one.
  const looks = await sql<{ contributor: string | null; held_for: string; deadline: unknown; payload: string }>`
    select contributor, held_for, deadline, payload from review_items
    where datanet = ${datanet} and state = 'open' and kind = 'record'
      and position(${`,${reviewer},`} in exclude) = 0 and position('near_duplicate' in held_for) = 0
    order by deadline, priority desc, id limit ${LOOKALIKES}`.execute(tx);
  if (!looks.rows.length) return null;
  const like = looks.rows[randomInt(looks.rows.length)];
  const fields = JSON.parse(g.payload) as Record<string, unknown>;
  const record = JSON.parse(like.payload) as Record<string, unknown>;
  const keys = Object.keys(record);
  // The record's fields, in its order; one the gold item lacks (a source, a URL) takes the
  // look-alike record's value, as the contributor does: a null where records have a value would
  // give gold away. A gold file sharing no field with the records is shown as written (it could not
  // be judged otherwise).
  const payload = keys.some((k) => k in fields) ? Object.fromEntries(keys.map((k) => [k, fields[k] ?? record[k] ?? null])) : fields;
  const row: ItemRow = {
    id: randomBytes(16).toString('hex'),
    kind: 'gold',
    contributor: like.contributor ?? null,
    payload: JSON.stringify(payload),
    held_for: like.held_for,
    deadline: num(like.deadline),
  };
  await tx
    .insertInto('review_items')
    .values({
      ...row,
      datanet,
      ref: g.ref,
      batch: mine,
      exclude: ',',
      priority: 0,
      min_approvals: 1,
      min_rejections: 1,
      policy_version: num(g.policy_version),
      state: 'open',
      gold_expected: g.gold_expected,
      created_at: now,
    })
    .execute();
  return row;
}
