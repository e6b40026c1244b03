import { z } from 'zod';
import { defineOperator, runKernel } from '@datanet/pipelines';
import { textBytes } from '@datanet/connector-duckdb';
import { BaseDedupeConfig, dedupeRows } from './dedupe-input.js';
import { clusterSummary, dedupePorts, keepAll, writeDedupeOutputs } from './dedupe-outputs.js';
import { unitNames, unitSummary } from './unit-summary.js';
import { DEFAULT_MINHASH, impliedThreshold, type SignedTexts, validateMinHashSpec, type MinHashSpec } from './minhash.js';
import { minhashDedupe, specForScope } from './minhash-dedupe.js';
import { valuesOf, withDefaults } from './datanet-settings.js';
import { datanetsOf, dedupeCreditsStillStand, withdrawnCheck } from './withdrawn.js';
import {
  JACCARD_DEFAULT,
  MINHASH_DEFAULTS,
  SHORT_THRESHOLD_DEFAULT,
  SHORT_WORDS_DEFAULT,
  minhashSettingsReport,
  resolveMinHash,
  specOfResolved,
} from './minhash-settings.js';

const MinHashFields = z
  .object({
    ...BaseDedupeConfig,
    shingle: z
      .enum(['word', 'char', 'auto'])
      .optional()
      .describe(
        `shingle unit (default: the Datanet's, else ${MINHASH_DEFAULTS.shingle}: word n-grams for records of shortWords words or more, character n-grams of the structured normal form below)`,
      ),
    ngram: z
      .number()
      .int()
      .min(1)
      .max(64)
      .optional()
      .describe(`units per shingle (default: the Datanet's, else ${MINHASH_DEFAULTS.ngram})`),
    permutations: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .optional()
      .describe(`MinHash permutations (default: the Datanet's, else ${MINHASH_DEFAULTS.permutations})`),
    bands: z.number().int().min(1).optional().describe(`LSH bands b (default: the Datanet's, else ${MINHASH_DEFAULTS.bands})`),
    rows: z.number().int().min(1).optional().describe(`hashes per band r (default: the Datanet's, else ${MINHASH_DEFAULTS.rows})`),
    jaccardThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(JACCARD_DEFAULT)
      .describe('estimated Jaccard a candidate pair needs to be a duplicate (near the LSH threshold implied by bands x rows)'),
    shortWords: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        `auto shingles: records with fewer words are short and compared by character n-grams (default: the Datanet's, else ${SHORT_WORDS_DEFAULT})`,
      ),
    shortThreshold: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe(
        `auto shingles: similarity a short pair needs to be a duplicate (token alignment that allows typos, abbreviations, initials, reordering and dropped fields; default: the Datanet's, else ${SHORT_THRESHOLD_DEFAULT})`,
      ),
    seed: z.number().int().default(DEFAULT_MINHASH.seed).describe('seed of the hash permutations (part of the index settings)'),
  })
  .strict();

// Without a Datanet the defaults are filled in here, so an omitted field and the same field written
// at its default are one config (one cache key). With a Datanet, an omitted field means "the
// Datanet's value", resolved when the step runs (and fingerprinted into the cache key).
const MinHashConfig = MinHashFields.superRefine((c, issue) => {
  const bands = c.bands ?? (c.datanet ? undefined : MINHASH_DEFAULTS.bands);
  const rows = c.rows ?? (c.datanet ? undefined : MINHASH_DEFAULTS.rows);
  const permutations = c.permutations ?? (c.datanet ? undefined : MINHASH_DEFAULTS.permutations);
  if (bands !== undefined && rows !== undefined && permutations !== undefined && bands * rows > permutations) {
    issue.addIssue({ code: 'custom', path: ['bands'], message: `bands x rows = ${bands * rows} exceeds permutations (${permutations})` });
  }
}).transform((c) => (c.datanet ? c : withDefaults(c, MINHASH_DEFAULTS)));

export type MinHashOperatorConfig = z.output<typeof MinHashConfig>;

/** The MinHash spec of a config that names no Datanet (tests, benchmarks). */
export function specOf(c: MinHashOperatorConfig): MinHashSpec {
  if (c.datanet) throw new Error('specOf: this config names a Datanet; resolve it with resolveMinHash(config, pipelineDir)');
  const spec = specOfResolved(resolveMinHash(c, '.'), c.seed);
  validateMinHashSpec(spec);
  return spec;
}

