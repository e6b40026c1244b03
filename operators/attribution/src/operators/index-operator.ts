import { join } from 'node:path';
import { defineOperator, runKernel } from '@datanet/pipelines';
import { z } from 'zod';
import type { BuildIndexResult } from '../index-build/build-index.js';
import type { IndexKernelArgs } from '../index-build/index-kernel.js';
import { MAX_SHARD_POSITIONS } from '../index-build/shard-files.js';
import { datasetRows } from './dataset-rows.js';

const INDEX_KERNEL = new URL('../index-build/index-kernel.ts', import.meta.url);

export const indexConfig = z.object({
  maxShardPositions: z
    .number()
    .int()
    .min(16)
    .max(MAX_SHARD_POSITIONS)
    .default(MAX_SHARD_POSITIONS)
    .describe('positions (tokens + one per document) per shard; a shard never passes 2^31'),
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
    const args: IndexKernelArgs = {
      rows: [...datasetRows(table, `dataset ${input.path}`)],
      outDir,
      maxShardPositions: ctx.config.maxShardPositions,
      parentDir: ctx.inputs.parent?.path,
    };
    const built = await runKernel<BuildIndexResult>(INDEX_KERNEL, 'buildIndex', args, {
      signal: ctx.signal,
      onProgress: (rows) => ctx.progress(rows as number, table.numRows),
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
