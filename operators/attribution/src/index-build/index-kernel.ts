// Index builds in threads of @datanet/pipelines' kernel pool: tokenizing and planning the shards
// in one thread, then each shard's suffix array in its own thread, as many at once as there are
// cores. The operator keeps the artifact work on the engine's loop.
import type { KernelContext } from '@datanet/pipelines';
import { planIndex, type IndexPlan, type IndexRow } from './build-index.js';
import { buildShard, type ShardInput } from './build-shard.js';
import type { ShardMeta } from './shard-files.js';

export interface PlanKernelArgs {
  rows: IndexRow[];
  outDir: string;
  maxShardPositions?: number;
  parentDir?: string;
}

/** planIndex; progress arrives as (rows done). */
export function planIndexKernel(args: PlanKernelArgs, ctx: KernelContext): IndexPlan {
  return planIndex(args.rows, {
    outDir: args.outDir,
    maxShardPositions: args.maxShardPositions,
    parentDir: args.parentDir,
    onProgress: (rows) => ctx.progress(rows),
  });
}

export interface ShardKernelResult {
  meta: ShardMeta;
  ms: number;
  /** Milliseconds per phase of the build (vocab, symbols, writeTokens, sais, writeRest). */
  phases: Record<string, number>;
  /** This thread's heap and typed arrays when the shard was done (typed arrays are freed after). */
  threadMemory: { heapUsed: number; arrayBuffers: number; rss: number };
}

/** buildShard in a pool thread; the input's buffers are moved in, not copied. */
export function buildShardKernel(args: { dir: string; input: ShardInput }): ShardKernelResult {
  const t = performance.now();
  const phases: Record<string, number> = {};
  const meta = buildShard(args.dir, args.input, phases);
  const m = process.memoryUsage();
  return { meta, ms: performance.now() - t, phases, threadMemory: { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss } };
}