export const dedupeMinhash = defineOperator({
  type: 'dedupe.minhash',
  // 2: reports carry the settings used and their sources; with: { datanet } reads the Datanet's dedupe section.
  // 3: shingle defaults to auto (char n-grams of the structured normal form for short records),
  //    candidates verified by exact Jaccard against the cluster's earliest record, unit per record reported.
  // 4: records of shortWords to 2 x shortWords words are medium (banded as short ones, duplicates by
  //    recordSimilarity or by word Jaccard), judged_by char+word.
  version: '4',
  description:
    "Near-duplicate removal by MinHash LSH (word or char shingles, bands x rows), within the batch and against a persistent index. With `datanet:`, settings the step leaves out come from the Datanet definition's dedupe section (step with: > Datanet > operator default); the report shows each value used and its source",
  config: MinHashConfig,
  inputs: { table: { kind: 'table', description: 'any table with a text and an id column' } },
  outputs: dedupePorts(),
  // The Datanet definition lives outside the artifact store: its dedupe settings are in the key.
  async fingerprint(config, env) {
    if (!config.datanet) return undefined;
    const { datanet, ...settings } = resolveMinHash(config, env.pipelineDir);
    // The values, not the file's path: the same settings give the same key on every machine.
    return { datanet: datanet?.id, settings: valuesOf(settings) };
  },
  // A result decided against a persistent index stands while the index records it credited do.
  async verifyCached(config, outputs, env) {
    if (!config.index) return true;
    return dedupeCreditsStillStand(env.db, outputs, config.datanet ? resolveMinHash(config, env.pipelineDir).datanet?.id : undefined);
  },
  async run(ctx) {
    const c = ctx.config;
    const resolved = resolveMinHash(c, ctx.run.pipelineDir);
    const settings = minhashSettingsReport(resolved, c);
    const spec = c.index ? await specForScope(ctx.db, c.index, specOfResolved(resolved, c.seed)) : specOfResolved(resolved, c.seed);
    validateMinHashSpec(spec);
    const textColumn = resolved.textColumn.value;
    const input = ctx.input('table');
    const table = await input.readTable();
    const { ids, order } = dedupeRows(table, { ...c, textColumn }, 'dedupe.minhash');
    if (!resolved.enabled.value) {
      const decision = keepAll(ids);
      ctx.logger.info(
        `dedupe.minhash: disabled (${resolved.enabled.source === 'datanet' ? resolved.datanet!.definition : 'with: enabled'}); ${ids.length} rows kept`,
      );
      await writeDedupeOutputs(ctx, input.path, decision, {
        operator: 'dedupe.minhash',
        enabled: false,
        settings,
        ...clusterSummary(decision),
      });
      return;
    }
    const text = textBytes(table, textColumn);
    const t0 = performance.now();
    // Signing is the CPU-heavy loop: it runs in the kernel pool, off the engine's event loop.
    const { signatures, hasShingles, units, setValues, setOffsets, tokens, empty } = await runKernel<SignedTexts>(
      new URL('./minhash.ts', import.meta.url),
      'signTexts',
      { spec, text },
      {
        signal: ctx.signal,
        onProgress: (done) => ctx.progress(done as number, ids.length, 'minhash signatures'),
      },
    );
    const signSeconds = (performance.now() - t0) / 1000;
    ctx.signal.throwIfAborted();
    const t1 = performance.now();
    const result = await minhashDedupe({
      ids,
      order,
      signatures,
      hasShingles,
      units,
      sets: { values: setValues, offsets: setOffsets },
      tokens,
      spec,
      jaccardThreshold: c.jaccardThreshold,
      index: c.index
        ? {
            db: ctx.db,
            scope: c.index,
            runId: ctx.run.runId,
            withdrawn: await withdrawnCheck(ctx.db, datanetsOf(table, resolved.datanet?.id)),
          }
        : undefined,
    });
    const bytes = text.bytes.length;
    const report = {
      operator: 'dedupe.minhash',
      enabled: true,
      settings,
      index: c.index ?? null,
      ...(spec.short && !spec.short.mediumWords
        ? {
            mediumRecords: `none: index "${c.index}" was built before medium records; its records of ${spec.short.maxWords} words or more are judged as long ones`,
          }
        : {}),
      shingles: spec.shingles,
      permutations: spec.permutations,
      bands: spec.bands,
      rows: spec.rows,
      impliedThreshold: impliedThreshold(spec.bands, spec.rows),
      jaccardThreshold: c.jaccardThreshold,
      ...clusterSummary(result),
      byUnit: unitSummary(result, spec, c.jaccardThreshold),
      withoutShingles: empty,
      candidatePairs: result.candidatePairs,
      mergedPairs: result.mergedPairs,
      indexMatches: result.indexMatches,
      addedToIndex: result.added,
      bytes,
      signSeconds,
      signMBps: bytes / 1e6 / Math.max(signSeconds, 1e-9),
      clusterSeconds: (performance.now() - t1) / 1000,
    };
    ctx.logger.info(
      `dedupe.minhash: ${ids.length} rows, threshold ~${report.impliedThreshold.toFixed(3)} (${spec.bands}x${spec.rows}, bands from ${resolved.bands.source}, rows from ${resolved.rows.source})`,
    );
    await writeDedupeOutputs(ctx, input.path, { ...result, judgedBy: unitNames(spec, result.units, result.medium) }, report, {
      table,
      operator: 'dedupe.minhash',
      datanet: resolved.datanet?.id,
    });
  },
});
