import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, TEST_DATABASE_URL, type TestDb } from '@datanet/pipelines/testing';
import { enqueueBatch, migrateReview, tallyVotes, type NewReviewItem, type QueuePolicy, type Verdict } from '../src/index.js';

const REVIEWERS = Array.from(
  { length: Number(process.env.REVIEW_TEST_PROCESSES ?? 50) },
  (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`,
);
const ITEMS = Number(process.env.REVIEW_TEST_ITEMS ?? 250);
// Long enough for 50 processes to start on a loaded 2-core machine.
const TIMEOUT = 900_000;
const policy: QueuePolicy = {
  version: 1,
  minApprovals: 2,
  minRejections: 2,
  stewardOverride: true,
  reasons: ['incorrect'],
  blind: true,
  domains: [],
  goldFraction: 0,
  minGoldAnswered: 5,
  minAccuracy: 0.7,
  leaseMs: 10 * 60_000,
};
const RUN_TS = resolve(import.meta.dirname, '../../../pipelines/bin/run-ts.mjs');
const WORKER = resolve(import.meta.dirname, 'fixtures/reviewer-child.ts');

function runReviewer(
  schema: string,
  address: string,
): Promise<{ code: number | null; lines: { item: string; verdict: Verdict }[]; err: string }> {
  return new Promise((done) => {
    const child = spawn('node', [RUN_TS, WORKER, TEST_DATABASE_URL, schema, 'concurrency', address], {
      env: { ...process.env, REVIEW_POLICY: JSON.stringify(policy) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) =>
      done({
        code,
        err,
        lines: out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { item: string; verdict: Verdict }),
      }),
    );
  });
}

describe('50 reviewers as real processes on PostgreSQL', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('postgres');
    await migrateReview(t.db);
    // Some items belong to reviewers themselves: they must never get them.
    const items: NewReviewItem[] = Array.from({ length: ITEMS }, (_, i) => ({
      datanet: 'concurrency',
      kind: 'record',
      ref: `rec-${i}`,
      batch: 'c1',
      contributor: i % 4 === 0 ? REVIEWERS[i % REVIEWERS.length] : `0x${'c'.repeat(40)}`,
      payload: { text: `record ${i}` },
      heldFor: ['audit'],
      priority: i % 7,
    }));
    await enqueueBatch(t.db, { batch: 'c1', datanet: 'concurrency', deadline: Date.now() + 3_600_000, items }, policy);
  });
  afterAll(async () => t?.close());

  it('never hands an item beyond the quorum need, never to its contributor, and loses no decision', { timeout: TIMEOUT }, async () => {
    const results = await Promise.all(REVIEWERS.map((r) => runReviewer(t.schema!, r)));
    for (const r of results) expect(r.code, r.err.slice(0, 3000)).toBe(0);
    const reported = results.flatMap((r, i) => r.lines.map((l) => ({ ...l, reviewer: REVIEWERS[i] })));

    const decisions = await t.db.selectFrom('review_decisions').selectAll().orderBy('seq').execute();
    // No decision lost, none recorded twice: exactly what the processes were told was recorded.
    expect(decisions.length).toBe(reported.length);
    expect(new Set(decisions.map((d) => `${d.item_id} ${d.reviewer}`))).toEqual(new Set(reported.map((d) => `${d.item} ${d.reviewer}`)));

    const items = await t.db.selectFrom('review_items').selectAll().where('kind', '=', 'record').execute();
    expect(items.filter((i) => i.state !== 'approved' && i.state !== 'rejected')).toEqual([]);
    expect(await t.db.selectFrom('review_outcomes').select('item_id').execute()).toHaveLength(ITEMS);
    const batch = await t.db.selectFrom('review_batches').selectAll().executeTakeFirstOrThrow();
    expect(Number(batch.open)).toBe(0);

    let extraVotes = 0;
    let split = 0;
    for (const item of items) {
      const votes = decisions
        .filter((d) => d.item_id === item.id)
        .map((d) => ({ reviewer: d.reviewer as string, verdict: d.verdict as Verdict }));
      expect(votes.some((v) => v.reviewer === item.contributor)).toBe(false);
      // Replaying the votes in the order they were recorded decides the item exactly at its last
      // vote: nobody got it beyond what the quorum needed.
      const t1 = tallyVotes(votes, policy);
      expect(t1.state).toBe(item.state);
      expect(tallyVotes(votes.slice(0, -1), policy).state).toBe('open');
      extraVotes += votes.length - t1.counted.length;
      if (votes.length > 2) split++;
    }
    expect(extraVotes).toBe(0);
    // The votes disagreed often enough that the "need" grew beyond two for some items.
    expect(split).toBeGreaterThan(ITEMS / 20);
    // Every handed-out item was decided: no assignment left dangling or released.
    const assignments = await t.db.selectFrom('review_assignments').selectAll().execute();
    expect(assignments.length).toBe(decisions.length);
    expect(assignments.filter((a) => a.decided_at === null || a.released)).toEqual([]);
    // Work was spread across the processes.
    expect(results.filter((r) => r.lines.length > 0).length).toBeGreaterThan(REVIEWERS.length / 2);
  });
});
