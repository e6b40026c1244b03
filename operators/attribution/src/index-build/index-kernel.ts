// The suffix-array build in a thread of @datanet/pipelines' kernel pool: rows in, shard files
// written under outDir, the manifest back. The operator keeps the artifact work on the engine's loop.
import type { KernelContext } from '@datanet/pipelines';
import { buildSpanIndex, type BuildIndexResult, type IndexRow } from './build-index.js';

export interface IndexKernelArgs {
  rows: IndexRow[];
  outDir: string;
  maxShardPositions: number;
  parentDir?: string;
}

/** buildSpanIndex; progress arrives as (rows done). */
export function buildIndex(args: IndexKernelArgs, ctx: KernelContext): BuildIndexResult {
  return buildSpanIndex(args.rows, {
    outDir: args.outDir,
    maxShardPositions: args.maxShardPositions,
    parentDir: args.parentDir,
    onProgress: (rows) => ctx.progress(rows),
  });
}
