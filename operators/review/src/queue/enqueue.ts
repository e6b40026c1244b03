import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { num } from '@datanet/datanet';
import type { NewReviewItem, QueuePolicy } from './queue-types.js';

const CHUNK = 500;

/** An item's id: the same (datanet, kind, batch, ref) is the same item, so enqueueing is idempotent. */
export function reviewItemId(datanet: string, kind: string, batch: string, ref: string): string {
  return createHash('sha256').update(`${datanet}\n${kind}\n${batch}\n${ref}`).digest('hex').slice(0, 32);
}

export const batchSignal = (batch: string) => `review:${batch}`;

const excludeList = (addresses: (string | null | undefined)[]) =>
  `,${[...new Set(addresses.filter((a): a is string => Boolean(a)).map((a) => a.toLowerCase()))].join(',')}${addresses.some(Boolean) ? ',' : ''}`;

/**
 * Puts items in the queue under one batch, and (re)counts the batch: a batch is settled, and its
 * wait signal recorded, when none of its items is open. Idempotent: a re-run enqueues nothing twice.
 * Inside the caller's transaction when `db` is one.
 */
export async function enqueueBatch(
  db: Kysely<any>,
  b: { batch: string; datanet: string; runId?: string | null; stepId?: string | null; deadline: number; items: NewReviewItem[] },
  policy: Pick<QueuePolicy, 'version' | 'minApprovals' | 'minRejections'>,
  now = Date.now(),
): Promise<{ items: number; open: number; settled: boolean }> {
  for (const it of b.items)
    if (it.batch !== b.batch || it.datanet !== b.datanet)
      throw new Error(`item ${it.ref} belongs to batch ${it.batch} of ${it.datanet}, not ${b.batch} of ${b.datanet}`);
  const inTx = async (tx: Kysely<any>) => {
    for (let i = 0; i < b.items.length; i += CHUNK) {
      await tx
        .insertInto('review_items')
        .values(
          b.items.slice(i, i + CHUNK).map((it) => ({
            id: reviewItemId(it.datanet, it.kind, it.batch, it.ref),
            datanet: it.datanet,
            kind: it.kind,
            ref: it.ref,
            batch: it.batch,
            contributor: it.contributor?.toLowerCase() ?? null,
            exclude: excludeList([it.contributor, ...(it.exclude ?? [])]),
            payload: JSON.stringify(it.payload),
            held_for: it.heldFor.join(','),
            priority: it.priority ?? 0,
            deadline: b.deadline,
            min_approvals: policy.minApprovals,
            min_rejections: policy.minRejections,
            policy_version: policy.version,
            state: 'open',
            created_at: now,
          })),
        )
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
    const counts = await tx
      .selectFrom('review_items')
      .select((eb) => [eb.fn.countAll().as('items'), eb.fn.countAll().filterWhere('state', 'in', ['open', 'escalated']).as('open')])
      .where('batch', '=', b.batch)
      .executeTakeFirstOrThrow();
    const items = num(counts.items);
    const open = num(counts.open);
    await tx
      .insertInto('review_batches')
      .values({
        batch: b.batch,
        datanet: b.datanet,
        run_id: b.runId ?? null,
        step_id: b.stepId ?? null,
        signal: batchSignal(b.batch),
        items,
        open,
        deadline: b.deadline,
        created_at: now,
        settled_at: open === 0 ? now : null,
      })
      .onConflict((oc) => oc.column('batch').doUpdateSet({ items, open }))
      .execute();
    const row = await tx.selectFrom('review_batches').select('settled_at').where('batch', '=', b.batch).executeTakeFirstOrThrow();
    return { items, open, settled: row.settled_at !== null };
  };
  // Inside the caller's transaction when given one (enqueued with a check that must hold at commit).
  return db.isTransaction ? inTx(db) : db.transaction().execute(inTx);
}

/** A gold item: record fields with a known answer, mixed into reviewers' queues. */
export interface GoldItem {
  id: string;
  expected: 'approve' | 'reject';
  payload: Record<string, unknown>;
}

/**
 * Makes the Datanet's gold items available to the queue (adds new ones; known ones are kept). These
 * rows are never handed out themselves: each reviewer gets a copy of their own, dressed as one of
 * the open records (serve-gold.ts).
 */
export async function syncGold(db: Kysely<any>, datanet: string, gold: GoldItem[], policyVersion: number, now = Date.now()): Promise<void> {
  if (!gold.length) return;
  await db
    .insertInto('review_items')
    .values(
      gold.map((g) => ({
        id: reviewItemId(datanet, 'gold', 'gold', g.id),
        datanet,
        kind: 'gold',
        ref: g.id,
        batch: 'gold',
        contributor: null,
        exclude: ',',
        payload: JSON.stringify(g.payload),
        held_for: 'audit',
        priority: 0,
        // Gold never expires and is never decided: each reviewer answers it once.
        deadline: Number.MAX_SAFE_INTEGER,
        min_approvals: 1,
        min_rejections: 1,
        policy_version: policyVersion,
        state: 'open',
        gold_expected: g.expected,
        created_at: now,
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}
