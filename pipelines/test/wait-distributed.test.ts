import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './distributed-cluster.js';
import { FIXTURE_PLUGIN } from './helpers.js';

const WAIT_PLUGIN = resolve(import.meta.dirname, 'fixtures/wait-operators.ts');

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 90_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** CPU time (user + system, in clock ticks) a process has used so far. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('steps that wait, distributed (real workers, PostgreSQL + Redis)', () => {
  it('a parked step releases its job; the run waits holding nothing, survives SIGKILL of every process, and completes on a signal', async () => {
    cluster = await startCluster();
    const w1 = await cluster.startWorker(['--pool', 'cpu', '-c', '2'], 'w1');
    const log = join(cluster.dir, 'review.log');
    const file = join(cluster.dir, 'review.yaml');
    writeFileSync(
      file,
      `apiVersion: datanet/v1\nkind: Pipeline\nmetadata:\n  name: review\nplugins: [${FIXTURE_PLUGIN}, ${WAIT_PLUGIN}]\nsteps:\n  a:\n    uses: test.emit\n  review:\n    uses: test.review\n    needs: [a]\n    with: { log: ${log}, signal: "decision:d1" }\n  after:\n    uses: test.upper\n    needs: [a, review]\n    inputs: { table: a.table }\n`,
    );
    // The coordinator returns once the run waits: exit 0, the summary says waiting.
    const { stdout, stderr } = await cluster.cli(['--json', 'run', file, '--profile', cluster.profile, '-q']);
    const summary = JSON.parse(stdout);
    expect(summary.status, stderr).toBe('waiting');
    expect(stderr).toMatch(/is waiting/);
    const [step] = await cluster.query<{ status: string; job_id: string | null; lease_until: string | null }>(
      `select status, job_id, lease_until from steps where run_id = $1 and step_id = 'review'`,
      [summary.runId],
    );
    expect(step).toEqual({ status: 'waiting', job_id: null, lease_until: null });
    const [run] = await cluster.query<{ status: string }>(`select status from runs where id = $1`, [summary.runId]);
    expect(run.status).toBe('waiting');

    // The worker holds no job for it, and idles: well under a tenth of a core over two seconds
    // (an operator polling its condition would take a core; the bound is loose for a busy machine).
    const before = cpuTicks(w1.child.pid!);
    await sleep(2000);
    expect(cpuTicks(w1.child.pid!) - before).toBeLessThan(20);

    // SIGKILL of everything: the only process left is the worker.
    w1.child.kill('SIGKILL');
    await new Promise((r) => (w1.child.exitCode !== null || w1.child.signalCode !== null ? r(null) : w1.child.once('exit', r)));
    const w2 = await cluster.startWorker(['--pool', 'cpu', '-c', '2'], 'w2');

    // The signal re-queues the step; the new worker continues it from the checkpoint.
    const sent = JSON.parse(
      (await cluster.cli(['--json', 'signal', 'decision:d1', '--payload', '"approve"', '--profile', cluster.profile])).stdout,
    );
    expect(sent.continued.map((c: { runId: string }) => c.runId)).toEqual([summary.runId]);
    await waitFor(
      'the run to succeed',
      async () => (await cluster!.query(`select 1 from runs where id = $1 and status = 'succeeded'`, [summary.runId])).length === 1,
    );
    expect(lines(log)).toEqual(['prepare review', 'continue review from checkpoint 42', 'finish review condition "approve"']);
    const attempts = await cluster.query<{ attempt: number; status: string; worker: string }>(
      `select attempt, status, worker from attempts where run_id = $1 and step_id = 'review' order by attempt`,
      [summary.runId],
    );
    expect(attempts.map((a) => [a.attempt, a.status, a.worker])).toEqual([
      [1, 'waiting', w1.identity],
      [2, 'succeeded', w2.identity],
    ]);
  }, 180_000);
});
