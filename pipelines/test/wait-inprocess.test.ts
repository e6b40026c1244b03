import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, FIXTURE_PLUGIN, freshPostgresUrl, tempDir } from './helpers.js';

const WAIT_PLUGIN = resolve(import.meta.dirname, 'fixtures/wait-operators.ts');
const exec = promisify(execFile);

/** a -> review (waits) -> after; `hold` beside them keeps the process busy until released. */
function waitingPipeline(dir: string, review: string, extra = ''): string {
  const file = join(dir, 'review.yaml');
  writeFileSync(
    file,
    `apiVersion: datanet/v1\nkind: Pipeline\nmetadata:\n  name: review\nplugins: [${FIXTURE_PLUGIN}, ${WAIT_PLUGIN}]\nsteps:\n  a:\n    uses: test.emit\n  review:\n    uses: test.review\n    needs: [a]\n    with: ${review}\n  after:\n    uses: test.upper\n    needs: [a, review]\n    inputs: { table: a.table }\n${extra}`,
  );
  return file;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 90_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

let pool: pg.Pool | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await pool?.end();
  pool = undefined;
});

async function setup() {
  const url = await freshPostgresUrl();
  const dir = tempDir();
  pool = new pg.Pool({ connectionString: url, max: 2 });
  const q = async <T = any>(text: string, values: unknown[] = []) => (await pool!.query(text, values)).rows as T[];
  const cli = (args: string[]) =>
    exec('node', [BIN, '--database-url', url, '--state-dir', join(dir, 'state'), ...args], { maxBuffer: 1 << 26 }).catch(
      (e) => e as { stdout: string; stderr: string; code: number },
    );
  return { url, dir, q, cli };
}

