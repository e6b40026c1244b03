import { join } from 'node:path';
import { kernelThreads, runKernel } from '@datanet/pipelines';
import { finishIndex, shardName, type BuildIndexOptions, type BuildIndexResult, type IndexPlan, type IndexRow } from './build-index.js';
import type { ShardInput } from './build-shard.js';
import type { PlanKernelArgs, ShardKernelResult } from './index-kernel.js';

const KERNELS = new URL('./index-kernel.ts', import.meta.url);

export interface ShardJob {
  dir: string;
  /** Called when a thread is free for the shard, so that at most one input per thread is in memory. */
  input(): ShardInput | Promise<ShardInput>;
}

/**
 * Builds shards in the kernel pool, as many at once as it has threads (one per core), each input
 * moved into its thread. Results come back in job order.
 */
export async function buildShardsInPool(
  jobs: ShardJob[],
  opts: { signal?: AbortSignal; onShard?(done: number): void } = {},
): Promise<ShardKernelResult[]> {
  const results: ShardKernelResult[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const k = next++;
      const input = await jobs[k].input();
      results[k] = await runKernel<ShardKernelResult>(
        KERNELS,
        'buildShardKernel',
        { dir: jobs[k].dir, input },
        { signal: opts.signal, transferList: [input.tokens.buffer, input.docLengths.buffer, input.docContrib.buffer] as ArrayBuffer[] },
      );
      opts.onShard?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(kernelThreads(), jobs.length) }, lane));
  return results;
}

/**
 * buildSpanIndex across the pool's threads: one thread tokenizes the rows and plans the shards,
 * then the shards' suffix arrays are sorted in parallel. Same files as buildSpanIndex.
 */
export async function buildSpanIndexInPool(
  rows: IndexRow[],
  opts: BuildIndexOptions & { signal?: AbortSignal; onShard?(done: number, total: number): void },
): Promise<BuildIndexResult> {
  const args: PlanKernelArgs = { rows, outDir: opts.outDir, maxShardPositions: opts.maxShardPositions, parentDir: opts.parentDir };
  const plan = await runKernel<IndexPlan>(KERNELS, 'planIndexKernel', args, {
    signal: opts.signal,
    onProgress: (done) => opts.onProgress?.(done as number),
  });
  const built = await buildShardsInPool(
    plan.inputs.map((input, k) => ({ dir: join(opts.outDir, shardName(plan.inherited.length + k)), input: () => input })),
    { signal: opts.signal, onShard: (done) => opts.onShard?.(done, plan.inputs.length) },
  );
  return finishIndex(
    plan,
    built.map((b) => b.meta),
  );
}
