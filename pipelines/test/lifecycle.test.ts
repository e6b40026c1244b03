// The step lifecycle's contracts, in-process (the distributed side is distributed-lifecycle.test.ts):
// NonRetryableError ends a step at its first attempt whatever `retries:` says; one cache key for plan
// and run (a field left out and written at its default key alike; an unconnected optional input port
// keys alike in plan and run); and every step and run status the in-process executor writes, seen by
// a trigger on the store's tables (so no transition is missed by polling).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePipeline } from '../src/spec/compile-pipeline.js';
import { runPipeline, type RunOptions } from '../src/exec/in-process-executor.js';
import type { Engine } from '../src/exec/engine.js';
import { planPipeline } from '../src/plan/plan-pipeline.js';
import { DB_ENGINES } from '../src/testing/index.js';
import { NonRetryableError, isRetryable, DatanetError } from '../src/exec/errors.js';
import { ConfigError } from '../src/spec/operator-config.js';
import { ValidationError } from '../src/spec/diagnostic.js';
import { OutputContractError } from '../src/exec/execute-task.js';
import { openTestEngine, tempDir, writePipeline } from './helpers.js';

async function compile(file: string) {
  const { graph, diagnostics } = await compilePipeline(file);
  if (!graph) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return graph;
}

async function runFile(engine: Engine, file: string, options: RunOptions = {}) {
  return runPipeline(engine, await compile(file), { concurrency: 4, ...options });
}

/** Steps the plan says would run, and steps a run then executes (not served from the cache). */
async function planThenRun(engine: Engine, file: string) {
  const graph = await compile(file);
  const plan = await planPipeline(graph, engine.store, { stateDir: engine.stateDir });
  const planned = plan.steps
    .filter((s) => s.willRun)
    .map((s) => s.id)
    .sort();
  const summary = await runPipeline(engine, graph, { concurrency: 4 });
  const ran = summary.steps
    .filter((s) => !s.cached)
    .map((s) => s.id)
    .sort();
  return { planned, ran, plan, summary };
}

describe('error contracts', () => {
  it('ConfigError, ValidationError and OutputContractError are NonRetryableErrors; retry decisions go by instanceof', () => {
    for (const e of [new ConfigError('x.y', []), new ValidationError([]), new OutputContractError('bad output')]) {
      expect(e).toBeInstanceOf(NonRetryableError);
      expect(e).toBeInstanceOf(DatanetError);
      expect(isRetryable(e)).toBe(false);
    }
    // A name is not a contract: an error merely called ConfigError is retried, a renamed subclass is not.
    expect(isRetryable(Object.assign(new Error('x'), { name: 'ConfigError' }))).toBe(true);
    class Refused extends NonRetryableError {
      override name = 'SomethingElse';
    }
    expect(isRetryable(new Refused('no'))).toBe(false);
    expect(isRetryable(new Error('flaky network'))).toBe(true);
  });
});

