import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './distributed-cluster.js';
import { writePipeline } from './helpers.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** The value of one sample line of a Prometheus text exposition. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return undefined;
}

describe('worker metrics (Prometheus)', () => {
  it('a worker started with --metrics-port serves its job counts, durations and group-commit batch sizes', async () => {
    cluster = await startCluster();
    const w = await cluster.startWorker(['--pool', 'cpu', '-c', '4', '--metrics-port', '0']);
    const url = /metrics at (\S+)/.exec(w.output())?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const log = join(cluster.dir, 'steps.log');
    const file = writePipeline(
      cluster.dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 6, groups: 3, log: ${log} }\n  b:\n    uses: test.upper\n    needs: [a]\n    foreach: { input: table, by: grp }\n    with: { log: ${log} }\n`,
    );
    const { stdout } = await cluster.cli(['--json', 'run', file, '--profile', cluster.profile, '-q']);
    expect(JSON.parse(stdout).status).toBe('succeeded');
    const res = await fetch(url!);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    // a, the fan-out of b, its three partitions and the gather: six jobs, all run here.
    expect(sample(text, 'datanet_jobs_total', { pool: 'cpu', outcome: 'ran' })).toBe(6);
    expect(sample(text, 'datanet_job_duration_seconds_count', { pool: 'cpu' })).toBe(6);
    expect(sample(text, 'datanet_jobs_active', { pool: 'cpu' })).toBe(0);
    expect(sample(text, 'datanet_group_commit_batch_size_sum', { kind: 'claim' })).toBe(6);
    expect(sample(text, 'datanet_group_commit_batch_size_sum', { kind: 'partition-complete' })).toBe(3);
    expect(text).toContain(`worker="${w.identity}"`);
    expect(text).toMatch(/^datanet_worker_process_cpu_user_seconds_total/m);
    expect((await fetch(url!.replace('/metrics', '/other'))).status).toBe(404);
  }, 120_000);
});