describe('steps that wait, in-process (real processes, PostgreSQL store)', () => {
  it('the run ends waiting and its process exits; runs/show say waiting; a signal continues it from the checkpoint', async () => {
    const { dir, q, cli } = await setup();
    const log = join(dir, 'review.log');
    const file = waitingPipeline(dir, `{ log: ${log}, signal: "decision:r1" }`);
    const first = await cli(['--json', 'run', file, '-q']);
    // Exit 0 with the run waiting: nothing of it is left running (no process, so no CPU).
    expect((first as { code?: number }).code ?? 0, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.status).toBe('waiting');
    expect(summary.steps.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([
      ['a', 'succeeded'],
      ['review', 'waiting'],
      ['after', 'pending'],
    ]);
    expect(first.stderr).toMatch(/is waiting: step "review" waits for signal "decision:r1"/);
    const runs = JSON.parse((await cli(['--json', 'runs'])).stdout);
    expect(runs[0]).toMatchObject({ id: summary.runId, status: 'waiting' });
    const shown = JSON.parse((await cli(['--json', 'show', summary.runId])).stdout);
    expect(shown.run.status).toBe('waiting');
    expect(shown.steps.find((s: { step_id: string }) => s.step_id === 'review')).toMatchObject({
      status: 'waiting',
      reason: 'waiting for signal "decision:r1"',
    });
    const waits = JSON.parse((await cli(['--json', 'waits'])).stdout);
    expect(waits).toMatchObject([
      { runId: summary.runId, stepId: 'review', status: 'waiting', checkpoint: { prepared: 42 }, waitingFor: 'signal "decision:r1"' },
    ]);

    // A resume before the condition holds leaves it parked without starting the operator again.
    const early = JSON.parse((await cli(['--json', 'resume', summary.runId, '-q'])).stdout);
    expect(early.status).toBe('waiting');
    expect(lines(log)).toEqual(['prepare review']);

    const signalled = await cli(['--json', 'signal', 'decision:r1', '--payload', '"approve"', '--by', 'reviewer-1']);
    expect(JSON.parse(signalled.stdout)).toMatchObject({
      signal: 'decision:r1',
      continued: [{ runId: summary.runId, status: 'succeeded' }],
    });
    // Continued from the checkpoint: the first phase ran once.
    expect(lines(log)).toEqual(['prepare review', 'continue review from checkpoint 42', 'finish review condition "approve"']);
    const steps = await q<{ step_id: string; status: string }>(`select step_id, status from steps where run_id = $1 order by step_id`, [
      summary.runId,
    ]);
    expect(steps.map((s) => [s.step_id, s.status])).toEqual([
      ['a', 'succeeded'],
      ['after', 'succeeded'],
      ['review', 'succeeded'],
    ]);
    const attempts = await q<{ attempt: number; status: string }>(
      `select attempt, status from attempts where run_id = $1 and step_id = 'review' order by attempt`,
      [summary.runId],
    );
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'waiting'],
      [2, 'succeeded'],
    ]);
    // Waking again is not an error.
    const again = await cli(['--json', 'wake', summary.runId]);
    expect(JSON.parse(again.stdout)).toMatchObject({ runId: summary.runId, status: 'succeeded', woken: [] });
  }, 180_000);

  it('SIGKILL of the run process while a step is parked: the wait survives, and resume completes the run from the checkpoint', async () => {
    const { dir, q, cli, url } = await setup();
    const log = join(dir, 'review.log');
    const release = join(dir, 'release');
    const marker = join(dir, 'hold.pid');
    const file = waitingPipeline(
      dir,
      `{ log: ${log}, signal: "decision:r2" }`,
      `  hold:\n    uses: test.hold\n    cache: false\n    with: { release: ${release}, marker: ${marker} }\n`,
    );
    const child = spawn('node', [BIN, '--database-url', url, '--state-dir', join(dir, 'state'), 'run', file, '-q'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const exited = new Promise((r) => child.once('exit', r));
    await waitFor(
      'the review step to park while hold runs',
      async () =>
        existsSync(marker) && (await q(`select 1 from steps where step_id = 'review' and status = 'waiting'`).catch(() => [])).length === 1,
    );
    child.kill('SIGKILL');
    await exited;
    const [run] = await q<{ id: string; status: string }>(`select id, status from runs`);
    expect(run.status).toBe('running'); // killed: nobody recorded its end
    const [wait] = await q<{ status: string; checkpoint: unknown }>(`select status, checkpoint from step_waits where run_id = $1`, [
      run.id,
    ]);
    expect(wait).toEqual({ status: 'waiting', checkpoint: { prepared: 42 } });

    writeFileSync(release, '');
    // Recorded only: the run is not 'waiting' (its process died running), so nothing continues it yet.
    const signalled = JSON.parse((await cli(['--json', 'signal', 'decision:r2', '--payload', '"reject"'])).stdout);
    expect(signalled.continued).toEqual([]);
    const resumed = await cli(['--json', 'resume', run.id, '-q']);
    expect(JSON.parse(resumed.stdout).status, resumed.stderr).toBe('succeeded');
    expect(lines(log)).toEqual(['prepare review', 'continue review from checkpoint 42', 'finish review condition "reject"']);
  }, 180_000);

  it('a time condition is woken by `datanet schedule`; a deadline with onDeadline: default takes the default', async () => {
    const { dir, q, cli, url } = await setup();
    const log = join(dir, 'review.log');
    const timed = waitingPipeline(dir, `{ log: ${log}, until: "2s" }`);
    const first = JSON.parse((await cli(['--json', 'run', timed, '-q'])).stdout);
    expect(first.status).toBe('waiting');
    const [w] = await q<{ wake_at: string }>(`select wake_at::text from step_waits where run_id = $1`, [first.runId]);
    expect(Number(w.wake_at)).toBeGreaterThan(Date.now() - 60_000);
    const scheduler = spawn('node', [BIN, '--database-url', url, '--state-dir', join(dir, 'sched'), 'schedule', timed], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(scheduler);
    let out = '';
    scheduler.stderr!.on('data', (d) => (out += d));
    await waitFor(
      'the scheduler to continue the run',
      async () => (await q(`select 1 from runs where id = $1 and status = 'succeeded'`, [first.runId])).length === 1,
    );
    expect(out).toMatch(/step review \(time .*\) can continue/);
    expect(lines(log)).toEqual(['prepare review', 'continue review from checkpoint 42', 'finish review condition null']);

    const log2 = join(dir, 'deadline.log');
    const deadline = waitingPipeline(dir, `{ log: ${log2}, signal: "never", deadline: "1s", onDeadline: default, default: "auto-accept" }`);
    const second = JSON.parse((await cli(['--json', 'run', deadline, '-q'])).stdout);
    expect(second.status).toBe('waiting');
    await waitFor(
      'the deadline to pass and the scheduler to continue the run',
      async () => (await q(`select 1 from runs where id = $1 and status = 'succeeded'`, [second.runId])).length === 1,
    );
    expect(lines(log2)).toEqual(['prepare review', 'continue review from checkpoint 42', 'finish review deadline "auto-accept"']);
    await new Promise((r) => (scheduler.once('exit', r), scheduler.kill('SIGTERM')));
  }, 180_000);
});