describe.each(DB_ENGINES)('step lifecycle, in-process, on %s', (kind) => {
  let engine: Engine;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    engine = await openTestEngine(kind, join(dir, 'state'));
  });
  afterAll(async () => engine.close());

  it('an operator throwing NonRetryableError under retries: 3 fails on its first attempt; the downstream is skipped', async () => {
    const counter = join(dir, `fatal-${Date.now()}`);
    const file = writePipeline(
      dir,
      `steps:\n  f:\n    uses: test.fatal\n    with: { counterFile: ${counter} }\n    retries: { limit: 3, backoff: { initial: 10ms } }\n  g:\n    uses: test.sleep\n    needs: [f]\n    with: { ms: 1 }\n`,
      'fatal.yaml',
    );
    const summary = await runFile(engine, file);
    expect(summary.status).toBe('failed');
    expect(readFileSync(counter, 'utf8')).toBe('1');
    expect(Object.fromEntries(summary.steps.map((s) => [s.id, [s.status, s.attempts]]))).toEqual({ f: ['failed', 1], g: ['skipped', 0] });
    expect(summary.error).toBe('step "f" failed: refused for good (attempt 1)');
    const attempts = await engine.store.getAttempts(summary.runId);
    expect(attempts.map((a) => [a.step_id, a.attempt, a.status])).toEqual([['f', 1, 'failed']]);
  });

  it('a config field left out and the same field written at its default give one cache key', async () => {
    const log = join(dir, `defaults-${Date.now()}.log`);
    const omitted = writePipeline(dir, `steps:\n  a:\n    uses: test.emit\n    with: { rows: 2, log: ${log} }\n`, 'omitted.yaml');
    const explicit = writePipeline(
      dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 2, tag: x, groups: 1, log: ${log} }\n`,
      'explicit.yaml',
    );
    const first = await runFile(engine, omitted);
    expect(first.steps[0].cached).toBe(false);
    const plan = await planPipeline(await compile(explicit), engine.store, { stateDir: engine.stateDir });
    expect(plan.steps[0]).toMatchObject({ willRun: false, reason: 'cached: a stored result has this key' });
    const second = await runFile(engine, explicit);
    expect(second.steps[0].cached).toBe(true);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['a']);
    // A value other than the default is another key.
    const changed = writePipeline(dir, `steps:\n  a:\n    uses: test.emit\n    with: { rows: 2, tag: y, log: ${log} }\n`, 'changed.yaml');
    expect((await runFile(engine, changed)).steps[0].cached).toBe(false);
  });

  it('after two identical runs, plan lists as "run" exactly the steps a third run executes (unconnected optional port, foreach, cache: false)', async () => {
    const log = join(dir, `agree-${Date.now()}.log`);
    // s has an optional input port left unconnected: plan once keyed it without the port, run with it.
    const file = writePipeline(
      dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 4, groups: 2, log: ${log} }\n  s:\n    uses: test.sleep\n    with: { ms: 1, log: ${log} }\n  u:\n    uses: test.upper\n    needs: [a]\n    foreach: { input: table, by: grp }\n    with: { log: ${log} }\n  v:\n    uses: test.upper\n    needs: [u.table]\n    cache: false\n    with: { log: ${log} }\n  r:\n    uses: test.report\n    needs: [v.table]\n`,
      'agree.yaml',
    );
    await runFile(engine, file);
    await runFile(engine, file);
    const third = await planThenRun(engine, file);
    expect(third.summary.status).toBe('succeeded');
    expect(third.planned).toEqual(third.ran);
    expect(third.ran).toEqual(['v']);
    // r is keyed on v's output: v never comes from the cache, so plan takes v's last result under the same key.
    expect(third.plan.steps.find((s) => s.id === 'v')).toMatchObject({ willRun: true });
    expect(third.plan.steps.find((s) => s.id === 'r')).toMatchObject({ willRun: false });
  });

  it('every status the in-process executor writes, for steps and runs', async () => {
    const seen = await recordStatuses(engine);
    const counter = join(dir, `walk-${Date.now()}`);
    // succeeded, skipped (downstream of a failure), failed, pending (before it starts), running.
    const failing = writePipeline(
      dir,
      `steps:\n  ok:\n    uses: test.emit\n    with: { rows: 1 }\n  bad:\n    uses: test.fatal\n    needs: [ok]\n    with: { counterFile: ${counter} }\n  after:\n    uses: test.sleep\n    needs: [bad]\n    with: { ms: 1 }\n`,
      'walk-fail.yaml',
    );
    expect((await runFile(engine, failing)).status).toBe('failed');
    const fine = writePipeline(dir, `steps:\n  one:\n    uses: test.emit\n    with: { rows: 1, tag: walk }\n`, 'walk-ok.yaml');
    expect((await runFile(engine, fine)).status).toBe('succeeded');
    // cancelled: the run is cancelled while a step runs (once that step's start is in the store).
    const marker = join(dir, `walk-${Date.now()}.pid`);
    const slow = writePipeline(
      dir,
      `steps:\n  long:\n    uses: test.sleep\n    with: { ms: 60000, marker: ${marker} }\n  later:\n    uses: test.sleep\n    needs: [long]\n    with: { ms: 1 }\n`,
      'walk-cancel.yaml',
    );
    const ac = new AbortController();
    const running = runFile(engine, slow, { signal: ac.signal, noCache: true });
    await waitUntil(async () => existsSync(marker) && (await seen()).steps.has('running'));
    ac.abort();
    expect((await running).status).toBe('cancelled');
    const { steps, runs } = await seen();
    // 'queued' is written by the distributed executor only, 'waiting' by parked steps (wait tests).
    expect([...steps].sort()).toEqual(['cancelled', 'failed', 'pending', 'running', 'skipped', 'succeeded']);
    expect([...runs].sort()).toEqual(['cancelled', 'failed', 'running', 'succeeded']);
  });
});

/** Installs triggers that log every status written to steps and runs; returns a reader of what was logged. */
async function recordStatuses(engine: Engine): Promise<() => Promise<{ steps: Set<string>; runs: Set<string> }>> {
  const db = engine.database.db;
  await sql`create table if not exists status_log (tbl text not null, status text not null, phase text)`.execute(db);
  await sql`delete from status_log`.execute(db);
  await sql`create or replace function log_step_status() returns trigger language plpgsql as $$ begin insert into status_log values ('steps', new.status, null); return new; end $$`.execute(
    db,
  );
  await sql`create or replace function log_run_status() returns trigger language plpgsql as $$ begin insert into status_log values ('runs', new.status, null); return new; end $$`.execute(
    db,
  );
  await sql`drop trigger if exists steps_status_log on steps`.execute(db);
  await sql`drop trigger if exists runs_status_log on runs`.execute(db);
  await sql`create trigger steps_status_log after insert or update on steps for each row execute function log_step_status()`.execute(db);
  await sql`create trigger runs_status_log after insert or update on runs for each row execute function log_run_status()`.execute(db);
  return async () => {
    await engine.store.drain();
    const rows = (await sql<{ tbl: string; status: string }>`select distinct tbl, status from status_log`.execute(db)).rows;
    return {
      steps: new Set(rows.filter((r) => r.tbl === 'steps').map((r) => r.status)),
      runs: new Set(rows.filter((r) => r.tbl === 'runs').map((r) => r.status)),
    };
  };
}

async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}
