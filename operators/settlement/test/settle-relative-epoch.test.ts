import { Table, TimestampMillisecond, Utf8, Float64, vectorFromArray } from 'apache-arrow';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DB_ENGINES, migrateRunStore, openTestDb, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { listAudit } from '@datanet/accountability';
import { openRegistry, recordContributions, revokeContribution } from '@datanet/datanet';
// The engine's own tables (step_waits): a parked step's checkpoint lives there.
import { listProposals } from '../src/proposal/proposal-store.js';
import { loadEpochInputs } from '../src/proposal/epoch-input-rows.js';
import { checkLedger, loadSettlement } from '../src/store/settlement-store.js';
import { settlementSettle, splitFees, stepEpoch } from '../src/index.js';
import { address } from './fixtures.js';

const MEDICAL_QA_YAML = new URL('../../../configs/datanets/medical-qa.yaml', import.meta.url).pathname;

const split = { platform: 1000, modelOwner: 2000, stakers: 1000, contributors: 6000 };
const at = (iso: string) => Date.parse(iso);

/** Inferences `[id, fee, time]`, each attributed to two contributors. */
function tables(rows: [string, bigint, string][]) {
  return {
    inferences: new Table({
      inference_id: vectorFromArray(
        rows.map((r) => r[0]),
        new Utf8(),
      ),
      fee: vectorFromArray(
        rows.map((r) => r[1].toString()),
        new Utf8(),
      ),
      time: vectorFromArray(
        rows.map((r) => at(r[2])),
        new TimestampMillisecond(),
      ),
    }),
    attributions: new Table({
      inference_id: vectorFromArray(
        rows.flatMap((r) => [r[0], r[0]]),
        new Utf8(),
      ),
      contribution_id: vectorFromArray(
        rows.flatMap((r) => [`${r[0]}-a`, `${r[0]}-b`]),
        new Utf8(),
      ),
      contributor: vectorFromArray(
        rows.flatMap(() => [address(1), address(2)]),
        new Utf8(),
      ),
      score: vectorFromArray(
        rows.flatMap(() => [0.25, 0.75]),
        new Float64(),
      ),
    }),
  };
}

const credited = async (db: TestDb['db'], datanet: string) =>
  [...(await checkLedger(db, datanet)).credited.values()].reduce((a, b) => a + b, 0n);

describe('stepEpoch', () => {
  it('a relative epoch is the checkpointed one when the step parked before; a dated one is as written', async () => {
    const now = at('2026-11-25T00:45:00Z');
    const parked = { checkpoint: async () => ({ value: { epoch: '2026-11-24@UTC', version: 1 } }) } as never;
    const fresh = { checkpoint: async () => undefined } as never;
    expect((await stepEpoch(parked, { epoch: 'today', timezone: 'UTC' }, now)).id).toBe('2026-11-24@UTC');
    expect((await stepEpoch(fresh, { epoch: 'today', timezone: 'UTC' }, now)).id).toBe('2026-11-25@UTC');
    expect((await stepEpoch(parked, { epoch: '2026-11-20', timezone: 'UTC' }, now)).id).toBe('2026-11-20@UTC');
  });
});

