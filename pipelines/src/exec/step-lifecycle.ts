import type { ArtifactRef, StepLogger } from '../operator/operator-context.js';
import type { PipelineGraph, StepNode } from '../spec/compile-pipeline.js';
import { redact } from '../spec/interpolate.js';
import { backoffDelay } from '../spec/pipeline-spec.js';
import type { Completion, RunStore } from '../store/run-store.js';
import { cacheKeyOf, secretsDigestOf } from './cache-key.js';
import type { Engine } from './engine.js';
import { errorMessage, formatMs, isRetryable, RunCancelledError } from './errors.js';
import { artifactsExist, gatherPartitionOutputs, splitForeach, type PartitionTask } from './foreach.js';
import { runStepAttempt } from './step-attempt.js';
import { keyConfigOf, resolveStepConfig } from './step-config.js';
import { StepParked } from '../wait/step-parked.js';
import { stillParked } from '../wait/step-wait-api.js';

/** What the cache decision and an attempt need to know about a step, computed once per step. */
export interface PreparedStep {
  node: StepNode;
  inputs: Record<string, ArtifactRef | undefined>;
  keyConfig: unknown;
  key: string;
  /** The resolved config (secrets filled in); throws StepConfigError when a reference is not set. */
  config(): unknown;
}

export interface StepEnv {
  pipelineDir: string;
  stateDir: string;
}

/**
 * A step's inputs by declared port, from the outputs of the steps it is wired to: the same record
 * for plan and both executors (an unconnected optional port is present, undefined).
 */
export function stepInputs(
  node: StepNode,
  outputsOf: (stepId: string) => Record<string, ArtifactRef> | undefined,
): Record<string, ArtifactRef | undefined> {
  const inputs: Record<string, ArtifactRef | undefined> = {};
  for (const port of Object.keys(node.op.inputs ?? {})) {
    const wired = node.inputs[port];
    inputs[port] = wired ? outputsOf(wired.step)?.[wired.output] : undefined;
  }
  return inputs;
}

/** Config, fingerprint and cache key of a step whose inputs are known: plan and run key alike. */
export async function prepareStep(node: StepNode, inputs: Record<string, ArtifactRef | undefined>, env: StepEnv): Promise<PreparedStep> {
  let config: { value: unknown } | undefined;
  const resolve = () => (config ??= { value: resolveStepConfig(node) }).value;
  const fingerprint = node.op.fingerprint ? await node.op.fingerprint(resolve(), env) : undefined;
  const keyConfig = keyConfigOf(node);
  const key = cacheKeyOf(node, { inputs, fingerprint, keyConfig, secretsDigest: secretsDigestOf(node) });
  return { node, inputs, keyConfig, key, config: resolve };
}

/**
 * The cache decision for a whole step: a stored result under its key whose artifacts are all still
 * there and, for an operator with effects outside the store, whose effect it verifies.
 */
export async function findCached(
  store: RunStore,
  step: PreparedStep,
  env: StepEnv,
): Promise<{ outputs: Record<string, ArtifactRef>; reason: string } | { outputs?: undefined; reason: string }> {
  const hit = await store.getCache(step.key);
  if (!hit) return { reason: 'no stored result for this key' };
  if (!artifactsExist(hit)) return { reason: 'cache entry found but its artifacts are gone' };
  if (step.node.op.verifyCached && !(await step.node.op.verifyCached(step.config(), hit, { ...env, db: store.db })))
    return { reason: 'cache entry found but its effect outside the store is gone' };
  return { outputs: hit, reason: `cache hit (${step.key.slice(7, 19)})` };
}

/**
 * How an attempt ended. The executors record and schedule by this, nothing else.
 * (A 'waiting' outcome, a step parked until a condition holds, is added here: see
 * /work/coord/lifecycle-api.md.)
 */
export type AttemptOutcome =
  | { status: 'succeeded'; outputs: Record<string, ArtifactRef> }
  /** `stillRunning`: aborted, its operator ignored the signal and had not returned after the grace period. */
  | { status: 'failed'; error: unknown; message: string; cancelled: boolean; retryable: boolean; stillRunning?: boolean }
  /** Parked by its operator (ctx.wait) until a condition holds; `ran: false` when a re-check found it still parked without starting the operator. */
  | { status: 'waiting'; parked: StepParked; ran: boolean };

export interface RetryDecision {
  retry: boolean;
  /** When retrying: the backoff before the next attempt. */
  delayMs?: number;
}

export interface LifecycleOptions {
  engine: Engine;
  graph: PipelineGraph;
  runId: string;
  worker: string;
  /** `--from` and its downstream (forcedSteps). */
  forced: ReadonlySet<string>;
  noCache: boolean;
  resources: Record<string, unknown>;
  /** Whether events name the worker (distributed runs). */
  nameWorker?: boolean;
  /** Log lines and progress, besides the store (the in-process executor's display). */
  onLog?: (stepId: string, level: string, message: string) => void;
  onProgress?: (stepId: string, done: number, total?: number, message?: string) => void;
}

