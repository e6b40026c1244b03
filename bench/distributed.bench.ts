// Dispatch overhead and throughput of the distributed executor: no-op steps through PostgreSQL and
// BullMQ/Redis to real worker processes (`datanet worker`), on this machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import pg from 'pg';
import { tableToParquet } from '../pipelines/src/artifact/table-io.js';
import { openEngine } from '../pipelines/src/exec/engine.js';
import { compilePipeline } from '../pipelines/src/spec/compile-pipeline.js';
import { loadProfile } from '../pipelines/src/spec/profile.js';
import { runDistributed } from '../pipelines/src/distributed/distributed-run.js';
import { median, percentile } from './machine.js';

const PLUGIN = resolve(import.meta.dirname, 'fixtures/noop-operators.ts');
const BIN = resolve(import.meta.dirname, '../pipelines/bin/datanet.mjs');
const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CHAIN = Number(process.env.BENCH_CHAIN ?? 200);
const WIDE = Number(process.env.BENCH_WIDE ?? 2000);
const FANOUT = Number(process.env.BENCH_FANOUT ?? 10_000);
/** Jobs each worker runs at once: no-op steps wait on PostgreSQL and Redis, not on a core. */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);

async function cluster() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-dist-'));
  const schema = `bench_${Date.now().toString(36)}`;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`create schema ${schema}`);
  await c.query(`set search_path to ${schema}`);
  const url = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const profile = join(dir, 'profile.yaml');
  writeFileSync(
    profile,
    `apiVersion: datanet/v1\nkind: Profile\nmetadata: { name: bench }\nexecutor: distributed\ndatabase: { url: ${JSON.stringify(url)} }\nredis: { url: "redis://127.0.0.1:6379" }\nartifacts: { path: ${JSON.stringify(join(dir, 'artifacts'))} }\n`,
  );
  process.env.DATANET_QUEUE_PREFIX = `bench${Date.now().toString(36)}`;
  const engine = await openEngine({ stateDir: join(dir, 'state'), databaseUrl: url, artifactDir: join(dir, 'artifacts') });
  const workers: ChildProcess[] = [];
  const startWorkers = async (n: number, concurrency = CONCURRENCY, extraEnv: Record<string, string> = {}) => {
    for (let i = 0; i < n; i++) {
      const { DATABASE_URL: _d, ...rest } = process.env;
      const env = { ...rest, ...extraEnv };
      const w = spawn(
        'node',
        [BIN, '--state-dir', join(dir, `w${workers.length}`), 'worker', '--profile', profile, '--pool', 'cpu', '-c', String(concurrency)],
        { env, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      w.stdout!.on('data', (d) => (out += d));
      while (!out.includes('ready')) await sleep(50);
      workers.push(w);
    }
  };
  const stopWorkers = async () => {
    await Promise.all(workers.splice(0).map((w) => new Promise((r) => (w.once('exit', r), w.kill('SIGTERM')))));
  };
  const q = async <T>(text: string) => (await c.query(text)).rows as T[];
  const run = async (file: string) => {
    const { graph, diagnostics } = await compilePipeline(file);
    if (!graph) throw new Error(diagnostics.map((d) => d.message).join('\n'));
    const t0 = performance.now();
    const summary = await runDistributed(engine, graph, loadProfile(profile), { noCache: true });
    if (summary.status !== 'succeeded') throw new Error(`bench run ${summary.status}: ${summary.error}`);
    return { runId: summary.runId, ms: performance.now() - t0 };
  };
  const close = async () => {
    await stopWorkers();
    await engine.close();
    await c.query(`drop schema ${schema} cascade`);
    await c.end();
  };
  return { dir, q, run, startWorkers, stopWorkers, close };
}

function chainFile(dir: string, n: number): string {
  const steps = Array.from(
    { length: n },
    (_, i) => `  s${i}:\n    uses: bench.noop\n    with: { i: ${i} }\n${i ? `    needs: [s${i - 1}]\n` : ''}`,
  ).join('');
  const file = join(dir, `chain-${n}.yaml`);
  writeFileSync(file, `apiVersion: datanet/v1\nkind: Pipeline\nmetadata: { name: bench-chain }\nplugins: [${PLUGIN}]\nsteps:\n${steps}`);
  return file;
}

async function fanoutFile(dir: string, n: number): Promise<string> {
  const parquet = join(dir, `keys-${n}.parquet`);
  writeFileSync(
    parquet,
    await tableToParquet(
      new Table({
        key: vectorFromArray(
          Array.from({ length: n }, (_, i) => `k${String(i).padStart(5, '0')}`),
          new Utf8(),
        ),
      }),
    ),
  );
  const file = join(dir, `fanout-${n}.yaml`);
  writeFileSync(
    file,
    `apiVersion: datanet/v1\nkind: Pipeline\nmetadata: { name: bench-fanout-${n} }\nplugins: [${PLUGIN}]\nsteps:\n  keys:\n    uses: table.read\n    with: { path: ${parquet} }\n  each:\n    uses: bench.noop\n    needs: [keys]\n    foreach: { input: table, by: key }\n`,
  );
  return file;
}

const stats = (xs: number[]) => ({ n: xs.length, p50: median(xs), p99: percentile(xs, 99), max: Math.max(...xs) });

export async function run(): Promise<Record<string, unknown>> {
  const c = await cluster();
  try {
    const results: Record<string, unknown> = {};
    await c.startWorkers(1);
    // Dispatch overhead on a chain: every step waits for the previous one, so each start is a dispatch.
    const chain = await c.run(chainFile(c.dir, CHAIN));
    const rows = await c.q<{ step_id: string; started_at: string; finished_at: string; created_at: string }>(
      `select s.step_id, s.started_at, s.finished_at, o.created_at from steps s join dispatch_outbox o on o.job_id = s.job_id where s.run_id = '${chain.runId}' and s.partition = ''`,
    );
    const byIndex = rows
      .map((r) => ({
        i: Number(r.step_id.slice(1)),
        start: Number(r.started_at),
        end: Number(r.finished_at),
        queued: Number(r.created_at),
      }))
      .sort((a, b) => a.i - b.i);
    results.chain = {
      steps: CHAIN,
      wallMs: Math.round(chain.ms),
      stepsPerSecond: +((CHAIN / chain.ms) * 1000).toFixed(1),
      enqueueToStartMs: stats(byIndex.map((r) => r.start - r.queued)),
      endToNextStartMs: stats(byIndex.slice(1).map((r, k) => r.start - byIndex[k].end)),
    };
    // Throughput: independent no-op partitions with 1, 2 and 4 worker processes (CONCURRENCY jobs each
    // at once), and, as the baseline, one worker configured as before group commit: 8 jobs at once,
    // each claim and completion in a transaction of its own.
    const wide = await fanoutFile(c.dir, WIDE);
    const throughput: Record<string, unknown> = {};
    // Three runs per configuration (this machine is noisy): the median, and each run's figure.
    const measure = async () => {
      const samples: number[] = [];
      const runMs: number[] = [];
      for (let k = 0; k < 3; k++) {
        const r = await c.run(wide);
        const [span] = await c.q<{ first: string; last: string }>(
          `select min(started_at) as first, max(finished_at) as last from steps where run_id = '${r.runId}' and partition <> ''`,
        );
        samples.push(+((WIDE / (Number(span.last) - Number(span.first))) * 1000).toFixed(1));
        runMs.push(Math.round(r.ms));
      }
      return { partitions: WIDE, runMs: median(runMs), stepsPerSecond: median(samples), samples };
    };
    await c.stopWorkers();
    await c.startWorkers(1, 8, { DATANET_COMMIT_LINGER_MS: '0' });
    const baseline = await measure();
    throughput.baseline = { workers: 1, concurrency: 8, commitLingerMs: 0, ...baseline };
    for (const n of [1, 2, 4]) {
      await c.stopWorkers();
      await c.startWorkers(n);
      const m = await measure();
      throughput[`${n}-workers`] = { concurrency: CONCURRENCY, ...m, vsBaseline: +(m.stepsPerSecond / baseline.stepsPerSecond).toFixed(2) };
    }
    results.throughput = throughput;
    const big = await c.run(await fanoutFile(c.dir, FANOUT));
    results.fanout = {
      partitions: FANOUT,
      workers: 4,
      endToEndMs: Math.round(big.ms),
      partitionsPerSecond: +((FANOUT / big.ms) * 1000).toFixed(1),
    };
    return results;
  } finally {
    await c.close();
  }
}