describe.each(DB_ENGINES)('settlement.settle with a relative epoch (%s, fixed clock)', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
    await migrateRunStore(t);
  });
  afterAll(() => t?.close());
  afterEach(() => vi.useRealTimers());

  const clock = (iso: string) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(at(iso));
  };
  const run = (datanet: string, runId: string, rows: [string, bigint, string][], config: Record<string, unknown> = {}) =>
    runOperator(settlementSettle, {
      config: { datanet, epoch: 'today', split, ...config },
      inputs: tables(rows),
      db: t.db,
      dialect: t.dialect,
      runId,
    });

  it('a step parked through a window that crosses midnight settles the day it proposed, not the next', async () => {
    const rows: [string, bigint, string][] = [
      ['m1', 1000n, '2026-11-24T10:00:00Z'],
      ['m2', 3000n, '2026-11-24T23:10:00Z'],
      ['m3', 7000n, '2026-11-25T00:10:00Z'], // the next day
    ];
    clock('2026-11-24T23:30:00Z');
    await expect(run('midnight', 'run-midnight', rows, { challengeWindow: '1h' })).rejects.toMatchObject({ name: 'StepParked' });
    expect((await listProposals(t.db, 'midnight')).map((p) => [p.epoch, p.version, p.status])).toEqual([['2026-11-24@UTC', 1, 'proposed']]);
    // Woken after the window, past midnight: the same run goes on with its epoch.
    clock('2026-11-25T00:45:00Z');
    const woken = await run('midnight', 'run-midnight', rows, { challengeWindow: '1h' });
    expect((woken.outputs.statement.json as any).epoch).toBe('2026-11-24@UTC');
    expect(await loadSettlement(t.db, 'midnight', '2026-11-24@UTC')).toBeDefined();
    expect(await loadEpochInputs(t.db, 'midnight', '2026-11-25@UTC')).toBeUndefined();
    expect((await listProposals(t.db, 'midnight')).map((p) => [p.epoch, p.version, p.status])).toEqual([['2026-11-24@UTC', 1, 'final']]);
    expect(await credited(t.db, 'midnight')).toBe(splitFees(4000n, split).contributors);
  });

  it('inferences that arrive after a `today` epoch was settled are reported unpaid (output, log, audit), never paid twice', async () => {
    const morning: [string, bigint, string][] = [
      ['s1', 1000n, '2026-11-26T08:00:00Z'],
      ['s2', 2000n, '2026-11-26T09:00:00Z'],
    ];
    clock('2026-11-26T12:00:00Z');
    const first = await run('sameday', 'run-noon', morning);
    expect((first.outputs.statement.json as any).lateUnpaid).toBeUndefined();
    const pool = splitFees(3000n, split).contributors;
    expect(await credited(t.db, 'sameday')).toBe(pool);
    clock('2026-11-26T18:00:00Z');
    const later: [string, bigint, string][] = [...morning, ['s3', 4000n, '2026-11-26T13:00:00Z'], ['s4', 8000n, '2026-11-26T17:00:00Z']];
    const second = await run('sameday', 'run-evening', later);
    const st = second.outputs.statement.json as any;
    expect(st.newlySettled).toBe(false);
    expect(st.lateUnpaid).toMatchObject({ inferences: 2, fees: '12000', inferenceIds: ['s3', 's4'] });
    expect(st.lateUnpaid.reason).toMatch(/arrived after epoch 2026-11-26@UTC was settled/);
    const warn = second.logs.find((l) => l.level === 'warn' && /left unpaid/.test(l.message));
    expect(warn?.message).toMatch(
      /epoch 2026-11-26@UTC of sameday: 2 inference\(s\) with fees 12000 are left unpaid: they arrived after epoch 2026-11-26@UTC/,
    );
    const audit = (await listAudit(t.db, { datanet: 'sameday' })).filter((e) => e.kind === 'settlement.late_inferences');
    expect(audit).toHaveLength(1);
    expect(audit[0].subject).toBe('2026-11-26@UTC');
    expect(audit[0].payload).toMatchObject({ unpaid: 2, fees: '12000', inferenceIds: ['s3', 's4'] });
    expect(await credited(t.db, 'sameday')).toBe(pool);
    // The same report again is one audit entry, not two.
    await run('sameday', 'run-evening-2', later);
    expect((await listAudit(t.db, { datanet: 'sameday' })).filter((e) => e.kind === 'settlement.late_inferences')).toHaveLength(1);
  });

  it('inferences that arrive while a `today` epoch is in its window are re-proposed with it and paid once it is final', async () => {
    const morning: [string, bigint, string][] = [['w1', 1000n, '2026-11-27T08:00:00Z']];
    clock('2026-11-27T10:00:00Z');
    await expect(run('sameday-window', 'run-a', morning, { challengeWindow: '12h' })).rejects.toMatchObject({ name: 'StepParked' });
    clock('2026-11-27T11:00:00Z');
    const later: [string, bigint, string][] = [...morning, ['w2', 5000n, '2026-11-27T10:30:00Z']];
    await expect(run('sameday-window', 'run-b', later, { challengeWindow: '12h' })).rejects.toMatchObject({ name: 'StepParked' });
    const proposals = await listProposals(t.db, 'sameday-window');
    expect(proposals.map((p) => [p.version, p.status, p.fees])).toEqual([
      [1, 'superseded', 1000n],
      [2, 'proposed', 6000n],
    ]);
    expect(proposals[1].reason).toMatch(/inferences that arrived after version 1/);
    // Both parked runs woken after the new window: the epoch is paid once, with the late inference.
    clock('2026-11-27T23:30:00Z');
    const a = await run('sameday-window', 'run-a', morning, { challengeWindow: '12h' });
    const b = await run('sameday-window', 'run-b', later, { challengeWindow: '12h' });
    expect([(a.outputs.statement.json as any).newlySettled, (b.outputs.statement.json as any).newlySettled]).toEqual([true, false]);
    expect(await credited(t.db, 'sameday-window')).toBe(splitFees(6000n, split).contributors);
  });

  it('a step whose datanet is a definition file is keyed by the definition id, so its revocations are excluded', async () => {
    vi.useRealTimers();
    const rows: [string, bigint, string][] = [
      ['y1', 1000n, '2026-11-29T08:00:00Z'],
      ['y2', 2000n, '2026-11-29T09:00:00Z'],
    ];
    await openRegistry(t.db, engine);
    await recordContributions(
      t.db,
      rows.flatMap(([id]) =>
        ['a', 'b'].map((x, i) => ({
          id: `${id}-${x}`,
          datanet: 'medical-qa',
          contributor: address(i + 1),
          submissionId: 'sub',
          sourceFile: 'f.jsonl',
          recordIndex: 0,
          licence: 'CC-BY-4.0',
          consent: 'train',
          submittedAt: 1_700_000_000_000,
          validatorVersion: 'test',
        })),
      ),
    );
    await revokeContribution(t.db, { datanet: 'medical-qa', id: 'y1-b', reason: 'upheld dispute' });
    await run(MEDICAL_QA_YAML, 'run-yaml', rows, { epoch: '2026-11-29', challengeWindow: 0 });
    const [p] = await listProposals(t.db, 'medical-qa', '2026-11-29@UTC');
    expect(p?.excluded).toEqual(['y1-b']);
    expect(await loadSettlement(t.db, 'medical-qa', '2026-11-29@UTC')).toBeDefined();
    expect(await loadEpochInputs(t.db, MEDICAL_QA_YAML, '2026-11-29@UTC')).toBeUndefined();
  });
});
