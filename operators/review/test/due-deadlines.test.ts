import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import {
  applyDueDeadlines,
  enqueueBatch,
  migrateReview,
  nextItems,
  onReviewOutcome,
  type DeadlinePolicyLookup,
  type QueuePolicy,
} from '../src/index.js';

// Batches no run waits on (a dispute's) reach their deadline through applyDueDeadlines, which
// `datanet serve` calls on a timer and before the queue is read: once, whoever calls it and however
// many call it at once.
const policy: QueuePolicy = {
  version: 2,
  minApprovals: 2,
  minRejections: 2,
  stewardOverride: true,
  reasons: ['incorrect'],
  blind: true,
  domains: [],
  goldFraction: 0,
  minGoldAnswered: 2,
  minAccuracy: 0.7,
  leaseMs: 60_000,
};
const OWNER = '0x' + 'e'.repeat(40);
const REVIEWER = '0x' + 'a'.repeat(40);
const HOUR = 3_600_000;

describe.each(DB_ENGINES)('deadlines of batches no run waits on (%s)', (engine) => {
  let t: TestDb;
  const settled: string[] = [];
  beforeAll(async () => {
    t = await openTestDb(engine);
    await migrateReview(t.db);
    onReviewOutcome('dispute', async (_tx, o) => void settled.push(`${o.ref}:${o.outcome}:${o.decidedBy}`), 'due-deadlines-test');
  });
  afterAll(() => t?.close());

  const enqueue = (datanet: string, batch: string, deadline: number, runId: string | null = null, kind: 'dispute' | 'record' = 'dispute') =>
    enqueueBatch(
      t.db,
      {
        batch,
        datanet,
        runId,
        stepId: runId ? 'review' : null,
        deadline,
        items: [{ datanet, kind, ref: batch, batch, contributor: OWNER, payload: { x: 1 }, heldFor: ['dispute'] }],
      },
      policy,
    );
  const stateOf = async (batch: string) =>
    (await t.db.selectFrom('review_items').select('state').where('batch', '=', batch).executeTakeFirstOrThrow()).state;
  const lookup =
    (onDeadline: 'accept' | 'reject' | 'escalate'): DeadlinePolicyLookup =>
    (datanet) =>
      datanet === 'unreviewed' ? undefined : { onDeadline, version: 2 };

  it('applies the policy to a past deadline once; leaves later deadlines, run batches and unknown policies alone', async () => {
    const now = Date.now();
    await enqueue('n1', 'dispute:due', now - HOUR);
    await enqueue('n1', 'dispute:later', now + HOUR);
    await enqueue('n1', 'run-1:review', now - HOUR, 'run-1');
    await enqueue('unreviewed', 'dispute:nopolicy', now - HOUR);
    expect(await applyDueDeadlines(t.db, lookup('reject'), { now })).toEqual({ batches: 1, settled: 1, escalated: 0 });
    expect(await stateOf('dispute:due')).toBe('rejected');
    for (const b of ['dispute:later', 'run-1:review', 'dispute:nopolicy']) expect(await stateOf(b)).toBe('open');
    const decisions = await t.db.selectFrom('review_decisions').select(['reviewer', 'verdict', 'reason', 'policy_version']).execute();
    expect(decisions).toEqual([{ reviewer: 'system:deadline', verdict: 'reject', reason: 'deadline', policy_version: 2 }]);
    expect(settled).toEqual(['dispute:due:rejected:deadline']);
    // Again, and later: nothing more.
    expect(await applyDueDeadlines(t.db, lookup('reject'), { now: now + 1 })).toEqual({ batches: 0, settled: 0, escalated: 0 });
    expect(settled).toHaveLength(1);
    // Only the named Datanet's batches when one is named.
    expect(await applyDueDeadlines(t.db, lookup('reject'), { now: now + 2 * HOUR, datanet: 'other' })).toMatchObject({ batches: 0 });
    expect(await stateOf('dispute:later')).toBe('open');
  });

  it('escalate hands the item to stewards, out of every reviewer queue, and is not applied again', async () => {
    const now = Date.now();
    await enqueue('n2', 'dispute:esc', now - HOUR);
    expect(await nextItems(t.db, { datanet: 'n2', reviewer: REVIEWER, limit: 5, policy, now: now - 2 * HOUR })).toHaveLength(1);
    expect(await applyDueDeadlines(t.db, lookup('escalate'), { now, datanet: 'n2' })).toEqual({ batches: 1, settled: 0, escalated: 1 });
    expect(await stateOf('dispute:esc')).toBe('escalated');
    expect(await nextItems(t.db, { datanet: 'n2', reviewer: '0x' + 'b'.repeat(40), limit: 5, policy })).toEqual([]);
    const batch = await sql<{
      deadline_applied_at: unknown;
      settled_at: unknown;
    }>`select deadline_applied_at, settled_at from review_batches
      where batch = 'dispute:esc'`.execute(t.db);
    expect(Number(batch.rows[0].deadline_applied_at)).toBe(now);
    expect(batch.rows[0].settled_at).toBeNull();
    expect(await applyDueDeadlines(t.db, lookup('escalate'), { now: now + 1, datanet: 'n2' })).toMatchObject({ batches: 0 });
  });

  it('accept approves a late record but dismisses a late dispute: silence never upholds one', async () => {
    const now = Date.now();
    await enqueue('n4', 'held:rec', now - HOUR, null, 'record');
    await enqueue('n4', 'dispute:acc', now - HOUR);
    expect(await applyDueDeadlines(t.db, lookup('accept'), { now, datanet: 'n4' })).toEqual({ batches: 2, settled: 2, escalated: 0 });
    expect(await stateOf('held:rec')).toBe('approved');
    expect(await stateOf('dispute:acc')).toBe('rejected');
  });

  it('callers at once (replicas, requests) settle each due batch exactly once', async () => {
    const now = Date.now();
    const batches = Array.from({ length: 6 }, (_, i) => `dispute:many-${i}`);
    for (const b of batches) await enqueue('n3', b, now - HOUR);
    settled.length = 0;
    const runs = await Promise.all(Array.from({ length: 8 }, () => applyDueDeadlines(t.db, lookup('accept'), { now, datanet: 'n3' })));
    expect(runs.reduce((n, r) => n + r.batches, 0)).toBe(6);
    expect(runs.reduce((n, r) => n + r.settled, 0)).toBe(6);
    // Dispute items: accept at the deadline dismisses them too (silence never upholds a dispute).
    expect(settled.sort()).toEqual(batches.map((b) => `${b}:rejected:deadline`).sort());
    const outcomes = await t.db.selectFrom('review_outcomes').select('batch').where('datanet', '=', 'n3').execute();
    expect(outcomes).toHaveLength(6);
    const decisions = await t.db.selectFrom('review_decisions').select('item_id').where('datanet', '=', 'n3').execute();
    expect(decisions).toHaveLength(6);
    for (const b of batches) expect(await stateOf(b)).toBe('rejected');
  });
});
