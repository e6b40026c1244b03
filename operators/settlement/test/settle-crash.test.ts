import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTestDb, TEST_DATABASE_URL } from '@datanet/pipelines/testing';
import { describe, expect, it } from 'vitest';
import { checkLedger, epochOfDate, loadPayouts, loadSettlement, planSettlement, settleEpoch } from '../src/index.js';
import { crashEpochs, crashInputs, CRASH_SPLIT, CRASH_WEIGHT } from './crash/crash-inputs.js';
import { rng } from './fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = 20;

interface ChildRun {
  /** ms from "ready" to exit */
  elapsed: number;
  killed: boolean;
  settledBeforeKill: number;
}

/** Runs the child settler; kills it with SIGKILL `killAfter` ms after it is ready (never, if undefined). */
function runChild(schema: string, killAfter?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'crash', 'settle-child.ts')], {
      env: { ...process.env, SCHEMA: schema, DATABASE_URL: TEST_DATABASE_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let readyAt = 0;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d) => {
      out += d;
      if (!readyAt && out.includes('ready\n')) {
        readyAt = Date.now();
        if (killAfter !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfter);
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal !== 'SIGKILL') return reject(new Error(`settle child exited ${code}: ${err}`));
      resolve({ elapsed: Date.now() - readyAt, killed: signal === 'SIGKILL', settledBeforeKill: out.split('settled ').length - 1 });
    });
  });
}

describe('settlement killed with SIGKILL at random points, then resumed (PostgreSQL, real child processes)', () => {
  it(`pays each contributor exactly once per epoch and keeps the ledger balanced over ${RUNS} runs`, async () => {
    const expected = new Map(
      crashEpochs().map((date) => {
        const plan = planSettlement({
          datanet: 'crash',
          epoch: epochOfDate(date, 'UTC'),
          split: CRASH_SPLIT,
          standingWeight: CRASH_WEIGHT,
          ...crashInputs(date),
        });
        return [date, plan];
      }),
    );
    // One uninterrupted run tells how long a whole settlement takes, so kills land all along it.
    const ref = await openTestDb('postgres');
    const full = await runChild(ref.schema!);
    await ref.close();
    expect(full.killed).toBe(false);
    const random = rng(4242);
    const delays = Array.from({ length: RUNS }, () => Math.floor(random() * full.elapsed));
    let killedMidway = 0;
    const oneRun = async (delay: number) => {
      const t = await openTestDb('postgres');
      try {
        const child = await runChild(t.schema!, delay);
        if (child.killed) killedMidway++;
        // Resume in this process: whatever the child committed stands, the rest is settled now.
        for (const date of crashEpochs()) {
          const epoch = epochOfDate(date, 'UTC');
          await settleEpoch(t.db, {
            datanet: 'crash',
            epoch,
            split: CRASH_SPLIT,
            standingWeight: CRASH_WEIGHT,
            load: async () => crashInputs(date),
          });
          const plan = expected.get(date)!;
          const stored = await loadSettlement(t.db, 'crash', epoch.id);
          expect(stored?.paid).toBe(plan.split.contributors);
          const payouts = await loadPayouts(t.db, 'crash', epoch.id);
          expect(payouts.map((p) => [p.account, p.amount])).toEqual(plan.payouts.map((p) => [p.account, p.amount]));
          const ledger = await checkLedger(t.db, 'crash', epoch.id);
          expect(ledger.unbalanced).toEqual([]);
          expect(ledger.total).toBe(0n);
          expect(ledger.poolBalance).toBe(0n);
          expect(ledger.credited.size).toBe(plan.payouts.length);
          for (const p of plan.payouts) expect(ledger.credited.get(p.account)).toBe(p.amount);
        }
      } finally {
        await t.close();
      }
    };
    // Three runs at a time: each child spends most of its life starting up.
    for (let i = 0; i < RUNS; i += 3) await Promise.all(delays.slice(i, i + 3).map(oneRun));
    // The kills must really have interrupted work, not only landed after the child finished.
    expect(killedMidway).toBeGreaterThanOrEqual(RUNS / 2);
  }, 240_000);
});
