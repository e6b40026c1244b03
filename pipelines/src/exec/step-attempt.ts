import { join } from 'node:path';
import type { ArtifactRef, StepLogger } from '../operator/operator-context.js';
import type { PipelineGraph, StepNode } from '../spec/compile-pipeline.js';
import type { Engine } from './engine.js';
import { StepTimeoutError } from './errors.js';
import { executeTask } from './execute-task.js';

export interface AttemptRequest {
  engine: Engine;
  graph: PipelineGraph;
  runId: string;
  node: StepNode;
  /** '' for a whole step. */
  partition: string;
  attempt: number;
  /** The resolved config (secrets filled in), parsed by the operator's schema. */
  config: unknown;
  inputs: Record<string, ArtifactRef | undefined>;
  /** The run's (or the worker's) signal: cancel, lease lost, shutdown. */
  signal: AbortSignal;
  resources: Record<string, unknown>;
  logger: StepLogger;
  progress?: (done: number, total?: number, message?: string) => void;
}

/** Where an attempt's scratch files go: one folder per (run, step, partition, attempt). */
export function workDirOf(stateDir: string, runId: string, stepId: string, partition: string, attempt: number): string {
  return join(stateDir, 'work', runId, partition ? `${stepId}-${partition.replace(/[^\w.-]/g, '_')}` : stepId, String(attempt));
}

/** The key an operator uses for effects outside the store: the same on every attempt of the step. */
export function idempotencyKeyOf(runId: string, stepId: string, partition: string): string {
  return `${runId}:${stepId}${partition ? `:${partition}` : ''}`;
}

/**
 * Runs one attempt of a step (or partition) under its own AbortSignal: aborted by the caller's
 * signal or by the step's `timeout` (operators' child processes, started with runChildProcess, get
 * SIGTERM and then SIGKILL on that signal). Rejects with the abort reason as soon as it aborts,
 * even if the operator ignores its signal. Outputs are checked against the operator's contract.
 */
export async function runStepAttempt(req: AttemptRequest): Promise<Record<string, ArtifactRef>> {
  const { engine, node, runId, partition, attempt } = req;
  const ac = new AbortController();
  const onAbort = () => ac.abort(req.signal.reason);
  if (req.signal.aborted) onAbort();
  else req.signal.addEventListener('abort', onAbort, { once: true });
  const timer = node.timeoutMs ? setTimeout(() => ac.abort(new StepTimeoutError(node.id, node.timeoutMs!)), node.timeoutMs) : undefined;
  try {
    const task = executeTask({
      op: node.op,
      config: req.config,
      inputs: req.inputs,
      store: engine.artifacts,
      db: engine.database.db,
      dialect: engine.database.dialect,
      resources: req.resources,
      logger: req.logger,
      progress: req.progress,
      signal: ac.signal,
      workDir: workDirOf(engine.stateDir, runId, node.id, partition, attempt),
      run: {
        runId,
        stepId: node.id,
        attempt,
        partition: partition || undefined,
        pipelineName: req.graph.name,
        params: req.graph.params,
        pipelineDir: req.graph.dir,
        stateDir: engine.stateDir,
      },
      idempotencyKey: idempotencyKeyOf(runId, node.id, partition),
    });
    // An operator that ignores its signal must not hold the run or the worker: stop waiting on abort.
    const aborted = new Promise<never>((_, reject) => {
      if (ac.signal.aborted) reject(ac.signal.reason);
      ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true });
    });
    task.catch(() => {});
    aborted.catch(() => {});
    return await Promise.race([task, aborted]);
  } finally {
    clearTimeout(timer);
    req.signal.removeEventListener('abort', onAbort);
  }
}
