import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { listAudit } from '@datanet/accountability';
import { revokeContribution } from '@datanet/datanet';
import { parseEpoch, type Epoch } from '../src/core/epoch.js';
import { advanceSettlement } from '../src/proposal/advance-settlement.js';
import { appendEpochInputs, loadAttributionRows, loadEpochInputs, recordEpochInputs } from '../src/proposal/epoch-input-rows.js';
import { listProposals, loadProposalPayouts } from '../src/proposal/proposal-store.js';
import { checkLedger, loadPayouts, loadSettlement } from '../src/store/settlement-store.js';
import { DATANET, TERMS, seedEpoch, seedRegistry } from './accountability-fixture.js';

const A = '0x' + 'a'.repeat(40);
const B = '0x' + 'b'.repeat(40);
const HOUR = 3_600_000;

/** One inference of fee `fee` at `time`, attributed 1:2 to A and B. */
function oneInference(datanet: string, epoch: Epoch, id: string, fee: bigint, time: number) {
  return {
    datanet,
    epoch,
    method: 'm',
    methodVersion: 'v',
    inferences: [{ inferenceId: id, fee, time }],
    attributions: [
      { inferenceId: id, contributionId: `${id}-a`, contributor: A, account: A, score: 1 },
      { inferenceId: id, contributionId: `${id}-b`, contributor: B, account: B, score: 2 },
    ],
    standing: [],
  };
}

const credited = async (db: TestDb['db'], datanet: string) =>
  [...(await checkLedger(db, datanet)).credited.values()].reduce((a, b) => a + b, 0n);