/**
 * The one step lifecycle (Kedro's Task, Dagster's execute_plan): cache decision, forced steps,
 * foreach split and gather, the attempt, the retry decision and the completion record. The
 * in-process executor and the distributed step runner only schedule steps and record what this
 * decides, each in its own store transaction.
 */
export class StepLifecycle {
  readonly env: StepEnv;

  constructor(readonly o: LifecycleOptions) {
    this.env = { pipelineDir: o.graph.dir, stateDir: o.engine.stateDir };
  }

  canUseCache(node: StepNode): boolean {
    return node.cache && !this.o.noCache && !this.o.forced.has(node.id);
  }

  /** Why a step that was not served from the cache ran. */
  whyRun(node: StepNode): string {
    return this.o.forced.has(node.id)
      ? 'forced by --from'
      : this.o.noCache
        ? 'cache disabled (--no-cache)'
        : !node.cache
          ? 'never cached (cache: false)'
          : 'no cache entry for its key';
  }

  inputsOf(
    node: StepNode,
    outputsOf: (stepId: string) => Record<string, ArtifactRef> | undefined,
  ): Record<string, ArtifactRef | undefined> {
    return stepInputs(node, outputsOf);
  }

  prepare(node: StepNode, inputs: Record<string, ArtifactRef | undefined>): Promise<PreparedStep> {
    return prepareStep(node, inputs, this.env);
  }

  /** The stored result this step may reuse, if the cache may be used for it. */
  async cached(step: PreparedStep): Promise<{ outputs: Record<string, ArtifactRef>; reason: string } | undefined> {
    if (!this.canUseCache(step.node)) return undefined;
    const found = await findCached(this.o.engine.store, step, this.env);
    return found.outputs ? { outputs: found.outputs, reason: found.reason } : undefined;
  }

  split(step: PreparedStep): Promise<PartitionTask[]> {
    return splitForeach(this.o.engine.artifacts, step.node, step.inputs, step.keyConfig);
  }

  /** Partitions whose key has a stored result (with its artifacts), by partition key. */
  async cachedPartitions(node: StepNode, parts: PartitionTask[]): Promise<Map<string, Record<string, ArtifactRef>>> {
    const out = new Map<string, Record<string, ArtifactRef>>();
    if (!this.canUseCache(node)) return out;
    const hits = await this.o.engine.store.getCacheMany(parts.map((p) => p.cacheKey));
    for (const p of parts) {
      const hit = hits.get(p.cacheKey);
      if (hit && artifactsExist(hit)) out.set(p.key, hit);
    }
    return out;
  }

  gather(node: StepNode, results: Record<string, ArtifactRef>[]): Promise<Record<string, ArtifactRef>> {
    return gatherPartitionOutputs(this.o.engine.artifacts, node, results);
  }

  /**
   * One attempt: resolves the config, runs the operator under its signal and timeout, checks its
   * outputs, and classifies a failure. Never throws: every ending is an AttemptOutcome.
   */
  async attempt(
    step: PreparedStep,
    a: {
      partition: string;
      attempt: number;
      inputs?: Record<string, ArtifactRef | undefined>;
      signal: AbortSignal;
      resources?: Record<string, unknown>;
    },
  ): Promise<AttemptOutcome> {
    const { node } = step;
    // A parked step continued (resume, a wake): if its wait is still open, it stays parked and its
    // operator is not started. Only later attempts of whole steps can have a wait to re-check.
    if (a.attempt > 1 && !a.partition) {
      const still = await stillParked(this.o.engine.database.db, this.o.runId, node.id, '');
      if (still)
        return { status: 'waiting', ran: false, parked: new StepParked(this.o.runId, node.id, '', still.waitingFor, still.wakeAt) };
    }
    let stillRunning = false;
    try {
      const outputs = await runStepAttempt({
        engine: this.o.engine,
        graph: this.o.graph,
        runId: this.o.runId,
        node,
        partition: a.partition,
        attempt: a.attempt,
        config: step.config(),
        inputs: a.inputs ?? step.inputs,
        signal: a.signal,
        resources: { ...this.o.resources, ...a.resources },
        logger: this.loggerFor(node.id, a.partition),
        progress: this.o.onProgress ? (done, total, message) => this.o.onProgress!(node.id, done, total, message) : undefined,
        onStillRunning: (graceMs, ended) => {
          stillRunning = true;
          this.eventStillRunning(node, a.partition, a.attempt, graceMs, ended);
        },
      });
      return { status: 'succeeded', outputs };
    } catch (err) {
      // An abort wins over whatever the operator threw while it was being torn down.
      const error = a.signal.aborted ? a.signal.reason : err;
      // An operator that asked to park its step (ctx.wait) is waiting, not failed. Not in a foreach
      // partition: a partition is one of many small jobs, and its step could not wait as a whole.
      if (error instanceof StepParked && !a.partition) return { status: 'waiting', parked: error, ran: true };
      const cancelled = error instanceof RunCancelledError;
      const message = redact(errorMessage(error)) + (stillRunning ? `; its operator ignored the abort and is still running` : '');
      return {
        status: 'failed',
        error,
        message,
        cancelled,
        retryable: !cancelled && isRetryable(error),
        ...(stillRunning ? { stillRunning } : {}),
      };
    }
  }

