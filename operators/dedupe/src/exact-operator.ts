import { z } from 'zod';
import { defineOperator } from '@datanet/pipelines';
import { stringValues } from '@datanet/connector-duckdb';
import { BaseDedupeConfig, dedupeRows } from './dedupe-input.js';
import { clusterSummary, dedupePorts, keepAll, writeDedupeOutputs } from './dedupe-outputs.js';
import { valuesOf, withDefaults } from './datanet-settings.js';
import { EXACT_DEFAULTS, exactSettingsReport, resolveExact } from './exact-settings.js';
import { exactDedupe } from './exact-dedupe.js';
import { DEFAULT_NORMALIZE, normalizedHash } from './normalize.js';
import { datanetsOf, dedupeCreditsStillStand, withdrawnCheck } from './withdrawn.js';

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
  .strict()
  // Without a Datanet the defaults are filled in here (an omitted field and the same field written
  // at its default are one config, one cache key); with one, omitted fields are the Datanet's.
  .transform((c) => (c.datanet ? c : withDefaults(c, EXACT_DEFAULTS)));

export const dedupeExact = defineOperator({
  type: 'dedupe.exact',
  // 2: reports carry the settings used and their sources; with: { datanet } reads the Datanet's dedupe section.
  version: '2',
  description:
    "Drops exact duplicates (same text after NFKC, lowercase, punctuation and whitespace normalisation); the earliest record keeps the credit. With `datanet:`, enabled and textColumn left out of with: come from the Datanet definition's dedupe section (step with: > Datanet > operator default)",
  config: ExactConfig,
  inputs: { table: { kind: 'table', description: 'any table with a text and an id column' } },
  outputs: dedupePorts(),
  // The Datanet definition lives outside the artifact store: its dedupe settings are in the key.
  async fingerprint(config, env) {
    if (!config.datanet) return undefined;
    const { datanet, ...settings } = resolveExact(config, env.pipelineDir);
    // The values, not the file's path: the same settings give the same key on every machine.
    return { datanet: datanet?.id, settings: valuesOf(settings) };
  },
  // A result decided against a persistent index stands while the index records it credited do.
  async verifyCached(config, outputs, env) {
    if (!config.index) return true;
    return dedupeCreditsStillStand(env.db, outputs, config.datanet ? resolveExact(config, env.pipelineDir).datanet?.id : undefined);
  },
  async run(ctx) {
    const started = performance.now();
    const resolved = resolveExact(ctx.config, ctx.run.pipelineDir);
    const settings = exactSettingsReport(resolved);
    const textColumn = resolved.textColumn.value;
    const input = ctx.input('table');
    const table = await input.readTable();
    const { ids, order } = dedupeRows(table, { ...ctx.config, textColumn }, 'dedupe.exact');
    if (!resolved.enabled.value) {
      const decision = keepAll(ids);
      ctx.logger.info(
        `dedupe.exact: disabled (${resolved.enabled.source === 'datanet' ? resolved.datanet!.definition : 'with: enabled'}); ${ids.length} rows kept`,
      );
      await writeDedupeOutputs(ctx, input.path, decision, {
        operator: 'dedupe.exact',
        enabled: false,
        settings,
        ...clusterSummary(decision),
      });
      return;
    }
    const texts = stringValues(table, textColumn);
    let bytes = 0;
    const hashes = texts.map((t) => {
      bytes += t ? Buffer.byteLength(t) : 0;
      return normalizedHash(t ?? '', ctx.config.normalize);
    });
    const index = ctx.config.index
      ? {
          db: ctx.db,
          scope: ctx.config.index,
          runId: ctx.run.runId,
          settings: JSON.stringify(ctx.config.normalize),
          withdrawn: await withdrawnCheck(ctx.db, datanetsOf(table, resolved.datanet?.id)),
        }
      : undefined;
    const decision = await exactDedupe(ids, hashes, order, index);
    const seconds = (performance.now() - started) / 1000;
    const report = {
      operator: 'dedupe.exact',
      enabled: true,
      settings,
      index: ctx.config.index ?? null,
      normalize: ctx.config.normalize,
      ...clusterSummary(decision),
      bytes,
      seconds,
    };
    ctx.logger.info(
      `dedupe.exact: ${ids.length} rows, ${ids.length - decision.representative.filter((r, i) => r === ids[i]).length} duplicates`,
    );
    await writeDedupeOutputs(ctx, input.path, decision, report, { table, operator: 'dedupe.exact', datanet: resolved.datanet?.id });
  },
});
