import { sql, type Kysely } from 'kysely';
import { num } from '@datanet/datanet';
import { ReviewError, type QueuePolicy, type ReviewItemView } from './queue-types.js';
import { goldFor, goldSlot, nextGoldSlot, type ItemRow } from './serve-gold.js';

/**
 * Hands a reviewer up to `limit` items: first those already handed to them and still undecided,
 * then new ones, most urgent first (deadline, then priority). An item goes only to reviewers who
 * are not its contributor, never twice to one reviewer (one whose lease on it ran out before they
 * voted may get it back, under a new lease), and never to more reviewers at once than
 * the votes it still needs (the `outstanding` count, checked and raised under the item's row lock,
 * so concurrent callers skip what another is taking). A share of the slots (goldFraction) is gold,
 * at a random place in each block of 1/goldFraction items and dressed as a record (serve-gold.ts).
 */
export async function nextItems(
  db: Kysely<any>,
  req: { datanet: string; reviewer: string; limit: number; policy: QueuePolicy; now?: number },
): Promise<ReviewItemView[]> {
  const now = req.now ?? Date.now();
  const reviewer = req.reviewer.toLowerCase();
  const { policy } = req;
  await releaseExpired(db, now);
  return db.transaction().execute(async (tx) => {
    await tx
      .insertInto('review_reviewers')
      .values({ datanet: req.datanet, reviewer, status: 'active' })
      .onConflict((oc) => oc.columns(['datanet', 'reviewer']).doNothing())
      .execute();
    // One reviewer's calls run one at a time (the gold cadence counts what they were served).
    const me = await sql<{ status: string; served: unknown; gold_slot: unknown; suspended_reason: string | null }>`
      select status, served, gold_slot, suspended_reason from review_reviewers
      where datanet = ${req.datanet} and reviewer = ${reviewer} for update`.execute(tx);
    const row = me.rows[0];
    if (row.status === 'suspended')
      throw new ReviewError(403, 'reviewer_suspended', `your review rights on ${req.datanet} are suspended: ${row.suspended_reason ?? ''}`);

    const held = await sql<ItemRow & { expires_at: unknown }>`
      select i.id, i.kind, i.contributor, i.payload, i.held_for, i.deadline, a.expires_at
      from review_assignments a join review_items i on i.id = a.item_id
      where a.reviewer = ${reviewer} and i.datanet = ${req.datanet} and a.decided_at is null and a.released = false
        and a.expires_at > ${now} and i.state = 'open'
      order by a.assigned_at, i.id limit ${req.limit}`.execute(tx);
    const out: ReviewItemView[] = held.rows.map((r) => view(r, num(r.expires_at), policy));
    let served = num(row.served);
    const period = policy.goldFraction > 0 ? Math.max(2, Math.round(1 / policy.goldFraction)) : 0;
    let slot = period ? goldSlot(row.gold_slot, served, period) : null;
    const expires = now + policy.leaseMs;
    const assign = async (r: ItemRow, counts: boolean) => {
      // A lease that ran out (or was released) before its vote is renewed: the item is handed back.
      await tx
        .insertInto('review_assignments')
        .values({ item_id: r.id, reviewer, assigned_at: now, expires_at: expires })
        .onConflict((oc) => oc.columns(['item_id', 'reviewer']).doUpdateSet({ assigned_at: now, expires_at: expires, released: false }))
        .execute();
      if (counts) await sql`update review_items set outstanding = outstanding + 1 where id = ${r.id}`.execute(tx);
      out.push(view(r, expires, policy));
      served++;
    };

    while (out.length < req.limit) {
      if (slot !== null && served === slot) {
        // This block's gold place: gold when any is left for them, else the block goes without.
        slot = nextGoldSlot(served, period);
        const gold = await goldFor(tx, req.datanet, reviewer, now);
        if (gold) {
          await assign(gold, false);
          continue;
        }
      }
      const want = slot !== null ? Math.min(req.limit - out.length, slot - served) : req.limit - out.length;
      const picked = await sql<ItemRow>`
        select id, kind, contributor, payload, held_for, deadline from review_items i
        where datanet = ${req.datanet} and state = 'open' and kind <> 'gold'
          and position(${`,${reviewer},`} in exclude) = 0
          and outstanding < greatest(1, least(
                greatest(min_approvals - approvals, rejections - approvals + 1),
                greatest(min_rejections - rejections, approvals - rejections + 1)))
          and not exists (select 1 from review_assignments a where a.item_id = i.id and a.reviewer = ${reviewer}
            and (a.decided_at is not null or a.released = false))
        order by deadline, priority desc, id
        limit ${want}
        for update skip locked`.execute(tx);
      for (const r of picked.rows) await assign(r, true);
      if (picked.rows.length < want) break;
    }
    await sql`update review_reviewers set served = ${served}, gold_slot = ${slot}
      where datanet = ${req.datanet} and reviewer = ${reviewer}`.execute(tx);
    return out;
  });
}

function view(r: ItemRow, leaseExpires: number, policy: QueuePolicy): ReviewItemView {
  return {
    id: r.id,
    // Gold is shown as the record it was dressed as (serve-gold.ts): nothing here tells them apart.
    kind: r.kind === 'dispute' ? 'dispute' : 'record',
    heldFor: r.held_for ? r.held_for.split(',') : [],
    contributor: policy.blind ? null : r.contributor,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    deadline: new Date(Math.min(num(r.deadline), 8.64e15)).toISOString(),
    leaseExpiresAt: new Date(leaseExpires).toISOString(),
    domains: policy.domains,
    reasons: policy.reasons,
  };
}

/** Items whose reviewer let the lease run out go back to the queue. */
async function releaseExpired(db: Kysely<any>, now: number): Promise<void> {
  const expired = await sql<{ item_id: string; reviewer: string }>`
    select item_id, reviewer from review_assignments
    where expires_at <= ${now} and decided_at is null and released = false
    order by item_id limit 500`.execute(db);
  for (const e of expired.rows) await releaseAssignment(db, e.item_id, e.reviewer);
}

/**
 * Releases every live lease a reviewer holds on a Datanet's items: their review rights there ended
 * (a revoked grant), so what they held goes back to the queue at once, not when the leases run out.
 * Returns how many it released.
 */
export async function releaseLeasesOf(db: Kysely<any>, datanet: string, reviewer: string): Promise<number> {
  const live = await sql<{ item_id: string }>`
    select a.item_id from review_assignments a join review_items i on i.id = a.item_id
    where a.reviewer = ${reviewer.toLowerCase()} and i.datanet = ${datanet} and a.decided_at is null and a.released = false
    order by a.item_id`.execute(db);
  for (const a of live.rows) await releaseAssignment(db, a.item_id, reviewer.toLowerCase());
  return live.rows.length;
}

/** Releases one live assignment (lease over): the item needs someone else. */
async function releaseAssignment(db: Kysely<any>, itemId: string, reviewer: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql`select id from review_items where id = ${itemId} for update`.execute(tx);
    await releaseIn(tx, itemId, reviewer);
  });
}

/** Inside a transaction holding the item's row lock. */
export async function releaseIn(tx: Kysely<any>, itemId: string, reviewer: string): Promise<void> {
  const r = await sql`update review_assignments set released = true
    where item_id = ${itemId} and reviewer = ${reviewer} and decided_at is null and released = false returning item_id`.execute(tx);
  if (r.rows.length === 1)
    await sql`update review_items set outstanding = greatest(0, outstanding - 1) where id = ${itemId} and kind <> 'gold'`.execute(tx);
}
