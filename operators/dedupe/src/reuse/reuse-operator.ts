import { z } from 'zod';
import { defineOperator, runKernel } from '@datanet/pipelines';
import { stringValues } from '@datanet/connector-duckdb';
import { dropFilteredRows } from '@datanet/datanet';
import { creditsStillStand, datanetsOf, withdrawnCheck } from '../withdrawn.js';
import { dedupeRows } from '../dedupe-input.js';
import type { ReuseDecision } from './decide-reuse.js';
import type { ReuseMatch, ReuseSettings } from './reuse-matcher.js';
import { REUSE_SHINGLES } from './reuse-matcher.js';
import { withReuseIndex } from './reuse-store.js';
import { reusePorts, spanExamples, writeReuseOutputs } from './reuse-outputs.js';

/**
 * A quarter of a record found in one earlier contribution. On the project's labelled set
 * (bench/results/dedupe.json, reuse.sweep): independent answers on the same topic (no shared
 * 8-word run) give 6% false positives at 0.1, under 1% at 0.15 and none from 0.2 up, through
 * shared 5-grams of medical phrasing; copies of a quarter of a source, lightly or densely
 * revised, padded with up to 1.5x as much text, measure 0.35-0.5 and start to be missed at 0.3.
 * 0.25 sits between, with margin on both sides.
 */
export const REUSE_MIN_CONTAINMENT = 0.25;

const ReuseConfig = z
  .object({
    enabled: z.boolean().default(true).describe('false keeps every record (and touches no index)'),
    textColumn: z.string().min(1).default('text').describe('column holding the text'),
    idColumn: z.string().min(1).default('id').describe('column identifying each record (unique, not null)'),
    orderColumn: z
      .string()
      .min(1)
      .optional()
      .describe('column giving each record its time; earlier records are the sources of later ones. Without it, row order decides'),
    minContainment: z
      .number()
      .gt(0)
      .max(1)
      .default(REUSE_MIN_CONTAINMENT)
      .describe("share of a record's text found in one earlier contribution that makes it reused"),
    index: z
      .string()
      .min(1)
      .optional()
      .describe(
        'persistent index scope (e.g. the Datanet id): records are also checked against everything accepted into it, and kept ones are added',
      ),
  })
  .strict();

export const dedupeReuse = defineOperator({
  type: 'dedupe.reuse',
  version: '1',
  description:
    'Copied passages: how much of each new record is contained in earlier contributions (the persistent index, then the batch in order). Candidates by shared word 5-grams (sampled ones from the persistent index); containment and copied spans by walking each shared 5-gram along the source over small edits (a word replaced, dropped, inserted or swapped, an -s/-ed/-ing ending); a record at minContainment or more is rejected as reused, crediting its source',
  config: ReuseConfig,
  inputs: { table: { kind: 'table', description: 'any table with a text and an id column' } },
  outputs: reusePorts(),
  // A result decided against a persistent index stands while the index records it credited do.
  async verifyCached(config, outputs, env) {
    if (!config.index) return true;
    const { readParquetFile } = await import('@datanet/pipelines');
    const rejected = await readParquetFile(outputs.rejected.path);
    if (rejected.numRows === 0) return true;
    const kept = await readParquetFile(outputs.kept.path);
    const ids = [...(kept.getChild(config.idColumn)?.toArray() ?? []), ...(rejected.getChild(config.idColumn)?.toArray() ?? [])];
    return creditsStillStand(env.db, rejected, 'source_id', ids);
  },
  async run(ctx) {
    const c = ctx.config;
    const input = ctx.input('table');
    const table = await input.readTable();
    const { ids, order } = dedupeRows(table, c, 'dedupe.reuse');
    const texts = stringValues(table, c.textColumn).map((t) => t ?? '');
    const settings: ReuseSettings = { ...REUSE_SHINGLES, minContainment: c.minContainment };
    const t0 = performance.now();
    const kernel = new URL('./decide-reuse.ts', import.meta.url);
    let decision: ReuseDecision = { keep: ids.map((_, i) => i), rejected: new Map(), matches: [], candidatesVerified: 0 };
    let index = { indexSources: 0, added: 0 };
    let sources: { id: string; text: string }[] = [];
    const decide = async (accepted: { id: string; text: string }[]) => {
      sources = accepted;
      const r = await runKernel<{
        keep: number[];
        rejected: [number, ReuseMatch][];
        matches: ReuseDecision['matches'];
        candidatesVerified: number;
      }>(kernel, 'reuseKernel', { settings, sources: accepted, ids, texts, order }, { signal: ctx.signal });
      decision = { ...r, rejected: new Map(r.rejected) };
      return decision;
    };
    if (c.enabled) {
      if (c.index) {
        const samples = await runKernel<Uint32Array[]>(kernel, 'reuseSamples', { settings, texts }, { signal: ctx.signal });
        const withdrawn = await withdrawnCheck(ctx.db, datanetsOf(table));
        index = await withReuseIndex(ctx.db, c.index, settings, { ids, texts, samples }, ctx.run.runId, decide, withdrawn);
      } else await decide([]);
    }
    const seconds = (performance.now() - t0) / 1000;
    const byId = new Map<string, string>(sources.map((s) => [s.id, s.text]));
    ids.forEach((id, row) => byId.set(id, texts[row]));
    const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t), 0);
    ctx.logger.info(`dedupe.reuse: ${ids.length} rows, ${decision.rejected.size} rejected as reused (minContainment ${c.minContainment})`);
    await writeReuseOutputs(ctx, input.path, ids, decision, {
      operator: 'dedupe.reuse',
      enabled: c.enabled,
      settings: { ...settings, words: 'letters and digits (Unicode), lowercased', offsets: 'UTF-16 code units of the text' },
      index: c.index ?? null,
      indexSources: index.indexSources,
      addedToIndex: index.added,
      candidatesVerified: decision.candidatesVerified,
      creditedSources: [...new Set([...decision.rejected.values()].map((m) => m.sourceId))].length,
      examples: spanExamples(decision, ids, texts, (id) => byId.get(id)),
      bytes,
      seconds,
    });
    const registered = await dropFilteredRows(ctx.db, {
      table,
      operator: 'dedupe.reuse',
      rows: [...decision.rejected.keys()],
      kept: decision.keep,
      idColumn: c.idColumn,
      pipelineDir: ctx.run.pipelineDir,
      reason: (r) => `reused from ${decision.rejected.get(r)!.sourceId}`,
    });
    if (registered.dropped || registered.restored)
      ctx.logger.info(`dedupe.reuse: registry: ${registered.dropped} contributions dropped, ${registered.restored} restored`);
  },
});
