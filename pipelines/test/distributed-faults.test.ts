import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './distributed-cluster.js';
import { writePipeline } from './helpers.js';

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function exitOf(child: import('node:child_process').ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('distributed runs with real worker processes (PostgreSQL + Redis)', () => {
  it('a worker SIGKILLed in the middle of a step: the step is retried on the other worker and the run completes', async () => {
    cluster = await startCluster();
    const w1 = await cluster.startWorker(['--pool', 'cpu', '-c', '1'], 'w1');
    const w2 = await cluster.startWorker(['--pool', 'cpu', '-c', '1'], 'w2');
    const marker = join(cluster.dir, 'b.pid');
    const log = join(cluster.dir, 'steps.log');
    const file = writePipeline(
      cluster.dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 3, log: ${log} }\n  b:\n    uses: test.sleep\n    needs: [a]\n    with: { ms: 3000, marker: ${marker}, log: ${log} }\n  c:\n    uses: test.upper\n    needs: [a, b]\n    inputs: { table: a.table }\n    with: { log: ${log} }\n`,
    );
    const run = exitOf(cluster.spawnCli(['--json', 'run', file, '--profile', cluster.profile, '-q']));
    await waitFor('step b to start', () => existsSync(marker));
    const victimPid = Number(readFileSync(marker, 'utf8'));
    const [victim, survivor] = victimPid === w1.child.pid ? [w1, w2] : [w2, w1];
    expect(victimPid).toBe(victim.child.pid);
    await sleep(300);
    victim.child.kill('SIGKILL');
    const { code, stdout, stderr } = await run;
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.status).toBe('succeeded');
    const attempts = await cluster.query<{ attempt: number; status: string; worker: string; error: string | null }>(
      `select attempt, status, worker, error from attempts where step_id = 'b' order by attempt`,
    );
    expect(attempts.map((a) => [a.attempt, a.status, a.worker])).toEqual([
      [1, 'failed', victim.identity],
      [2, 'succeeded', survivor.identity],
    ]);
    expect(attempts[0].error).toMatch(/stopped heartbeating/);
    expect(lines(log)).toEqual(['a', 'b', 'b', 'c']);
    // `datanet show` tells which worker ran each attempt.
    const { stdout: show } = await cluster.cli(['--database-url', cluster.databaseUrl, 'show', summary.runId]);
    expect(show).toContain(`attempt 1: failed on ${victim.identity}`);
    expect(show).toContain(`attempt 2: succeeded on ${survivor.identity}`);
  }, 600_000);

  it('the same job delivered again after the step finished: its effects happen once', async () => {
    cluster = await startCluster();
    await cluster.startWorker(['--pool', 'cpu', '-c', '2']);
    const log = join(cluster.dir, 'steps.log');
    const file = writePipeline(
      cluster.dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 4, groups: 2, log: ${log} }\n  b:\n    uses: test.upper\n    needs: [a]\n    foreach: { input: table, by: grp }\n    with: { log: ${log} }\n`,
    );
    const { stdout } = await cluster.cli(['--json', 'run', file, '--profile', cluster.profile, '-q']);
    expect(JSON.parse(stdout).status).toBe('succeeded');
    const before = lines(log).sort();
    expect(before).toEqual(['a', 'b[g0]', 'b[g1]']);
    const events = async () => Number((await cluster!.query(`select count(*)::int as n from events`))[0].n);
    const attemptsBefore = await cluster.query(`select * from attempts order by step_id, partition, attempt`);
    // Redeliver every job this run ever had (BullMQ removed them on completion, as after a lost ack).
    const jobs = await cluster.query<{
      job_id: string;
      run_id: string;
      step_id: string;
      partition: string;
      attempt: number;
      kind: string;
      pool: string;
    }>(`select * from dispatch_outbox`);
    expect(jobs.length).toBe(5); // a, b, two partitions, the gather
    const { Queue } = await import('bullmq');
    const queue = new Queue('datanet-cpu', { connection: { host: '127.0.0.1', port: 6379 }, prefix: cluster.env.DATANET_QUEUE_PREFIX });
    for (const j of jobs) {
      await queue.add(
        j.kind,
        { runId: j.run_id, stepId: j.step_id, partition: j.partition, attempt: j.attempt, kind: j.kind },
        { jobId: j.job_id, removeOnComplete: false },
      );
      await queue.add(
        j.kind,
        { runId: j.run_id, stepId: j.step_id, partition: j.partition, attempt: j.attempt, kind: j.kind },
        { jobId: j.job_id, removeOnComplete: false },
      );
    }
    await waitFor('the redelivered jobs to be processed', async () => (await queue.getJobCounts('completed')).completed === jobs.length);
    await queue.close();
    const n = await events();
    await sleep(300);
    expect(lines(log).sort()).toEqual(before);
    expect(await cluster.query(`select * from attempts order by step_id, partition, attempt`)).toEqual(attemptsBefore);
    expect(await events()).toBe(n);
  }, 600_000);

  it('the coordinator and the worker both killed: `datanet resume` on a new worker completes the run', async () => {
    cluster = await startCluster();
    const w1 = await cluster.startWorker(['--pool', 'cpu'], 'w1');
    const marker = join(cluster.dir, 'b.pid');
    const log = join(cluster.dir, 'steps.log');
    const file = writePipeline(
      cluster.dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 2, log: ${log} }\n  b:\n    uses: test.sleep\n    needs: [a]\n    with: { ms: 60000, marker: ${marker}, log: ${log} }\n  c:\n    uses: test.upper\n    needs: [a, b]\n    inputs: { table: a.table }\n    with: { log: ${log} }\n`,
    );
    const coordinator = cluster.spawnCli(['--json', 'run', file, '--profile', cluster.profile, '-q']);
    const exited = exitOf(coordinator);
    await waitFor('step b to start', () => existsSync(marker));
    coordinator.kill('SIGKILL');
    w1.child.kill('SIGKILL');
    await exited;
    const [run] = await cluster.query<{ id: string; status: string }>(`select id, status from runs`);
    expect(run.status).toBe('running');
    // The step's next attempt must finish quickly: the run's snapshot is what runs (a changed pipeline
    // file would not matter). Changed before any new worker can load it.
    await cluster.query(`update runs set spec_yaml = replace(spec_yaml, 'ms: 60000', 'ms: 100')`);
    await cluster.startWorker(['--pool', 'cpu'], 'w2');
    // The new worker's sweeper may take the expired step over and finish the run before `resume` gets
    // there, or after: either way `resume` ends with the run's summary and exit code 0.
    const { stdout } = await cluster.cli(['--json', 'resume', run.id.slice(0, 18), '--profile', cluster.profile, '-q']);
    const summary = JSON.parse(stdout);
    expect(summary.status).toBe('succeeded');
    // Resuming (or cancelling) it again is idempotent: the same summary, exit 0.
    const again = JSON.parse((await cluster.cli(['--json', 'resume', run.id, '--profile', cluster.profile, '-q'])).stdout);
    expect(again.status).toBe('succeeded');
    expect(again.steps.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual(
      summary.steps.map((s: { id: string; status: string }) => [s.id, s.status]),
    );
    const cancelled = JSON.parse((await cluster.cli(['--json', '--database-url', cluster.databaseUrl, 'cancel', run.id])).stdout);
    expect(cancelled.status).toBe('succeeded');
    expect(lines(log)).toEqual(['a', 'b', 'b', 'c']);
    const b = summary.steps.find((s: { id: string }) => s.id === 'b');
    expect(b.attempts).toBe(2);
  }, 600_000);
});
