import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { openRegistry, recordContributions, revokeContribution, standingHistory, standingOf } from '../src/index.js';

// Two revocations of two contributions of one owner at once (two PostgreSQL connections): each
// reports the standing before and after its own revocation, so the second's "before" is the
// first's "after". Before the fix both read the standing before either had committed and both
// said the same before -> after (and the standing.changed audit entries built on them lied).
const D = 'revoke-race';
const OWNER = '0x' + 'ab'.repeat(20);

describe('concurrent revocations of one owner (PostgreSQL)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('postgres');
    await openRegistry(t.db, 'postgres');
    await recordContributions(
      t.db,
      [0, 1, 2].map((j) => ({
        id: `c-${j}`,
        datanet: D,
        contributor: OWNER,
        submissionId: 's',
        sourceFile: 'f.txt',
        recordIndex: j,
        licence: 'CC-BY-4.0',
        consent: 'train',
        submittedAt: 1,
        validatorVersion: 't',
      })),
    );
  }, 60_000);
  afterAll(() => t?.close());

  it('the second reads the standing the first left, not the one before both', async () => {
    const initial = await standingOf(t.db, D, OWNER);
    let secondStarted!: () => void;
    const started = new Promise<void>((r) => (secondStarted = r));
    let second: ReturnType<typeof revokeContribution> | undefined;
    // The first revocation's transaction stays open while the second runs on another connection.
    const first = await t.db.transaction().execute(async (trx) => {
      const r = await revokeContribution(trx, { datanet: D, id: 'c-0', reason: 'test: first' });
      second = revokeContribution(t.db, { datanet: D, id: 'c-1', reason: 'test: second' });
      secondStarted();
      await new Promise((r) => setTimeout(r, 600));
      return r;
    });
    await started;
    const r2 = await second!;
    expect(first.revoked && r2.revoked).toBe(true);
    expect(first.standingBefore).toBeCloseTo(initial, 12);
    expect(first.standingAfter).toBeLessThan(first.standingBefore);
    expect(r2.standingBefore).toBeCloseTo(first.standingAfter, 12);
    expect(r2.standingAfter).toBeLessThan(r2.standingBefore);
    expect(r2.standingAfter).toBeCloseTo(await standingOf(t.db, D, OWNER), 12);
    // The history has one entry per revocation, each with the standing after it.
    const revoked = (await standingHistory(t.db, D, OWNER)).filter((e) => e.event === 'revoked');
    expect(revoked.map((e) => e.standing).sort((a, b) => b - a)).toEqual([first.standingAfter, r2.standingAfter]);
  }, 60_000);
});
