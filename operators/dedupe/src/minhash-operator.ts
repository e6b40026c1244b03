import { z } from 'zod';
import { defineOperator } from '@datanet/pipelines';
import { textBytes } from '@datanet/connector-duckdb';
import { BaseDedupeConfig, dedupeRows } from './dedupe-input.js';
import { clusterSummary, dedupePorts, writeDedupeOutputs } from './dedupe-outputs.js';
import { DEFAULT_MINHASH, MinHasher, impliedThreshold, validateMinHashSpec, type MinHashSpec } from './minhash.js';
import { minhashDedupe } from './minhash-dedupe.js';

const MinHashConfig = z
  .object({
    ...BaseDedupeConfig,
    shingle: z.enum(['word', 'char']).default('word').describe('shingle unit'),
    ngram: z.number().int().min(1).max(64).default(DEFAULT_MINHASH.shingles.n).describe('units per shingle'),
    permutations: z.number().int().min(1).max(1024).default(DEFAULT_MINHASH.permutations),
    bands: z.number().int().min(1).default(DEFAULT_MINHASH.bands),
    rows: z.number().int().min(1).default(DEFAULT_MINHASH.rows).describe('hashes per band'),
    jaccardThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.7)
      .describe('estimated Jaccard a candidate pair needs to be a duplicate (near the LSH threshold implied by bands x rows)'),
    seed: z.number().int().default(DEFAULT_MINHASH.seed).describe('seed of the hash permutations (part of the index settings)'),
  })
  .strict()
  .superRefine((c, issue) => {
    if (c.bands * c.rows > c.permutations) {
      issue.addIssue({
        code: 'custom',
        path: ['bands'],
        message: `bands x rows = ${c.bands * c.rows} exceeds permutations (${c.permutations})`,
      });
    }
  });

export type MinHashOperatorConfig = z.output<typeof MinHashConfig>;

export function specOf(c: MinHashOperatorConfig): MinHashSpec {
  const spec = { shingles: { unit: c.shingle, n: c.ngram }, permutations: c.permutations, bands: c.bands, rows: c.rows, seed: c.seed };
  validateMinHashSpec(spec);
  return spec;
}

export const dedupeMinhash = defineOperator({
  type: 'dedupe.minhash',
  version: '1',
  description:
    'Near-duplicate removal by MinHash LSH (word or char shingles, bands x rows), within the batch and against a persistent index',
  config: MinHashConfig,
  inputs: { table: { kind: 'table', description: 'any table with a text and an id column' } },
  outputs: dedupePorts(),
  async run(ctx) {
    const c = ctx.config;
    const spec = specOf(c);
    const input = ctx.input('table');
    const table = await input.readTable();
    const { ids, order } = dedupeRows(table, c, 'dedupe.minhash');
    const text = textBytes(table, c.textColumn);
    const t0 = performance.now();
    const hasher = new MinHasher(spec);
    // The progress callback doubles as the abort point: signing a large table is one long loop.
    const { signatures, hasShingles } = hasher.signAll(text, (done) => {
      ctx.signal.throwIfAborted();
      ctx.progress(done, ids.length, 'minhash signatures');
    });
    const signSeconds = (performance.now() - t0) / 1000;
    ctx.signal.throwIfAborted();
    const t1 = performance.now();
    const result = await minhashDedupe({
      ids,
      order,
      signatures,
      hasShingles,
      spec,
      jaccardThreshold: c.jaccardThreshold,
      index: c.index ? { db: ctx.db, scope: c.index, runId: ctx.run.runId } : undefined,
    });
    const bytes = text.bytes.length;
    const report = {
      operator: 'dedupe.minhash',
      index: c.index ?? null,
      shingles: spec.shingles,
      permutations: spec.permutations,
      bands: spec.bands,
      rows: spec.rows,
      impliedThreshold: impliedThreshold(spec.bands, spec.rows),
      jaccardThreshold: c.jaccardThreshold,
      ...clusterSummary(result),
      withoutShingles: hasher.empty,
      candidatePairs: result.candidatePairs,
      mergedPairs: result.mergedPairs,
      indexMatches: result.indexMatches,
      addedToIndex: result.added,
      bytes,
      signSeconds,
      signMBps: bytes / 1e6 / Math.max(signSeconds, 1e-9),
      clusterSeconds: (performance.now() - t1) / 1000,
    };
    ctx.logger.info(`dedupe.minhash: ${ids.length} rows, threshold ~${report.impliedThreshold.toFixed(3)} (${spec.bands}x${spec.rows})`);
    await writeDedupeOutputs(ctx, input.path, result, report);
  },
});
