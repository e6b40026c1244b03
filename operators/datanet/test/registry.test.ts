import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import {
  MIB,
  contributorStats,
  decideFile,
  openRegistry,
  recordContributions,
  reserveDailyUsage,
  revokeContribution,
  standingHistory,
  standingOf,
  usage,
  type ContributionRecord,
  type DatanetLimits,
} from '../src/index.js';

const LIMITS: DatanetLimits = { dailyBytesPerContributor: 10 * MIB, filesPerSubmission: 20, resetTimezone: 'UTC' };
const NOW = Date.UTC(2026, 10, 24, 10);

const record = (id: string, contributor: string, i = 0): ContributionRecord => ({
  id,
  datanet: 'dn',
  contributor,
  submissionId: `s-${contributor}`,
  sourceFile: 'f.jsonl',
  recordIndex: i,
  licence: 'CC0-1.0',
  consent: 'training',
  submittedAt: NOW,
  validatorVersion: 'v1',
  runId: 'r1',
});

describe.each(DB_ENGINES)('registry on %s', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
    await openRegistry(t.db, engine);
    await openRegistry(t.db, engine); // migrations are idempotent
  });
  afterAll(async () => t?.close());

  it('records contributions once, credits the earliest, and revocation lowers standing', async () => {
    const first = await recordContributions(t.db, [record('h1', '0xA', 0), record('h2', '0xA', 1)], { now: NOW });
    expect(first.accepted.map((c) => c.id)).toEqual(['h1', 'h2']);
    const again = await recordContributions(t.db, [record('h1', '0xA', 0)], { now: NOW + 5 });
    expect(again.accepted).toHaveLength(1);
    expect(again.accepted[0].acceptedAt).toBe(NOW);
    const copy = await recordContributions(t.db, [record('h1', '0xB', 0)], { now: NOW + 10 });
    expect(copy.accepted).toHaveLength(0);
    expect(copy.duplicates[0].existing.contributor).toBe('0xA');

    const before = await standingOf(t.db, 'dn', '0xA');
    expect(before).toBeCloseTo(2 / 12);
    const r = await revokeContribution(t.db, { datanet: 'dn', id: 'h2', reason: 'upheld dispute', now: NOW + 20 });
    expect(r.revoked).toBe(true);
    expect(r.standingAfter).toBeLessThan(r.standingBefore);
    expect(r.standingAfter).toBeCloseTo(1 / (1 + 5 + 10));
    expect((await revokeContribution(t.db, { datanet: 'dn', id: 'h2', reason: 'again', now: NOW + 30 })).revoked).toBe(false);
    await expect(revokeContribution(t.db, { datanet: 'dn', id: 'nope', reason: 'x' })).rejects.toThrow(
      /no contribution nope in Datanet dn/,
    );
    const history = await standingHistory(t.db, 'dn', '0xA');
    expect(history.map((h) => h.event)).toEqual(['accepted', 'revoked']);
  });

  it('acceptance rate counts files; a rejected file does not lower standing', async () => {
    const base = { datanet: 'dn2', contributor: '0xC', limits: LIMITS, now: NOW };
    await decideFile(t.db, { ...base, submissionId: 's1', name: 'a.txt', size: 10, sha256: 'x' });
    await recordContributions(t.db, [{ ...record('c1', '0xC'), datanet: 'dn2' }], { now: NOW });
    const standing = await standingOf(t.db, 'dn2', '0xC');
    await decideFile(t.db, {
      ...base,
      submissionId: 's1',
      name: 'b.txt',
      size: 10,
      sha256: 'y',
      rejection: { reasonCode: 'empty_file', message: 'empty' },
    });
    const stats = await contributorStats(t.db, 'dn2');
    expect(stats).toEqual([
      {
        contributor: '0xC',
        submittedFiles: 2,
        acceptedFiles: 1,
        rejectedFiles: 1,
        acceptanceRate: 0.5,
        contributions: 1,
        waitingForReview: 0,
        revoked: 0,
        dropped: 0,
        standing,
      },
    ]);
    // One contributor's figures, read alone (as their page does), are the same.
    await decideFile(t.db, { ...base, contributor: '0xD', submissionId: 's2', name: 'c.txt', size: 10, sha256: 'z' });
    const all = await contributorStats(t.db, 'dn2');
    expect(all.map((s) => s.contributor)).toEqual(['0xC', '0xD']);
    for (const s of all) {
      expect(await contributorStats(t.db, 'dn2', undefined, { contributor: s.contributor })).toEqual([s]);
    }
    // A re-decided file is read back, not counted again.
    const again = await decideFile(t.db, { ...base, submissionId: 's1', name: 'a.txt', size: 10, sha256: 'x' });
    expect(again).toMatchObject({ status: 'accepted', fresh: false });
    expect(await usage(t.db, 'dn2', '0xC', '2026-11-24')).toEqual({ bytes: 10, files: 1 });
  });

  it('concurrent reservations in one process never pass the caps (per contributor, files, per Datanet)', async () => {
    const limits: DatanetLimits = { ...LIMITS, dailyBytesPerContributor: 1000, dailyFilesPerContributor: 7, dailyBytesPerDatanet: 1500 };
    const run = (contributor: string, n: number, bytes: number) =>
      Promise.all(
        Array.from({ length: n }, () =>
          t.db.transaction().execute((trx) => reserveDailyUsage(trx, { datanet: 'dn3', contributor, bytes, limits, now: NOW })),
        ),
      );
    const a = await run('0xD', 20, 100);
    expect(a.filter((r) => r.ok)).toHaveLength(7);
    const refusal = a.find((r) => !r.ok)!;
    expect(refusal).toMatchObject({ ok: false, limit: 'dailyFilesPerContributor', cap: 7, used: 7 });
    const b = await run('0xE', 20, 150);
    expect(b.filter((r) => r.ok)).toHaveLength(5); // 700 + 5 * 150 = 1450 <= 1500 Datanet bytes
    expect(b.find((r) => !r.ok)).toMatchObject({ limit: 'dailyBytesPerDatanet', cap: 1500, used: 1450 });
    expect(await usage(t.db, 'dn3', '0xE', '2026-11-24')).toEqual({ bytes: 750, files: 5 });
    expect(await usage(t.db, 'dn3', '*', '2026-11-24')).toEqual({ bytes: 1450, files: 12 });
  });
});
