import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePipeline } from '../src/spec/compile-pipeline.js';
import { runPipeline, type RunOptions } from '../src/exec/in-process-executor.js';
import type { Engine } from '../src/exec/engine.js';
import { readParquetFile } from '../src/artifact/table-io.js';
import { DB_ENGINES } from '../src/testing/index.js';
import { openTestEngine, tempDir, writePipeline } from './helpers.js';

async function runFile(engine: Engine, file: string, options: RunOptions = {}) {
  const { graph, diagnostics } = await compilePipeline(file, { params: options.paramOverrides });
  if (!graph) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return runPipeline(engine, graph, { concurrency: 4, ...options });
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

describe.each(DB_ENGINES)('in-process executor on %s', (kind) => {
  let engine: Engine;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    engine = await openTestEngine(kind, join(dir, 'state'));
  });
  afterAll(async () => engine.close());

  it('runs a DAG; a second run executes nothing and reports every step cached', async () => {
    const log = join(dir, 'cache.log');
    const file = writePipeline(
      dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 4, log: ${log} }\n  b:\n    uses: test.upper\n    needs: [a]\n    with: { log: ${log} }\n  c:\n    uses: test.upper\n    needs: [b]\n    with: { log: ${log} }\n`,
      'cache.yaml',
    );
    const first = await runFile(engine, file);
    expect(first.status).toBe('succeeded');
    expect(first.steps.map((s) => [s.id, s.cached, s.attempts])).toEqual([
      ['a', false, 1],
      ['b', false, 1],
      ['c', false, 1],
    ]);
    expect(lines(log)).toEqual(['a', 'b', 'c']);
    const c = await readParquetFile(first.steps.find((s) => s.id === 'c')!.outputs.table.path);
    expect(c.getChild('text')!.toArray()).toEqual(['X R0', 'X R1', 'X R2', 'X R3']);

    const second = await runFile(engine, file);
    expect(second.status).toBe('succeeded');
    expect(second.steps.every((s) => s.cached)).toBe(true);
    expect(lines(log)).toEqual(['a', 'b', 'c']);
    expect(second.steps.map((s) => s.outputs.table.digest)).toEqual(first.steps.map((s) => s.outputs.table.digest));
  });

  it('changing one step re-runs exactly that step and its downstream', async () => {
    const log = join(dir, 'change.log');
    const body = (suffix: string) =>
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 2, log: ${log} }\n  side:\n    uses: test.upper\n    needs: [a]\n    with: { log: ${log} }\n  b:\n    uses: test.upper\n    needs: [a]\n    with: { log: ${log}, suffix: "${suffix}" }\n  c:\n    uses: test.upper\n    needs: [b]\n    with: { log: ${log} }\n`;
    await runFile(engine, writePipeline(dir, body('!'), 'change.yaml'));
    expect(lines(log).sort()).toEqual(['a', 'b', 'c', 'side']);
    const again = await runFile(engine, writePipeline(dir, body('?'), 'change.yaml'));
    expect(lines(log).slice(4)).toEqual(['b', 'c']);
    expect(Object.fromEntries(again.steps.map((s) => [s.id, s.cached]))).toEqual({ a: true, side: true, b: false, c: false });
  });

  it('--from and --no-cache force re-execution', async () => {
    const log = join(dir, 'from.log');
    const file = writePipeline(
      dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { log: ${log} }\n  b:\n    uses: test.upper\n    needs: [a]\n    with: { log: ${log} }\n`,
      'from.yaml',
    );
    await runFile(engine, file);
    await runFile(engine, file, { from: ['b'] });
    expect(lines(log)).toEqual(['a', 'b', 'b']);
    await runFile(engine, file, { noCache: true });
    expect(lines(log)).toEqual(['a', 'b', 'b', 'a', 'b']);
  });

  it('retries a step that fails twice and records 3 attempts', async () => {
    const counter = join(dir, `flaky-${Date.now()}`);
    const file = writePipeline(
      dir,
      `steps:\n  f:\n    uses: test.flaky\n    with: { failTimes: 2, counterFile: ${counter} }\n    retries: { limit: 3, backoff: { initial: 10ms, factor: 2 } }\n`,
      'flaky.yaml',
    );
    const summary = await runFile(engine, file);
    expect(summary.status).toBe('succeeded');
    expect(summary.steps[0].attempts).toBe(3);
    const attempts = await engine.store.getAttempts(summary.runId);
    expect(attempts.map((a) => a.status)).toEqual(['failed', 'failed', 'succeeded']);
    expect(attempts[0].error).toBe('planned failure 1 of 2');
  });

  it('fails the run when retries are exhausted, and skips the downstream', async () => {
    const counter = join(dir, `flaky2-${Date.now()}`);
    const file = writePipeline(
      dir,
      `steps:\n  f:\n    uses: test.flaky\n    with: { failTimes: 5, counterFile: ${counter} }\n    retries: { limit: 1, backoff: { initial: 5ms } }\n  g:\n    uses: test.sleep\n    needs: [f]\n    with: { ms: 1 }\n`,
      'flaky2.yaml',
    );
    const summary = await runFile(engine, file);
    expect(summary.status).toBe('failed');
    expect(summary.error).toBe('step "f" failed: planned failure 2 of 5');
    expect(Object.fromEntries(summary.steps.map((s) => [s.id, s.status]))).toEqual({ f: 'failed', g: 'skipped' });
  });

  it('aborts a step past its timeout and fails the run naming the step and the timeout', async () => {
    const file = writePipeline(dir, `steps:\n  slow:\n    uses: test.sleep\n    with: { ms: 20000 }\n    timeout: 300ms\n`, 'timeout.yaml');
    const t0 = Date.now();
    const summary = await runFile(engine, file);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(summary.status).toBe('failed');
    expect(summary.error).toBe('step "slow" failed: step "slow" timed out after 300ms (timeout: 300ms) and was aborted');
  });

  it('a cancelled step whose operator ignores its signal ends once the operator has returned (within the grace period)', async () => {
    const log = join(dir, `stubborn-${Date.now()}.log`);
    const file = writePipeline(dir, `steps:\n  stuck:\n    uses: test.stubborn\n    with: { ms: 1500, log: ${log} }\n`, 'stubborn.yaml');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const summary = await runFile(engine, file, { signal: ac.signal });
    // The run says cancelled only once the operator's work is over.
    expect(lines(log)).toEqual(['returned']);
    expect(summary.status).toBe('cancelled');
    await engine.store.flushEvents();
    expect((await engine.store.getEvents(summary.runId)).map((e) => e.type)).not.toContain('step.still-running');
    expect((await engine.store.getSteps(summary.runId))[0]).toMatchObject({ status: 'cancelled', reason: 'run cancelled' });
  });

  it('a step past its timeout whose operator ignores its signal is recorded as still running, and when it returned', async () => {
    const log = join(dir, `stubborn-timeout-${Date.now()}.log`);
    const file = writePipeline(
      dir,
      `steps:\n  stuck:\n    uses: test.stubborn\n    with: { ms: 8000, log: ${log} }\n    timeout: 300ms\n`,
      'stubborn-timeout.yaml',
    );
    const t0 = Date.now();
    const summary = await runFile(engine, file);
    // Held for the grace period (5 s), not until the operator returns.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5000);
    expect(lines(log)).toEqual([]);
    expect(summary.status).toBe('failed');
    expect(summary.error).toBe(
      'step "stuck" failed: step "stuck" timed out after 300ms (timeout: 300ms) and was aborted; its operator ignored the abort and is still running',
    );
    await engine.store.flushEvents();
    const warned = (await engine.store.getEvents(summary.runId)).find((e) => e.type === 'step.still-running');
    expect(warned).toMatchObject({ step_id: 'stuck', level: 'warn' });
    expect(warned!.message).toMatch(/^step stuck attempt 1: its operator ignored the abort and was still running 5s later \(process \d+\)/);
    // When it returns, that is recorded too (its result is not used: the step stays failed).
    await expect.poll(() => lines(log), { timeout: 10_000 }).toEqual(['returned']);
    await expect
      .poll(async () => (await engine.store.getEvents(summary.runId)).find((e) => e.type === 'step.stopped')?.message, { timeout: 5000 })
      .toMatch(/^step stuck attempt 1: its operator returned \d+(\.\d)?s after the abort; its result was not used$/);
    expect((await engine.store.getSteps(summary.runId))[0].status).toBe('failed');
  }, 30_000);

  it('fans out with foreach by a column, gathers in partition order, and caches per partition', async () => {
    const log = join(dir, 'foreach.log');
    const body = (rows: number) =>
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: ${rows}, groups: 3 }\n  up:\n    uses: test.upper\n    needs: [a]\n    with: { log: ${log} }\n    foreach: { input: table, by: grp }\n`;
    const first = await runFile(engine, writePipeline(dir, body(6), 'fe.yaml'));
    expect(first.status).toBe('succeeded');
    const up = first.steps.find((s) => s.id === 'up')!;
    expect(up.partitions).toBe(3);
    const t = await readParquetFile(up.outputs.table.path);
    expect(t.getChild('id')!.toArray()).toEqual(['r0', 'r3', 'r1', 'r4', 'r2', 'r5']);
    expect(lines(log).sort()).toEqual(['up[g0]', 'up[g1]', 'up[g2]']);
    // 7 rows: only partition g0 changes (r6 joins it), the other two come from the cache.
    await runFile(engine, writePipeline(dir, body(7), 'fe.yaml'));
    expect(lines(log).slice(3)).toEqual(['up[g0]']);
  });

  it('records the attempt a retried foreach partition succeeded on, after its failed ones', async () => {
    const counters = tempDir('datanet-flaky-parts-');
    const file = writePipeline(
      dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 6, groups: 3, tag: parts }\n  p:\n    uses: test.flaky-partition\n    needs: [a]\n    foreach: { input: table, by: grp }\n    with: { failTimes: 2, partitions: [g1], counterDir: ${counters} }\n    retries: { limit: 3, backoff: { initial: 10ms } }\n`,
      'flaky-parts.yaml',
    );
    const summary = await runFile(engine, file);
    expect(summary.status).toBe('succeeded');
    const parts = (await engine.store.getSteps(summary.runId)).filter((s) => s.step_id === 'p' && s.partition);
    expect(parts.map((s) => [s.partition, s.status, s.attempts])).toEqual([
      ['g0', 'succeeded', 1],
      ['g1', 'succeeded', 3],
      ['g2', 'succeeded', 1],
    ]);
    const g1 = (await engine.store.getAttempts(summary.runId)).filter((a) => a.step_id === 'p' && a.partition === 'g1');
    expect(g1.map((a) => [a.attempt, a.status, a.error])).toEqual([
      [1, 'failed', 'planned failure 1 of 2 in g1'],
      [2, 'failed', 'planned failure 2 of 2 in g1'],
      [3, 'succeeded', null],
    ]);
  });

  it('resolves secrets at run time and never stores or logs their values', async () => {
    process.env.DATANET_SECRET_API_TOKEN = 'tok-very-secret-123';
    const file = writePipeline(
      dir,
      'steps:\n  s:\n    uses: test.secret-user\n    with: { token: "${{ secrets.API_TOKEN }}" }\n',
      'secret.yaml',
    );
    const summary = await runFile(engine, file);
    expect(summary.status).toBe('succeeded');
    const t = await readParquetFile(summary.steps[0].outputs.table.path);
    expect(Number(t.getChild('length')!.get(0))).toBe('tok-very-secret-123'.length);
    await engine.store.flushEvents();
    const events = await engine.store.getEvents(summary.runId);
    const dump =
      JSON.stringify(events) +
      JSON.stringify(await engine.store.getRun(summary.runId)) +
      JSON.stringify(await engine.store.getSteps(summary.runId));
    expect(dump).toContain('connecting with token ***');
    expect(dump).not.toContain('tok-very-secret-123');
  });

  it('substitutes parameters, with --param overrides', async () => {
    const file = writePipeline(
      dir,
      'parameters:\n  n: { type: number, default: 2 }\nsteps:\n  a:\n    uses: test.emit\n    with: { rows: "${{ params.n }}" }\n',
      'params.yaml',
    );
    const def = await runFile(engine, file);
    expect(def.steps[0].outputs.table.rows).toBe(2);
    const over = await runFile(engine, file, { paramOverrides: { n: '5' } });
    expect(over.steps[0].outputs.table.rows).toBe(5);
  });
});
