import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { contributorStats, listRejections, openRegistry, recordContributions, revokeContribution, standingOf } from '@datanet/datanet';
import { recordReviewRejections } from '../src/operator/review-rejections.js';

const CONTRIBUTORS = ['0x' + '1'.repeat(40), '0x' + '2'.repeat(40), '0x' + '3'.repeat(40)];
const policy = { prior: 10, revokePenalty: 5 };

// A history: records accepted at intake (some held, then approved or rejected by review), with
// revocations of accepted ones sprinkled in. Standing is read from the real registry (PGlite).
const record = fc.record({
  who: fc.integer({ min: 0, max: CONTRIBUTORS.length - 1 }),
  review: fc.constantFrom('unheld', 'approved', 'rejected'),
  revokeLater: fc.boolean(),
  code: fc.constantFrom('incorrect', 'unsafe', 'off_topic'),
});

describe('a review rejection neither lowers nor earns standing (property test on the registry)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
    await openRegistry(t.db, 'pglite');
  });
  afterAll(async () => t?.close());

  it('leaves every standing where it would be had the rejected records never been sent, records review.<code> rejections, while a revocation does lower it', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 25 }), async (history) => {
        const datanet = `p${run++}`;
        const contribution = (h: (typeof history)[number], i: number, dn: string) => ({
          id: `${datanet}-${i}.`.padEnd(64, '0'),
          datanet: dn,
          contributor: CONTRIBUTORS[h.who],
          submissionId: `${datanet}-s${h.who}`,
          sourceFile: 'qa.jsonl',
          recordIndex: i,
          licence: 'CC-BY-4.0',
          consent: 'training',
          submittedAt: 1,
          validatorVersion: 'test',
        });
        await recordContributions(
          t.db,
          history.map((h, i) => contribution(h, i, datanet)),
          { policy },
        );
        // The same history without the records review rejects: where standing must end up.
        const reference = `${datanet}-ref`;
        const kept = history.flatMap((h, i) => (h.review === 'rejected' ? [] : [contribution(h, i, reference)]));
        if (kept.length) await recordContributions(t.db, kept, { policy });
        const without = await Promise.all(CONTRIBUTORS.map((c) => standingOf(t.db, reference, c, policy)));
        const rejected = history.flatMap((h, i) => (h.review === 'rejected' ? [{ h, i }] : []));
        await recordReviewRejections(
          t.db,
          datanet,
          'run-1',
          rejected.map(({ h, i }) => ({
            id: `${datanet}-${i}.`.padEnd(64, '0'),
            submissionId: `${datanet}-s${h.who}`,
            file: 'qa.jsonl',
            recordIndex: i,
            contributor: CONTRIBUTORS[h.who],
            code: h.code,
            message: 'rejected by review',
          })),
          policy,
        );
        const after = await Promise.all(CONTRIBUTORS.map((c) => standingOf(t.db, datanet, c, policy)));
        // Rejected junk earns nothing (it used to count until a revocation), and costs nothing.
        expect(after).toEqual(without);
        const rejectedOf = (k: number) => rejected.filter(({ h }) => h.who === k).length;
        const stats = await contributorStats(t.db, datanet, policy);
        for (const s of stats) expect(s.dropped).toBe(rejectedOf(CONTRIBUTORS.indexOf(s.contributor)));
        const stored = (await listRejections(t.db, datanet)).filter((r) => r.reasonCode.startsWith('review.'));
        expect(stored.map((r) => `${r.recordIndex}:${r.reasonCode}`).sort()).toEqual(
          rejected.map(({ h, i }) => `${i}:review.${h.code}`).sort(),
        );

        // The contrast the rule is about: revoking an accepted (approved or unheld) record lowers standing.
        const revoke = history.findIndex((h) => h.review !== 'rejected' && h.revokeLater);
        if (revoke >= 0) {
          const who = CONTRIBUTORS[history[revoke].who];
          const s0 = await standingOf(t.db, datanet, who, policy);
          await revokeContribution(t.db, { datanet, id: `${datanet}-${revoke}.`.padEnd(64, '0'), reason: 'upheld dispute', policy });
          expect(await standingOf(t.db, datanet, who, policy)).toBeLessThan(s0);
        }
      }),
      { numRuns: 25 },
    );
  });
});
