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
  /**
   * Called when the attempt was aborted and its operator had not returned after the grace period:
   * it is still running in this process. `ended` resolves when it finally returns (or throws).
   */
  onStillRunning?: (graceMs: number, ended: Promise<void>) => void;
}

/**
 * How long an aborted attempt's operator (cancel, timeout, lease lost, shutdown) gets to stop before
 * its step ends without it. An operator that honours ctx.signal stops at once and is not held up.
 */
export const ABORT_GRACE_MS = 5_000;

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
 * SIGTERM and then SIGKILL on that signal). Once aborted it rejects with the abort reason when the
 * operator has stopped, or after ABORT_GRACE_MS if the operator ignores its signal (then
 * `onStillRunning` is told: its work goes on in this process, and the step must not claim it
 * stopped). Outputs are checked against the operator's contract.
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
    const aborted = new Promise<never>((_, reject) => {
      if (ac.signal.aborted) reject(ac.signal.reason);
      ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true });
    });
    task.catch(() => {});
    aborted.catch(() => {});
    try {
      return await Promise.race([task, aborted]);
    } catch (err) {
      if (!ac.signal.aborted) throw err;
      // Aborted: the operator gets a bounded grace period to stop, so that the step (and the run)
      // end once its work has ended. One that ignores its signal must not hold the run or the
      // worker for ever: after the grace the step ends without it, and the caller is told.
      const ended = task.then(
        () => undefined,
        () => undefined,
      );
      let graceTimer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        ended.then(() => true),
        new Promise<boolean>((r) => (graceTimer = setTimeout(() => r(false), ABORT_GRACE_MS))),
      ]);
      clearTimeout(graceTimer);
      if (!stopped) req.onStillRunning?.(ABORT_GRACE_MS, ended);
      // The abort wins over whatever the operator threw while it was being torn down.
      throw ac.signal.reason;
    }
  } finally {
    clearTimeout(timer);
    req.signal.removeEventListener('abort', onAbort);
  }
}
