import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { corpusPath, corpusSample, corpusSkipReason } from '../src/testing/index.js';
import { parquetToTable } from '../src/artifact/table-io.js';
import { startCluster, type Cluster } from './distributed-cluster.js';
import { BIN, tempDir, writePipeline } from './helpers.js';

const exec = promisify(execFile);
const MEDQUAD = 'medquad/medquad_with_answers.jsonl.gz';
const corpus = corpusPath(MEDQUAD);

/** Runs a CLI command; when it fails, the error carries what it printed (the run summary under --json). */
async function orReport<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    const { stdout = '', stderr = '' } = e as { stdout?: string; stderr?: string };
    throw new Error(
      `${(e as Error).message}\nstdout (tail): ${String(stdout).slice(-4000)}\nstderr (tail): ${String(stderr).slice(-4000)}`,
    );
  }
}

type Summary = { status: string; steps: { id: string; outputs: Record<string, { digest: string; kind: string; path: string }> }[] };
/**
 * Table contents without the columns that carry a run's own times: its run id, the time of
 * acceptance, the receipt time (`submitted_at`, credit by arrival) and the signing time, which a
 * submitter must take from the clock since intake refuses stale signatures. The submission id and
 * signature derive from the signed time. Two runs of the intake pipeline differ in these whatever
 * executes them; everything else must be identical.
 */
const VOLATILE = new Set(['run_id', 'accepted_at', 'submitted_at', 'signed_at', 'submission_id', 'signature']);
async function contents(s: Summary): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const st of s.steps) {
    for (const [name, o] of Object.entries(st.outputs)) {
      if (o.kind !== 'table') continue;
      const table = await parquetToTable(readFileSync(o.path));
      const keep = table.schema.fields.map((f) => f.name).filter((n) => !VOLATILE.has(n));
      const rows = table.toArray().map((r) => keep.map((k) => String(r[k])));
      out[`${st.id}.${name}`] = `${keep.join(',')} ${createHash('sha256').update(JSON.stringify(rows)).digest('hex')}`;
    }
  }
  return out;
}
const digests = (s: Summary) =>
  Object.fromEntries(s.steps.map((st) => [st.id, Object.fromEntries(Object.entries(st.outputs).map(([k, v]) => [k, v.digest]))]));

async function runLocal(file: string, params: string[] = []): Promise<Summary> {
  const { DATABASE_URL: _d, ...env } = process.env;
  const { stdout } = await orReport(
    exec('node', [BIN, '--state-dir', join(tempDir(), 'state'), '--json', 'run', file, '--profile', 'local', '-q', ...params], {
      env,
      maxBuffer: 1 << 26,
    }),
  );
  return JSON.parse(stdout);
}

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('same outputs under the local and the distributed profile', () => {
  it('a foreach fan-out (by column and by shards) gives identical digests with two workers', async () => {
    const dir = tempDir();
    const file = writePipeline(
      dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 60, groups: 7 }\n  b:\n    uses: test.upper\n    needs: [a]\n    foreach: { input: table, by: grp }\n  s:\n    uses: test.upper\n    needs: [b]\n    foreach: { input: table, shards: 5 }\n    with: { suffix: "!" }\n  r:\n    uses: test.report\n    needs: [s]\n`,
    );
    const local = await runLocal(file);
    cluster = await startCluster({ DATANET_PARTITION_WINDOW: '3' });
    await cluster.startWorker(['--pool', 'cpu', '-c', '2'], 'w1');
    await cluster.startWorker(['--pool', 'cpu', '-c', '2'], 'w2');
    const { stdout } = await cluster.cli(['--json', 'run', file, '--profile', cluster.profile, '-q']);
    const dist = JSON.parse(stdout) as Summary;
    expect(dist.status).toBe('succeeded');
    expect(digests(dist)).toEqual(digests(local));
    // The bounded window: partitions were released a few at a time, and both workers ran some.
    const workers = await cluster.query<{ worker: string }>(`select distinct worker from attempts where partition <> ''`);
    expect(workers.length).toBe(2);
  }, 120_000);

  it.skipIf(!corpus)(
    `the MedQuAD intake pipeline gives the same outputs (${corpus ? 'corpus present' : corpusSkipReason(MEDQUAD)})`,
    async () => {
      const file = resolve(import.meta.dirname, '../../configs/pipelines/medical-qa-intake.yaml');
      // Every 16th record (~1,000 answers from all nine sources): the same steps and kinds of rows as
      // the whole corpus; a quarter took 8 of the test's 10 minutes in CI, the two runs on a loaded machine.
      const params = ['-p', `medquad=${corpusSample(corpus!, 16)}`];
      const local = await runLocal(file, params);
      expect(local.status).toBe('succeeded');
      cluster = await startCluster();
      // Intake keeps its inbox under the state folder: on a cluster that folder is a shared mount.
      await cluster.startWorker(['--pool', 'cpu', '-c', '1'], 'shared');
      await cluster.startWorker(['--pool', 'cpu', '-c', '1'], 'shared');
      const { stdout } = await orReport(
        cluster.cli(['--state-dir', join(cluster.dir, 'shared'), '--json', 'run', file, '--profile', cluster.profile, '-q', ...params]),
      );
      const dist = JSON.parse(stdout) as Summary;
      expect(dist.status).toBe('succeeded');
      expect(Object.keys(digests(dist)).length).toBe(8);
      // Every data artifact (tables, files) has the same digest under both profiles. Reports are
      // left out: they record how long each step took.
      const data = (sm: Summary) =>
        Object.fromEntries(
          sm.steps.flatMap((st) =>
            Object.entries(st.outputs)
              .filter(([, o]) => o.kind !== 'report')
              .map(([k, o]) => [`${st.id}.${k}`, o.digest]),
          ),
        );
      expect(Object.keys(data(dist)).length).toBeGreaterThanOrEqual(12);
      const [a, b] = [await contents(local), await contents(dist)];
      expect(Object.keys(a).length).toBeGreaterThanOrEqual(12);
      expect(b).toEqual(a);
    },
    600_000,
  );
});