  /** Retry or not, after `retriesUsed` earlier retries of this step (takeovers and hand-backs do not count). */
  retryDecision(node: StepNode, outcome: Extract<AttemptOutcome, { status: 'failed' }>, retriesUsed: number): RetryDecision {
    if (!outcome.retryable || retriesUsed >= node.retry.limit) return { retry: false };
    return { retry: true, delayMs: backoffDelay(node.retry, retriesUsed + 1) };
  }

  /** The completion record of a step, partition or gather: what the store writes in one transaction. */
  completion(
    node: StepNode,
    c: {
      partition: string;
      attempt: number;
      outputs: Record<string, ArtifactRef>;
      key: string | null;
      cached: boolean;
      reason: string;
      startedAt: number;
      startRecorded?: boolean;
    },
  ): Completion {
    return {
      runId: this.o.runId,
      stepId: node.id,
      partition: c.partition,
      attempt: c.attempt,
      outputs: c.outputs,
      cacheKey: c.key,
      cached: c.cached,
      reason: c.reason,
      operator: node.op.type,
      writeCache: node.cache && !c.cached,
      startedAt: c.startedAt,
      startRecorded: c.startRecorded,
      worker: this.o.worker,
    };
  }

  // Events: the same lines whichever executor ran the step (distributed ones name the worker).
  private on(): string {
    return this.o.nameWorker ? ` on ${this.o.worker}` : '';
  }

  private fields(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { worker: this.o.worker, ...extra };
  }

  eventStarted(node: StepNode, partition: string, attempt: number): void {
    this.o.engine.store.event(
      this.o.runId,
      node.id,
      'info',
      'step.started',
      `step ${label(node, partition)} started (attempt ${attempt})${this.on()}`,
      this.fields({ attempt }),
    );
  }

  eventFannedOut(node: StepNode, partitions: number): void {
    this.o.engine.store.event(
      this.o.runId,
      node.id,
      'info',
      'step.started',
      `step ${node.id} fans out over ${partitions} partitions${this.on()}`,
      this.fields({ partitions }),
    );
  }

  eventCached(node: StepNode, reason: string): void {
    this.o.engine.store.event(this.o.runId, node.id, 'info', 'step.cached', `step ${node.id}: ${reason}`, this.fields());
  }

  eventSucceeded(node: StepNode, partition: string, startedAt: number, gathered?: string): void {
    const what = gathered ? `gathered ${gathered}` : `succeeded in ${formatMs(Date.now() - startedAt)}`;
    this.o.engine.store.event(
      this.o.runId,
      node.id,
      'info',
      'step.succeeded',
      `step ${label(node, partition)} ${what}${this.on()}`,
      this.fields(),
    );
  }

  eventFailed(
    node: StepNode,
    partition: string,
    attempt: number,
    outcome: Extract<AttemptOutcome, { status: 'failed' }>,
    decision: RetryDecision,
    handback = false,
  ): void {
    const what = handback ? '; handed back' : decision.retry ? `; retrying in ${decision.delayMs}ms` : '';
    const level = outcome.cancelled || handback ? 'warn' : 'error';
    this.o.engine.store.event(
      this.o.runId,
      node.id,
      level,
      'step.failed',
      `step ${label(node, partition)} attempt ${attempt} failed${this.on()}: ${outcome.message}${what}`,
      this.fields({ attempt, retryInMs: decision.delayMs }),
    );
  }

  /**
   * An aborted attempt whose operator ignored its signal: the step ends without it, and the record
   * says its work goes on (here, until it returns or the process exits), then when it returned.
   */
  private eventStillRunning(node: StepNode, partition: string, attempt: number, graceMs: number, ended: Promise<void>): void {
    const { store } = this.o.engine;
    const what = `step ${label(node, partition)} attempt ${attempt}`;
    const fields = this.fields({ attempt, pid: process.pid, ...(partition ? { partition } : {}) });
    const warning = `${what}: its operator ignored the abort and was still running ${formatMs(graceMs)} later (process ${process.pid}${this.on()}); the step ends without it, but its work and any effect outside the run store may go on until it returns or that process exits`;
    store.event(this.o.runId, node.id, 'warn', 'step.still-running', warning, fields);
    this.o.onLog?.(node.id, 'warn', redact(warning));
    const abortedAt = Date.now() - graceMs;
    void ended.then(() =>
      store.event(
        this.o.runId,
        node.id,
        'info',
        'step.stopped',
        `${what}: its operator returned ${formatMs(Date.now() - abortedAt)} after the abort; its result was not used`,
        fields,
      ),
    );
  }

  loggerFor(stepId: string, partition: string): StepLogger {
    const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
      this.o.engine.store.event(this.o.runId, stepId, level, 'log', message, {
        ...fields,
        ...(this.o.nameWorker ? { worker: this.o.worker } : {}),
        ...(partition ? { partition } : {}),
      });
      this.o.onLog?.(stepId, level, redact(message));
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }
}

function label(node: StepNode, partition: string): string {
  return partition ? `${node.id}[${partition}]` : node.id;
}
