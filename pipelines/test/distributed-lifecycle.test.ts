// The step lifecycle under the distributed executor, with real worker processes (PostgreSQL + Redis):
// NonRetryableError ends a step at its first attempt whatever `retries:` says, and every step status,
// foreach phase and run status the distributed executor writes, logged by triggers on the store's
// tables (no polling can miss a transition). Waits are for states, never for time.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './distributed-cluster.js';
import { writePipeline } from './helpers.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(50);
}

function exitOf(child: import('node:child_process').ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

async function logStatuses(c: Cluster): Promise<void> {
  await c.query(`create table status_log (tbl text not null, status text not null, phase text)`);
  await c.query(
    `create function log_step_status() returns trigger language plpgsql as $$ begin insert into status_log values ('steps', new.status, new.phase); return new; end $$`,
  );
  await c.query(
    `create function log_run_status() returns trigger language plpgsql as $$ begin insert into status_log values ('runs', new.status, null); return new; end $$`,
  );
  await c.query(`create trigger steps_status_log after insert or update on steps for each row execute function log_step_status()`);
  await c.query(`create trigger runs_status_log after insert or update on runs for each row execute function log_run_status()`);
}

describe('step lifecycle, distributed, with real worker processes', () => {
  it('NonRetryableError under retries: 3 fails at attempt 1; every step status, foreach phase and run status is written', async () => {
    cluster = await startCluster();
    await cluster.startWorker(['--pool', 'cpu', '-c', '2']);
    await logStatuses(cluster); // the worker has migrated the store by now
    const run = async (file: string) => {
      const { code, stdout, stderr } = await exitOf(cluster!.spawnCli(['--json', 'run', file, '--profile', cluster!.profile, '-q']));
      return { code, stderr, summary: JSON.parse(stdout) };
    };

    // succeeded, with a foreach step (fanout, then gather).
    const ok = writePipeline(
      cluster.dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 4, groups: 2 }\n  u:\n    uses: test.upper\n    needs: [a]\n    foreach: { input: table, by: grp }\n  v:\n    uses: test.upper\n    needs: [u.table]\n`,
      'ok.yaml',
    );
    const first = await run(ok);
    expect(first.code, first.stderr).toBe(0);
    expect(first.summary.status).toBe('succeeded');

    // A NonRetryableError: one attempt although retries allow three more; the downstream is skipped.
    const counter = join(cluster.dir, 'fatal.count');
    const fatal = writePipeline(
      cluster.dir,
      `steps:\n  f:\n    uses: test.fatal\n    with: { counterFile: ${counter} }\n    retries: { limit: 3, backoff: { initial: 10ms } }\n  g:\n    uses: test.sleep\n    needs: [f]\n    with: { ms: 1 }\n`,
      'fatal.yaml',
    );
    const second = await run(fatal);
    expect(second.code).toBe(1);
    expect(second.summary.status).toBe('failed');
    expect(
      Object.fromEntries(second.summary.steps.map((s: { id: string; status: string; attempts: number }) => [s.id, [s.status, s.attempts]])),
    ).toEqual({ f: ['failed', 1], g: ['skipped', 0] });
    expect(readFileSync(counter, 'utf8')).toBe('1');
    const attempts = await cluster.query<{ step_id: string; attempt: number; status: string; error: string }>(
      `select step_id, attempt, status, error from attempts where run_id = $1`,
      [second.summary.runId],
    );
    expect(attempts.map((a) => [a.step_id, a.attempt, a.status, a.error])).toEqual([['f', 1, 'failed', 'refused for good (attempt 1)']]);

    // cancelled: `datanet cancel` while a step runs.
    const marker = join(cluster.dir, 'long.pid');
    const long = writePipeline(
      cluster.dir,
      `steps:\n  long:\n    uses: test.sleep\n    with: { ms: 600000, marker: ${marker} }\n  after:\n    uses: test.sleep\n    needs: [long]\n    with: { ms: 1 }\n`,
      'long.yaml',
    );
    const third = exitOf(cluster.spawnCli(['--json', 'run', long, '--profile', cluster.profile, '-q']));
    await until(() => existsSync(marker));
    const [running] = await cluster.query<{ id: string }>(`select id from runs where status = 'running'`);
    await cluster.cli(['--database-url', cluster.databaseUrl, 'cancel', running.id]);
    const ended = await third;
    expect(JSON.parse(ended.stdout).status).toBe('cancelled');
    await until(
      async () =>
        (await cluster!.query(`select 1 from steps where run_id = $1 and step_id = 'long' and status = 'cancelled'`, [running.id]))
          .length === 1,
    );

    const log = await cluster.query<{ tbl: string; status: string; phase: string | null }>(
      `select distinct tbl, status, phase from status_log`,
    );
    const steps = [...new Set(log.filter((r) => r.tbl === 'steps').map((r) => r.status))].sort();
    const phases = [...new Set(log.filter((r) => r.tbl === 'steps' && r.phase).map((r) => r.phase))].sort();
    const runs = [...new Set(log.filter((r) => r.tbl === 'runs').map((r) => r.status))].sort();
    // 'waiting' is written by parked steps (the wait tests).
    expect(steps).toEqual(['cancelled', 'failed', 'pending', 'queued', 'running', 'skipped', 'succeeded']);
    expect(phases).toEqual(['fanout', 'gather']);
    expect(runs).toEqual(['cancelled', 'failed', 'running', 'succeeded']);
  }, 600_000);
});
