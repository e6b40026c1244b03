import { z } from 'zod';
import { defineOperator } from '@datanet/pipelines';
import { stringValues } from '@datanet/connector-duckdb';
import { BaseDedupeConfig, dedupeRows } from './dedupe-input.js';
import { clusterSummary, dedupePorts, writeDedupeOutputs } from './dedupe-outputs.js';
import { exactDedupe } from './exact-dedupe.js';
import { DEFAULT_NORMALIZE, normalizedHash } from './normalize.js';

const ExactConfig = z
  .object({
    ...BaseDedupeConfig,
    normalize: z
      .object({
        unicode: z.boolean().default(DEFAULT_NORMALIZE.unicode).describe('NFKC'),
        lowercase: z.boolean().default(DEFAULT_NORMALIZE.lowercase),
        punctuation: z.boolean().default(DEFAULT_NORMALIZE.punctuation).describe('strip Unicode punctuation'),
        whitespace: z.boolean().default(DEFAULT_NORMALIZE.whitespace).describe('collapse whitespace runs, trim'),
      })
      .strict()
      .default(DEFAULT_NORMALIZE)
      .describe('what is ignored when comparing texts (all on by default)'),
  })
  .strict();

export const dedupeExact = defineOperator({
  type: 'dedupe.exact',
  version: '1',
  description:
    'Drops exact duplicates (same text after NFKC, lowercase, punctuation and whitespace normalisation); the earliest record keeps the credit',
  config: ExactConfig,
  inputs: { table: { kind: 'table', description: 'any table with a text and an id column' } },
  outputs: dedupePorts(),
  async run(ctx) {
    const started = performance.now();
    const input = ctx.input('table');
    const table = await input.readTable();
    const { ids, order } = dedupeRows(table, ctx.config, 'dedupe.exact');
    const texts = stringValues(table, ctx.config.textColumn);
    let bytes = 0;
    const hashes = texts.map((t) => {
      bytes += t ? Buffer.byteLength(t) : 0;
      return normalizedHash(t ?? '', ctx.config.normalize);
    });
    const index = ctx.config.index
      ? { db: ctx.db, scope: ctx.config.index, runId: ctx.run.runId, settings: JSON.stringify(ctx.config.normalize) }
      : undefined;
    const decision = await exactDedupe(ids, hashes, order, index);
    const seconds = (performance.now() - started) / 1000;
    const report = {
      operator: 'dedupe.exact',
      index: ctx.config.index ?? null,
      normalize: ctx.config.normalize,
      ...clusterSummary(decision),
      bytes,
      seconds,
    };
    ctx.logger.info(
      `dedupe.exact: ${ids.length} rows, ${ids.length - decision.representative.filter((r, i) => r === ids[i]).length} duplicates`,
    );
    await writeDedupeOutputs(ctx, input.path, decision, report);
  },
});
