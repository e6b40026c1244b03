import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { decide, enqueueBatch, migrateReview, nextItems, syncGold, type QueuePolicy } from '@datanet/review';
import { buildQualityReport, renderQualityHtml, renderQualitySummary } from '../src/index.js';

const policy: QueuePolicy = {
  version: 1,
  minApprovals: 2,
  minRejections: 2,
  stewardOverride: true,
  reasons: ['incorrect', 'unsafe'],
  blind: true,
  domains: [],
  goldFraction: 0.5,
  minGoldAnswered: 1,
  minAccuracy: 0.7,
  leaseMs: 60_000,
};
const OWNER = '0x' + '9'.repeat(40);
const [A, B, C] = ['a', 'b', 'c'].map((x) => '0x' + x.repeat(40));

describe('report.quality: the human review section', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
    await migrateReview(t.db);
    await syncGold(t.db, 'rv', [{ id: 'g', expected: 'reject', payload: { question: 'q', answer: 'nonsense' } }], 1);
    await enqueueBatch(
      t.db,
      {
        batch: 'b',
        datanet: 'rv',
        deadline: Date.now() + 3_600_000,
        items: ['r1', 'r2'].map((ref) => ({
          datanet: 'rv',
          kind: 'record' as const,
          ref,
          batch: 'b',
          contributor: OWNER,
          payload: {},
          heldFor: ['newcomer'],
        })),
      },
      policy,
    );
    // A answers the gold item wrongly (suspended) and leaves the records (gold sits at a random
    // place among them), B and C reject both records.
    for (const [who, verdict] of [
      [A, 'approve'],
      [B, 'reject'],
      [C, 'reject'],
    ] as const) {
      for (let round = 0; round < 3; round++) {
        const items = await nextItems(t.db, { datanet: 'rv', reviewer: who, limit: 3, policy }).catch(() => []);
        for (const it of items) {
          const isGold = it.payload.answer === 'nonsense';
          if (who === A && !isGold) continue;
          const v = isGold && who !== A ? 'reject' : verdict;
          await decide(
            t.db,
            { datanet: 'rv', itemId: it.id, reviewer: who, verdict: v, reason: v === 'reject' ? 'unsafe' : undefined },
            policy,
          ).catch(() => undefined);
        }
      }
    }
  });
  afterAll(async () => t?.close());

  it('shows throughput, queue age, each reviewer with accuracy and agreement, and the review rejection reasons', async () => {
    const m = await buildQualityReport({ datanet: 'rv', runId: 'run-1', inputs: {}, registry: { db: t.db, dialect: 'pglite' } });
    const r = m.review!;
    expect(r.items).toEqual({ open: 0, escalated: 0, approved: 0, rejected: 2 });
    expect(r.throughput.decisions).toBe(4);
    expect(r.decisionsPerItem).toBe(2);
    expect(r.reasons).toEqual([{ reason: 'unsafe', count: 2 }]);
    expect(r.contributors).toEqual([{ contributor: OWNER, held: 2, approved: 0, rejected: 2, open: 0 }]);
    const a = r.reviewers.find((x) => x.reviewer === A)!;
    expect(a.status).toBe('suspended');
    expect(a.accuracy).toBe(0);
    const b = r.reviewers.find((x) => x.reviewer === B)!;
    expect([b.status, b.accuracy, b.agreement]).toEqual(['active', 1, 1]);

    const html = renderQualityHtml(m);
    expect(html).toContain('<h2 id="review">Human review</h2>');
    expect(html).toContain('data-review-reason="unsafe"');
    expect(html).toMatch(new RegExp(`data-reviewer="${A}" class="fail"`));
    expect(renderQualitySummary(m)).toContain('review: 0 approved, 2 rejected');
  });

  it('is absent for a Datanet that was never reviewed', async () => {
    const m = await buildQualityReport({ datanet: 'other', runId: null, inputs: {}, registry: { db: t.db, dialect: 'pglite' } });
    expect(m.review).toBeUndefined();
    expect(renderQualityHtml(m)).not.toContain('id="review"');
  });
});