describe.each(DB_ENGINES)('one inference is settled in one epoch only (%s)', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
    await seedRegistry(t.db, engine, 5, 6);
  });
  afterAll(() => t?.close());

  const settle = (datanet: string, epoch: string, windowMs = 0, now?: number, terms = TERMS) =>
    advanceSettlement(t.db, { datanet, epoch, terms, windowMs, now });

  it('spellings of one zone name one epoch: @utc, @Etc/UTC and @GMT are @UTC, and pay nothing again', async () => {
    const time = Date.UTC(2026, 10, 24, 12);
    const first = parseEpoch('2026-11-24@UTC');
    expect(await recordEpochInputs(t.db, oneInference('alias', first, 'inf1', 1000n, time))).toBe(true);
    expect((await settle('alias', first.id)).state).toBe('final');
    expect(await credited(t.db, 'alias')).toBe(600n);
    for (const spelling of ['2026-11-24@utc', '2026-11-24@Etc/UTC', '2026-11-24@GMT', '2026-11-24@Etc/GMT', '2026-11-24@Zulu']) {
      const e = parseEpoch(spelling);
      expect(e.id).toBe('2026-11-24@UTC');
      expect(e.timezone).toBe('UTC');
      expect(await recordEpochInputs(t.db, oneInference('alias', e, 'inf1', 1000n, time))).toBe(false);
      const again = await settle('alias', e.id);
      expect(again.state === 'final' && again.created).toBe(false);
    }
    expect(parseEpoch('2026-11-25@europe/paris').id).toBe('2026-11-25@Europe/Paris');
    expect(await credited(t.db, 'alias')).toBe(600n); // one pool of 1000, not one per spelling
  });

  it('refuses to capture an epoch that overlaps a captured one, naming both; the next day of the same zone settles', async () => {
    const utc = parseEpoch('2026-11-24@UTC');
    const inOverlap = Date.UTC(2026, 10, 24, 23, 30); // in 2026-11-24@UTC and in 2026-11-25@Europe/Paris
    await recordEpochInputs(t.db, oneInference('ovl', utc, 'inf1', 1000n, inOverlap));
    expect((await settle('ovl', utc.id)).state).toBe('final');
    const paris = parseEpoch('2026-11-25@Europe/Paris');
    await expect(recordEpochInputs(t.db, oneInference('ovl', paris, 'inf1', 1000n, inOverlap))).rejects.toThrow(
      /epoch 2026-11-25@Europe\/Paris of ovl .* overlaps epoch 2026-11-24@UTC .*2026-11-24T23:00:00\.000Z, 2026-11-25T00:00:00\.000Z\) would be paid twice/,
    );
    expect(await loadEpochInputs(t.db, 'ovl', paris.id)).toBeUndefined();
    // A key written by an older version in another spelling is refused as an overlap too.
    const raw = { ...utc, id: '2026-11-24@utc', timezone: 'utc' };
    await expect(recordEpochInputs(t.db, oneInference('ovl', raw, 'inf1', 1000n, inOverlap))).rejects.toThrow(
      /overlaps epoch 2026-11-24@UTC/,
    );
    expect(await credited(t.db, 'ovl')).toBe(600n);
    // Another Datanet is not affected, and the adjacent day settles.
    expect(await recordEpochInputs(t.db, oneInference('ovl-other', paris, 'inf1', 1000n, inOverlap))).toBe(true);
    const next = parseEpoch('2026-11-25@UTC');
    expect(await recordEpochInputs(t.db, oneInference('ovl', next, 'inf2', 2000n, Date.UTC(2026, 10, 25, 1)))).toBe(true);
    const s = await settle('ovl', next.id);
    expect(s.state === 'final' && s.created).toBe(true);
    expect(await credited(t.db, 'ovl')).toBe(600n + 1200n);
  });

  it('two concurrent captures of overlapping epochs: exactly one is captured', async () => {
    const time = Date.UTC(2026, 11, 1, 23, 30);
    const results = await Promise.allSettled([
      recordEpochInputs(t.db, oneInference('race', parseEpoch('2026-12-01@UTC'), 'inf1', 1000n, time)),
      recordEpochInputs(t.db, oneInference('race', parseEpoch('2026-12-02@Europe/Paris'), 'inf1', 1000n, time)),
      recordEpochInputs(t.db, oneInference('race', parseEpoch('2026-12-02@Asia/Tokyo'), 'inf1', 1000n, time)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === true)).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toHaveLength(2);
    const captured = await t.db.selectFrom('settlement_epoch_inputs').select('epoch').where('datanet', '=', 'race').execute();
    expect(captured).toHaveLength(1);
  });

  it('inferences that arrive while the epoch is proposed are re-proposed with it; after it is final they are not added or paid', async () => {
    const epoch = parseEpoch('2026-11-26@UTC');
    const t0 = epoch.endMs;
    await recordEpochInputs(t.db, oneInference('late', epoch, 'inf1', 1000n, epoch.startMs + HOUR));
    const v1 = await settle('late', epoch.id, 24 * HOUR, t0);
    expect(v1.state).toBe('proposed');
    expect(v1.proposal.fees).toBe(1000n);
    expect(await appendEpochInputs(t.db, oneInference('late', epoch, 'inf2', 2000n, epoch.startMs + 2 * HOUR))).toEqual({
      added: 1,
      settled: false,
    });
    // Already there: nothing added twice.
    expect((await appendEpochInputs(t.db, oneInference('late', epoch, 'inf2', 2000n, epoch.startMs + 2 * HOUR))).added).toBe(0);
    const v2 = await settle('late', epoch.id, 24 * HOUR, t0 + HOUR);
    expect(v2.state).toBe('proposed');
    expect(v2.proposal.version).toBe(2);
    expect(v2.proposal.fees).toBe(3000n);
    expect(v2.proposal.reason).toMatch(/inferences that arrived after version 1/);
    expect(v2.state === 'proposed' && v2.finalAt).toBe(t0 + 25 * HOUR); // a fresh window
    expect((await settle('late', epoch.id, 24 * HOUR, t0 + 24.5 * HOUR)).state).toBe('proposed');
    const final = await settle('late', epoch.id, 24 * HOUR, t0 + 26 * HOUR);
    expect(final.state === 'final' && final.created).toBe(true);
    expect(await credited(t.db, 'late')).toBe(1800n);
    expect(await loadPayouts(t.db, 'late', epoch.id)).toEqual(await loadProposalPayouts(t.db, 'late', epoch.id, 2));
    // After it is final: not added, not paid.
    expect(await appendEpochInputs(t.db, oneInference('late', epoch, 'inf3', 5000n, epoch.startMs + 3 * HOUR))).toEqual({
      added: 0,
      settled: true,
    });
    expect((await loadEpochInputs(t.db, 'late', epoch.id))?.inferenceCount).toBe(2);
    const after = await settle('late', epoch.id, 24 * HOUR, t0 + 27 * HOUR);
    expect(after.state === 'final' && after.created).toBe(false);
    expect(await credited(t.db, 'late')).toBe(1800n);
  });

  it('a re-proposal keeps the terms of the proposal in force, whichever run re-proposes', async () => {
    const epoch = await seedEpoch(t.db, '2026-11-27', 30, 5, 6, 21);
    const t0 = epoch.endMs;
    const v1 = await settle(DATANET, epoch.id, 24 * HOUR, t0);
    const rows = await loadAttributionRows(t.db, DATANET, epoch.id);
    await revokeContribution(t.db, { datanet: DATANET, id: rows.sort((a, b) => b.score - a.score)[0].contributionId, reason: 'test' });
    const other = { ...TERMS, split: { platform: 0, modelOwner: 0, stakers: 0, contributors: 10_000 } };
    const v2 = await settle(DATANET, epoch.id, 24 * HOUR, t0 + HOUR, other);
    expect(v2.proposal.version).toBe(2);
    expect(v2.proposal.terms).toEqual(v1.proposal.terms);
    expect(v2.proposal.contributorPool).toBe(v1.proposal.contributorPool);
  });

  it('no proposal is made after the epoch was recorded by another process, even when a revocation commits then', async () => {
    const epoch = await seedEpoch(t.db, '2026-11-28', 30, 5, 6, 33);
    const t0 = epoch.endMs;
    expect((await settle(DATANET, epoch.id, HOUR, t0)).state).toBe('proposed');
    const rows = await loadAttributionRows(t.db, DATANET, epoch.id);
    const revoked = new Set(
      (await t.db.selectFrom('contributions').select('id').where('revoked_at', 'is not', null).execute()).map((r) => r.id as string),
    );
    const target = rows.filter((r) => r.score > 0 && !revoked.has(r.contributionId)).sort((a, b) => b.score - a.score)[0].contributionId;
    let probes = 0;
    const state = await advanceSettlement(t.db, {
      datanet: DATANET,
      epoch: epoch.id,
      terms: TERMS,
      windowMs: HOUR,
      now: t0 + 2 * HOUR,
      afterSettledRead: async () => {
        if (probes++) return;
        // Read as not recorded; now another process records it, then a revocation commits.
        const other = await settle(DATANET, epoch.id, HOUR, t0 + 2 * HOUR);
        expect(other.state === 'final' && other.created).toBe(true);
        await revokeContribution(t.db, { datanet: DATANET, id: target, reason: 'upheld after the epoch was recorded' });
      },
    });
    expect(probes).toBe(1);
    expect(state.state === 'final' && state.created).toBe(false);
    expect((await listProposals(t.db, DATANET, epoch.id)).map((p) => [p.version, p.status])).toEqual([[1, 'final']]);
    const proposed = (await listAudit(t.db, { datanet: DATANET })).filter(
      (e) => e.kind === 'settlement.proposed' && e.subject === epoch.id,
    );
    expect(proposed).toHaveLength(1);
    expect(await loadSettlement(t.db, DATANET, epoch.id)).toBeDefined();
  });
});
