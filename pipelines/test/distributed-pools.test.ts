import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

function redisUp(): boolean {
  try {
    return execFileSync('redis-cli', ['ping'], { encoding: 'utf8', timeout: 2000 }).trim() === 'PONG';
  } catch {
    return false;
  }
}

describe('worker pools and Redis outages (real processes)', () => {
  it('a pool: gpu step is only ever run by a worker serving gpu; cpu steps never by a gpu-only worker', async () => {
    cluster = await startCluster();
    const cpu = await cluster.startWorker(['--pool', 'cpu', '-c', '2'], 'cpu');
    const gpu = await cluster.startWorker(['--pool', 'gpu', '--gpus', '1'], 'gpu');
    const steps = Array.from(
      { length: 4 },
      (_, i) => `  t${i}:\n    uses: test.upper\n    pool: gpu\n    needs: [a]\n  c${i}:\n    uses: test.upper\n    needs: [t${i}]\n`,
    ).join('');
    const file = writePipeline(cluster.dir, `steps:\n  a:\n    uses: test.emit\n    with: { rows: 3 }\n${steps}`);
    const { stdout } = await cluster.cli(['--json', 'run', file, '--profile', cluster.profile, '-q']);
    expect(JSON.parse(stdout).status).toBe('succeeded');
    const rows = await cluster.query<{ step_id: string; pool: string; worker: string }>(
      `select a.step_id, s.pool, a.worker from attempts a join steps s using (run_id, step_id, partition)`,
    );
    expect(rows.length).toBe(9);
    for (const r of rows) expect([r.step_id, r.worker]).toEqual([r.step_id, r.pool === 'gpu' ? gpu.identity : cpu.identity]);
    expect(rows.filter((r) => r.pool === 'gpu').length).toBe(4);
  }, 120_000);

  it('a worker serving gpu without a GPU refuses to start', async () => {
    cluster = await startCluster();
    await expect(cluster.cli(['worker', '--profile', cluster.profile, '--pool', 'gpu', '--gpus', '0'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('has no GPU'),
    });
  }, 60_000);

  it.skipIf(!redisUp())(
    'Redis restarted (all jobs lost) in the middle of a run: the run completes',
    async () => {
      cluster = await startCluster();
      await cluster.startWorker(['--pool', 'cpu', '-c', '2'], 'w1');
      const marker = join(cluster.dir, 'b.pid');
      const file = writePipeline(
        cluster.dir,
        `steps:\n  a:\n    uses: test.emit\n  b:\n    uses: test.sleep\n    needs: [a]\n    with: { ms: 1500, marker: ${marker} }\n  c:\n    uses: test.sleep\n    needs: [b]\n    with: { ms: 500 }\n  d:\n    uses: test.upper\n    needs: [a, c]\n    inputs: { table: a.table }\n`,
      );
      const run = cluster.cli(['--json', 'run', file, '--profile', cluster.profile, '-q']);
      const t0 = Date.now();
      while (!existsSync(marker)) {
        if (Date.now() - t0 > 60_000) throw new Error('step b never started');
        await sleep(50);
      }
      // Keep the outage short: other test suites on this machine use the same Redis.
      execFileSync('redis-cli', ['shutdown', 'nosave']);
      try {
        await sleep(1500);
      } finally {
        execFileSync('redis-server', [
          '--daemonize',
          'yes',
          '--bind',
          '127.0.0.1',
          '-::1',
          '--port',
          '6379',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          '/var/lib/redis',
          '--logfile',
          '/var/log/redis/ci.log',
        ]);
      }
      const { stdout } = await run;
      const summary = JSON.parse(stdout);
      expect(summary.status).toBe('succeeded');
      expect(summary.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`).sort()).toEqual([
        'a:succeeded',
        'b:succeeded',
        'c:succeeded',
        'd:succeeded',
      ]);
    },
    120_000,
  );
});
