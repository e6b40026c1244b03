// Per-step overhead of the in-process engine: 1,000 no-op steps in a chain and a 10,000-way
// foreach fan-out, with the run store on PGlite and on PostgreSQL.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { openEngine } from '../pipelines/src/exec/engine.js';
import { runPipeline } from '../pipelines/src/exec/in-process-executor.js';
import { compilePipeline } from '../pipelines/src/spec/compile-pipeline.js';
import { tableToParquet } from '../pipelines/src/artifact/table-io.js';
import { median } from './machine.js';
import pg from 'pg';

const PLUGIN = resolve(import.meta.dirname, 'fixtures/noop-operators.ts');
const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

function chainPipeline(dir: string, n: number): string {
  const steps = Array.from(
    { length: n },
    (_, i) => `  s${i}:\n    uses: bench.noop\n    with: { i: ${i} }\n${i ? `    needs: [s${i - 1}]\n` : ''}`,
  ).join('');
  const file = join(dir, `chain-${n}.yaml`);
  writeFileSync(file, `apiVersion: datanet/v1\nkind: Pipeline\nmetadata: { name: bench-chain }\nplugins: [${PLUGIN}]\nsteps:\n${steps}`);
  return file;
}

async function fanoutPipeline(dir: string, n: number): Promise<string> {
  const keys = Array.from({ length: n }, (_, i) => `k${String(i).padStart(5, '0')}`);
  const parquet = join(dir, `keys-${n}.parquet`);
  writeFileSync(parquet, await tableToParquet(new Table({ key: vectorFromArray(keys, new Utf8()) })));
  const file = join(dir, `fanout-${n}.yaml`);
  writeFileSync(
    file,
    `apiVersion: datanet/v1\nkind: Pipeline\nmetadata: { name: bench-fanout }\nplugins: [${PLUGIN}]\nsteps:\n  keys:\n    uses: table.read\n    with: { path: ${parquet} }\n  each:\n    uses: bench.noop\n    needs: [keys]\n    foreach: { input: table, by: key }\n`,
  );
  return file;
}

async function freshPgUrl(): Promise<string> {
  const schema = `bench_${Date.now().toString(36)}`;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`create schema ${schema}`);
  await c.end();
  return `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

async function measure(store: 'pglite' | 'postgres', file: string, steps: number) {
  const samples: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const engine = await openEngine({
      stateDir: mkdtempSync(join(tmpdir(), 'bench-engine-')),
      databaseUrl: store === 'postgres' ? await freshPgUrl() : undefined,
    });
    const { graph, diagnostics } = await compilePipeline(file);
    if (!graph) throw new Error(diagnostics.map((d) => d.message).join('\n'));
    const t0 = performance.now();
    const summary = await runPipeline(engine, graph, { noCache: true, concurrency: 8 });
    const ms = performance.now() - t0;
    if (summary.status !== 'succeeded') throw new Error(`bench run ${summary.status}: ${summary.error}`);
    samples.push(ms);
    await engine.close();
  }
  const med = median(samples);
  return { steps, runsMs: samples.map(Math.round), medianRunMs: Math.round(med), perStepMs: +(med / steps).toFixed(3) };
}

/** The floor: the same store writes a step needs (start + finish transactions), without the engine. */
async function baseline(store: 'pglite' | 'postgres', steps: number) {
  const engine = await openEngine({
    stateDir: mkdtempSync(join(tmpdir(), 'bench-base-')),
    databaseUrl: store === 'postgres' ? await freshPgUrl() : undefined,
  });
  await engine.store.createRun(
    { id: 'b', pipeline: 'b', file: 'b', spec_yaml: '', params: {}, options: {}, status: 'running', executor: 'x', created_at: Date.now() },
    Array.from({ length: steps }, (_, i) => ({ step_id: `s${i}`, pool: 'cpu' })),
  );
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    await engine.store.startAttempt('b', `s${i}`, '', 1, 'w', 'k');
    await engine.store.completeStep({
      runId: 'b',
      stepId: `s${i}`,
      partition: '',
      attempt: 1,
      outputs: {},
      cacheKey: `k${i}`,
      cached: false,
      reason: 'r',
      operator: 'bench.noop',
      writeCache: true,
      startedAt: Date.now(),
    });
  }
  const ms = performance.now() - t0;
  await engine.close();
  return { steps, perStepMs: +(ms / steps).toFixed(3) };
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pipelines-'));
  const chainN = Number(process.env.BENCH_CHAIN ?? 1000);
  const fanN = Number(process.env.BENCH_FANOUT ?? 10000);
  const chain = chainPipeline(dir, chainN);
  const fan = await fanoutPipeline(dir, fanN);
  const results: Record<string, unknown> = {
    repeats: REPEATS,
    note: 'median of repeats; perStepMs = median run time / steps; baseline = the run store writes alone (startAttempt + completeStep per step) in the same process',
  };
  for (const store of ['pglite', 'postgres'] as const) {
    const base = await baseline(store, chainN);
    const c = await measure(store, chain, chainN);
    const f = await measure(store, fan, fanN);
    results[store] = {
      chain: { ...c, storeBaselinePerStepMs: base.perStepMs, ratioToStoreBaseline: +(c.perStepMs / base.perStepMs).toFixed(2) },
      fanout: f,
      target: 'under 2 ms per step',
      meetsTarget: c.perStepMs < 2 && f.perStepMs < 2,
    };
    console.log(store, JSON.stringify(results[store]));
  }
  return results;
}
