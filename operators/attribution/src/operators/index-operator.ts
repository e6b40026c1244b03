import { join } from 'node:path';
import { defineOperator } from '@datanet/pipelines';
import { z } from 'zod';
import { buildSpanIndexInPool } from '../index-build/parallel-build.js';
import { DEFAULT_SHARD_POSITIONS, MAX_SHARD_POSITIONS } from '../index-build/shard-files.js';
import { datasetRows } from './dataset-rows.js';

export const indexConfig = z.object({
  maxShardPositions: z
    .number()
    .int()
    .min(16)
    .max(MAX_SHARD_POSITIONS)
    .default(DEFAULT_SHARD_POSITIONS)
    .describe('positions (tokens + one per document) per shard; shards are sorted in parallel, one per core; a shard never passes 2^31'),
});

export const attributionIndex = defineOperator({
  type: 'attribution.index',
  version: '1',
  description:
    'Builds the span index of a dataset version: words-v1 tokens, one SA-IS suffix array per shard, a position -> contribution map; reuses the shards of a parent index and indexes only new contributions.',
  config: indexConfig,
  inputs: {
    dataset: {
      kind: 'table',
      description: 'dataset rows: text (or prompt + response), contribution_id, contributor',
      schema: { columns: { contribution_id: 'utf8', contributor: 'utf8' }, open: true },
    },
    parent: { kind: 'index', optional: true, description: "the previous version's index: its shards are reused" },
  },
  outputs: { index: { kind: 'index', description: 'folder: index.json + shard-NNNN/ (tokens, suffix array, vocabulary, documents)' } },
  resources: { pool: 'cpu' },
  async run(ctx) {
    const input = ctx.input('dataset');
    const table = await input.readTable();
    ctx.progress(0, table.numRows, 'indexing');
    const outDir = join(ctx.workDir, 'index');
    const started = Date.now();
    const built = await buildSpanIndexInPool([...datasetRows(table, `dataset ${input.path}`)], {
      outDir,
      maxShardPositions: ctx.config.maxShardPositions,
      parentDir: ctx.inputs.parent?.path,
      signal: ctx.signal,
      onProgress: (rows) => ctx.progress(rows, table.numRows),
      onShard: (done, total) => ctx.progress(done, total, 'sorting shards'),
    });
    const m = built.manifest;
    ctx.logger.info(
      `indexed ${built.newWords} new tokens into ${built.builtShards} shard(s) in ${Date.now() - started} ms; ${m.shards.length - built.builtShards} reused from the parent; ${m.words} tokens, ${m.contributions} contributions`,
      { shards: m.shards.length, words: m.words, excluded: m.excluded.length },
    );
    await ctx
      .output('index')
      .writePath(outDir, { words: m.words, shards: m.shards.length, contributions: m.contributions, tokenizer: m.tokenizer });
  },
});
