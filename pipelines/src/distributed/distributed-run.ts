import type { Engine } from '../exec/engine.js';
import type { RunSummary } from '../exec/run-summary.js';
import type { RunOptions } from '../exec/run-types.js';
import type { PipelineGraph } from '../spec/compile-pipeline.js';
import type { Profile } from '../spec/profile.js';

/** Runs a pipeline with the distributed executor (BullMQ dispatch to worker pools). */
export async function runDistributed(engine: Engine, graph: PipelineGraph, profile: Profile, options: RunOptions): Promise<RunSummary> {
  const { DistributedCoordinator } = await import('./distributed-coordinator.js');
  return new DistributedCoordinator(engine, profile).run(graph, options);
}

/** Resumes a run started by the distributed executor: it reattaches and queues what is unfinished. */
export async function resumeDistributed(
  engine: Engine,
  graph: PipelineGraph,
  profile: Profile,
  runId: string,
  options: RunOptions,
): Promise<RunSummary> {
  const { DistributedCoordinator } = await import('./distributed-coordinator.js');
  return new DistributedCoordinator(engine, profile).resume(graph, runId, options);
}
