import { sql, type Kysely } from 'kysely';
import { deadlineItem, type DeadlinePolicy } from './apply-deadline.js';
import { holdDisputedContributions } from './dispute-lock.js';
import type { ItemRowFull } from './settle-item.js';

/** The deadline policy of a Datanet's review (`review.decision.onDeadline`), or undefined: leave its batches alone. */
export type DeadlinePolicyLookup = (datanet: string) => { onDeadline: DeadlinePolicy; version: number } | undefined;

export interface DueDeadlines {
  /** Batches whose deadline this call applied. */
  batches: number;
  settled: number;
  escalated: number;
}

/**
 * Applies the deadline policy to batches no run waits on (a dispute's, enqueued by the
 * accountability routes) whose deadline has passed: a run's own batches are the run's, whose
 * review.queue step applies its deadline when the waker continues it. `datanet serve` calls it
 * on a timer and before the queue is read.
 *
 * Exactly once across requests and replicas: one transaction per batch locks the batch's open
 * items (in the order the queue's deciding vote locks them: a disputed contribution, item, batch), then claims the
 * batch (`deadline_applied_at`, set where it is null); a second caller finds it claimed and does
 * nothing. A crash rolls back both the claim and the items' settlement.
 */
export async function applyDueDeadlines(
  db: Kysely<any>,
  policyOf: DeadlinePolicyLookup,
  opts: { datanet?: string; now?: number; limit?: number } = {},
): Promise<DueDeadlines> {
  const now = opts.now ?? Date.now();
  const due = await sql<{ batch: string; datanet: string }>`select batch, datanet from review_batches
    where settled_at is null and deadline_applied_at is null and run_id is null and deadline <= ${now}
    ${opts.datanet === undefined ? sql`` : sql`and datanet = ${opts.datanet}`}
    order by deadline, batch limit ${opts.limit ?? 100}`.execute(db);
  const out: DueDeadlines = { batches: 0, settled: 0, escalated: 0 };
  for (const b of due.rows) {
    const policy = policyOf(b.datanet);
    if (!policy) continue;
    await db.transaction().execute(async (tx) => {
      await holdDisputedContributions(tx, { batch: b.batch });
      const items = await sql<ItemRowFull>`select * from review_items where batch = ${b.batch}
        and state in ('open', 'escalated') order by id for update`.execute(tx);
      const claimed = await sql`update review_batches set deadline_applied_at = ${now}
        where batch = ${b.batch} and deadline_applied_at is null and settled_at is null returning batch`.execute(tx);
      if (!claimed.rows.length) return;
      out.batches++;
      for (const item of items.rows) {
        if ((await deadlineItem(tx, item, policy.onDeadline, policy.version, now)) === 'escalated') out.escalated++;
        else out.settled++;
      }
    });
  }
  return out;
}
