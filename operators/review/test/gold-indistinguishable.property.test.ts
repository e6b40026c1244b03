import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReviewPolicySchema } from '@datanet/datanet';
import { DB_ENGINES, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { GOLD_WINDOW } from '../src/queue/review-stats.js';
import {
  decide,
  enqueueBatch,
  migrateReview,
  nextItems,
  queuePolicyOf,
  reviewerStats,
  syncGold,
  type NewReviewItem,
  type QueuePolicy,
  type ReviewItemView,
  type ReviewerStats,
  type Verdict,
} from '../src/index.js';

// Gold items (known answers) measure reviewers only while a reviewer cannot tell them from the
// records around them, as Common Voice's and Prolific's attention checks: these properties compare
// what a reviewer receives for both and what their own figures say right after a gold answer.

const HELD_FOR = [['newcomer'], ['audit'], ['low_quality', 'audit'], ['exposure'], ['low_standing', 'newcomer']];
const CONTRIBUTORS = ['0x' + '1'.repeat(40), '0x' + '2'.repeat(40), '0x' + '3'.repeat(40)];

// A Datanet's review section as the server reads it. Nobody is suspended here: the figures are what is looked at.
const basePolicy: QueuePolicy = queuePolicyOf(
  ReviewPolicySchema.parse({ quality: { gold: 'gold.jsonl', minGoldAnswered: 1000 }, reviewers: { domains: ['medicine'] } }),
  600_000,
);

/** What a reviewer can tell about an item without reading it: its keys and the type of each value. */
function shape(v: ReviewItemView) {
  return {
    keys: Object.keys(v),
    id: /^[0-9a-f]{32}$/.test(v.id),
    kind: v.kind,
    heldFor: Array.isArray(v.heldFor) && v.heldFor.length > 0 && v.heldFor.every((h) => typeof h === 'string'),
    contributor: v.contributor === null ? 'null' : /^0x[0-9a-f]{40}$/.test(v.contributor) ? 'address' : 'other',
    payload: Object.entries(v.payload).map(([k, x]) => `${k}:${x === null ? 'null' : typeof x}`),
    deadline: typeof v.deadline === 'string' && !Number.isNaN(Date.parse(v.deadline)),
    lease: typeof v.leaseExpiresAt,
    domains: v.domains,
    reasons: v.reasons,
  };
}

/** The figures that would give a gold item away if they moved with each answer. */
const goldFigures = (s: ReviewerStats) => ({
  answered: s.goldAnswered,
  correct: s.goldCorrect,
  accuracy: s.accuracy,
  // A day's row appears with its first decision; its accuracy is the gold figure.
  daily: s.daily.filter((d) => d.accuracy !== null).map((d) => [d.day, d.accuracy]),
});

describe.each(DB_ENGINES)('gold items cannot be told apart on %s (property tests)', (engine) => {
  let t: TestDb;
  let n = 0;
  beforeAll(async () => {
    t = await openTestDb(engine);
    await migrateReview(t.db);
  });
  afterAll(async () => t?.close());

  /** A fresh Datanet with held records and gold items. */
  async function setUp(records: number, golds: number, heldFor: string[][], policy: QueuePolicy) {
    const datanet = `g${++n}`;
    const deadline = Date.now() + 3_600_000 + n;
    const items: NewReviewItem[] = Array.from({ length: records }, (_, i) => ({
      datanet,
      kind: 'record',
      ref: `r${i}`,
      batch: `${datanet}-b`,
      contributor: CONTRIBUTORS[i % CONTRIBUTORS.length],
      // url: a field the gold file lacks; gold must not show it as null where records have one.
      payload: { question: `question ${i}?`, answer: `answer ${i}.`, source: `site-${i % 4}`, url: `https://example.org/${i}` },
      heldFor: heldFor[i % heldFor.length],
    }));
    await enqueueBatch(t.db, { batch: `${datanet}-b`, datanet, deadline, items }, policy);
    // Written in another order, with a field records have not got: shown in the records' shape.
    await syncGold(
      t.db,
      datanet,
      Array.from({ length: golds }, (_, i) => ({
        id: `gold-${i}`,
        expected: i % 2 ? ('approve' as const) : ('reject' as const),
        payload: { answer: `gold answer ${i}.`, source: 'site-0', question: `gold question ${i}?`, hint: 'known answer' },
      })),
      policy.version,
    );
    return { datanet, deadline };
  }

  const isGold = async (id: string) =>
    (await t.db.selectFrom('review_items').select('kind').where('id', '=', id).executeTakeFirstOrThrow()).kind === 'gold';

  it('a gold item has the keys and value types of a record, a held-for and a contributor drawn from them, and the same answer to a vote; the figures of GET review/me do not move after a gold answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          records: fc.integer({ min: 12, max: 30 }),
          golds: fc.integer({ min: 2, max: 8 }),
          heldFor: fc.shuffledSubarray(HELD_FOR, { minLength: 1 }),
          blind: fc.boolean(),
          goldFraction: fc.constantFrom(0.2, 0.25, 0.5),
          limit: fc.integer({ min: 1, max: 4 }),
          verdicts: fc.array(fc.constantFrom<Verdict>('approve', 'reject', 'skip', 'flag'), { minLength: 40, maxLength: 40 }),
        }),
        async (c) => {
          const policy = { ...basePolicy, blind: c.blind, goldFraction: c.goldFraction };
          const { datanet, deadline } = await setUp(c.records, c.golds, c.heldFor, policy);
          const reviewer = '0x' + 'a'.repeat(38) + (n % 100).toString().padStart(2, '0');
          const gold: ReviewItemView[] = [];
          const real: ReviewItemView[] = [];
          const answers = new Map<string, string>();
          for (let round = 0, k = 0; round < 60; round++) {
            const got = await nextItems(t.db, { datanet, reviewer, limit: c.limit, policy });
            if (!got.length) break;
            for (const item of got) {
              const g = await isGold(item.id);
              (g ? gold : real).push(item);
              const verdict = c.verdicts[k++ % c.verdicts.length];
              const before = await reviewerStats(t.db, datanet, reviewer);
              const reason = verdict === 'reject' ? policy.reasons[0] : undefined;
              const r = await decide(t.db, { datanet, itemId: item.id, reviewer, verdict, reason }, policy);
              answers.set(`${g} ${verdict}`, r.state);
              const after = await reviewerStats(t.db, datanet, reviewer);
              expect(after.decisions).toBe(before.decisions + 1);
              // Gold figures move only when a window of decisions is complete: never right after one answer.
              if (after.decisions % GOLD_WINDOW !== 0) expect(goldFigures(after)).toEqual(goldFigures(before));
            }
          }
          expect(gold.length).toBeGreaterThan(0);
          expect(real.length).toBe(c.records);
          const realShapes = new Set(real.map((r) => JSON.stringify(shape(r))));
          expect(realShapes.size).toBe(1);
          for (const g of gold) {
            expect(JSON.stringify(shape(g))).toBe([...realShapes][0]);
            expect(c.heldFor.map((h) => h.join())).toContain(g.heldFor.join());
            expect(Date.parse(g.deadline)).toBe(deadline);
            if (!c.blind) expect(CONTRIBUTORS).toContain(g.contributor);
            expect(Object.keys(g.payload)).toEqual(['question', 'answer', 'source', 'url']);
          }
          // A vote on gold is answered as a record's first vote is.
          for (const verdict of ['approve', 'reject', 'skip', 'flag'])
            if (answers.has(`true ${verdict}`) && answers.has(`false ${verdict}`))
              expect(answers.get(`true ${verdict}`)).toBe(answers.get(`false ${verdict}`));
        },
      ),
      { numRuns: 8 },
    );
  });

  it('each reviewer gets gold items of their own (ids never shared), one at a random place in each block of 1/goldFraction items', async () => {
    const policy = { ...basePolicy, goldFraction: 0.2 };
    const { datanet } = await setUp(100, 6, HELD_FOR, policy);
    const firstGold = new Set<number>();
    const goldIds = new Set<string>();
    for (let r = 0; r < 24; r++) {
      const reviewer = `0x${'b'.repeat(38)}${r.toString().padStart(2, '0')}`;
      const got = await nextItems(t.db, { datanet, reviewer, limit: 10, policy });
      const flags = await Promise.all(got.map((i) => isGold(i.id)));
      expect(got).toHaveLength(10);
      // Exactly one in each block of five.
      expect([flags.slice(0, 5).filter(Boolean).length, flags.slice(5).filter(Boolean).length]).toEqual([1, 1]);
      firstGold.add(flags.indexOf(true));
      for (const [i, item] of got.entries()) {
        if (!flags[i]) continue;
        expect(goldIds.has(item.id)).toBe(false);
        goldIds.add(item.id);
      }
    }
    // Not always the first item (24 reviewers at 1 in 5: all at one place has odds of 5^-23).
    expect(firstGold.size).toBeGreaterThan(1);
  });
});
