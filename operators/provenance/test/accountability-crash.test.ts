import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openTestDb, TEST_DATABASE_URL, type TestDb } from '@datanet/pipelines/testing';
import { listAudit, verifyAudit } from '@datanet/accountability';
import { DatanetChain, datanetIdOf } from '@datanet/connector-evm';
import { checkLedger, listProposals, loadPayouts } from '@datanet/settlement';
import { DATANET, EPOCH, PHASES, rng, type Phase } from './crash/accountability-scenario.js';

const here = dirname(fileURLToPath(import.meta.url));
const SCENARIOS = 5;
const KILLS_PER_SCENARIO = 5;

interface ChildRun {
  killed: boolean;
  /** The phase the child was in when it was killed (or 'done'). */
  phase: Phase | 'ready' | 'done';
  out: string;
}

/**
 * Runs the accountability child; when `kill` is given, SIGKILLs it `delayMs` after it prints
 * "phase <phase>" (if it gets there: an earlier phase may already be done, then it runs on).
 */
function runChild(schema: string, stateDir: string, kill?: { phase: Phase; delayMs: number }): Promise<ChildRun> {
  // A child killed inside the chain journal's lock leaves the lock behind; nobody else runs now.
  rmSync(join(stateDir, 'chain', 'embedded', 'journal.jsonl.lock'), { recursive: true, force: true });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'crash', 'accountability-child.ts')], {
      env: { ...process.env, SCHEMA: schema, DATABASE_URL: TEST_DATABASE_URL, STATE_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let phase: ChildRun['phase'] = 'ready';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d) => {
      out += d;
      const seen = [...out.matchAll(/phase (\w+)\n/g)].map((m) => m[1] as Phase);
      if (seen.length) phase = seen[seen.length - 1];
      if (out.includes('done\n')) phase = 'done';
      if (kill && !timer && seen.includes(kill.phase)) timer = setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal !== 'SIGKILL') return reject(new Error(`accountability child exited ${code}: ${err}`));
      resolve({ killed: signal === 'SIGKILL', phase, out });
    });
  });
}

interface Outcome {
  payouts: string[];
  proposals: string[];
  auditKinds: string[];
  revokedStanding: number;
}

async function outcome(t: TestDb, stateDir: string): Promise<Outcome> {
  const payouts = (await loadPayouts(t.db, DATANET, EPOCH.id)).map((p) => `${p.index} ${p.account} ${p.amount}`);
  const ledger = await checkLedger(t.db, DATANET, EPOCH.id);
  expect(ledger.unbalanced).toEqual([]);
  expect(ledger.total).toBe(0n);
  expect(ledger.poolBalance).toBe(0n);
  // Each payout credited exactly once.
  const credited = [...ledger.credited].map(([a, v]) => `${a} ${v}`).sort();
  expect(credited).toEqual((await loadPayouts(t.db, DATANET, EPOCH.id)).map((p) => `${p.account} ${p.amount}`).sort());
  const chain = await DatanetChain.open({ mode: 'embedded' }, stateDir);
  try {
    const id = datanetIdOf(DATANET);
    const events = await chain.registry.queryFilter(chain.registry.filters.EpochCommitted(id), 0, 'latest');
    expect(events.length, 'one on-chain commit per epoch').toBe(1);
    const audit = await verifyAudit(t.db, DATANET, async (n) => (await chain.readCommit(id, BigInt(n)))?.auditRoot);
    expect(audit.firstBad).toBeNull();
    expect(audit.heads.map((h) => [h.epoch, h.onChain === h.hash])).toEqual([[EPOCH.id, true]]);
  } finally {
    await chain.close();
  }
  const revoked = await sql<{
    n: number;
  }>`select count(*)::int as n from standing_history where datanet = ${DATANET} and event = 'revoked'`.execute(t.db);
  return {
    payouts,
    proposals: (await listProposals(t.db, DATANET, EPOCH.id)).map((p) => `${p.version} ${p.status} ${p.merkleRoot}`),
    auditKinds: (await listAudit(t.db, { datanet: DATANET })).map((e) => `${e.seq} ${e.kind} ${e.key}`),
    revokedStanding: revoked.rows[0].n,
  };
}

describe('accountability loop killed with SIGKILL at random points, then resumed (PostgreSQL, embedded chain, real processes)', () => {
  it(`${SCENARIOS * KILLS_PER_SCENARIO} kills across propose, dispute resolution, re-settlement, finalisation and commit: nothing paid twice`, async () => {
    // The reference: one run that is never killed.
    const ref = await openTestDb('postgres');
    const refDir = mkdtempSync(join(tmpdir(), 'acct-crash-ref-'));
    let expected: Outcome;
    try {
      expect((await runChild(ref.schema!, refDir)).phase).toBe('done');
      expected = await outcome(ref, refDir);
    } finally {
      await ref.close();
      rmSync(refDir, { recursive: true, force: true });
    }
    expect(expected.proposals.map((p) => p.split(' ').slice(0, 2).join(' '))).toEqual(['1 superseded', '2 final']);
    expect(expected.revokedStanding).toBe(1);

    const random = rng(1515);
    const killedIn = new Map<string, number>();
    let kills = 0;
    for (let s = 0; s < SCENARIOS; s++) {
      const t = await openTestDb('postgres');
      const stateDir = mkdtempSync(join(tmpdir(), 'acct-crash-'));
      try {
        let from = 0;
        for (let k = 0; k < KILLS_PER_SCENARIO; k++) {
          // Each run resumes the one killed before it; kill points move forward along the loop.
          const phase = PHASES[Math.min(PHASES.length - 1, from + Math.floor(random() * 2))];
          const run = await runChild(t.schema!, stateDir, { phase, delayMs: Math.floor(random() * 40) });
          if (run.killed) {
            kills++;
            killedIn.set(run.phase, (killedIn.get(run.phase) ?? 0) + 1);
          }
          from = Math.min(PHASES.length - 1, PHASES.indexOf(phase) + (k % 2));
        }
        const last = await runChild(t.schema!, stateDir);
        expect(last.phase).toBe('done');
        expect(await outcome(t, stateDir)).toEqual(expected);
      } finally {
        await t.close();
        if (existsSync(stateDir)) rmSync(stateDir, { recursive: true, force: true });
      }
    }
    console.log(`kills by phase: ${JSON.stringify(Object.fromEntries(killedIn))} (${kills} kills)`);
    expect(kills).toBeGreaterThanOrEqual(20);
    for (const phase of ['propose', 'dispute', 'resettle', 'finalise'] as const)
      expect(killedIn.get(phase) ?? 0, `kills in ${phase}`).toBeGreaterThan(0);
  }, 1_500_000);
});
