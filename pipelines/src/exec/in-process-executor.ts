import { readFile } from 'node:fs/promises';
import { hostname, availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ArtifactRef } from '../operator/operator-context.js';
import type { PipelineGraph, StepNode } from '../spec/compile-pipeline.js';
import { redact } from '../spec/interpolate.js';
import type { Completion, StepRow } from '../store/run-store.js';
import type { Engine } from './engine.js';
import { DatanetError, errorMessage, RunCancelledError } from './errors.js';
import { artifactsExist, gatherReason } from './foreach.js';
import { forcedSteps } from './forced-steps.js';
import { beatRun } from './run-holder.js';
import { summarizeRun, type RunSummary } from './run-summary.js';
import { newRunId, type RunEvent, type RunOptions } from './run-types.js';
import { Semaphore } from './semaphore.js';
import { StepLifecycle, type PreparedStep } from './step-lifecycle.js';
import { StepParked } from '../wait/step-parked.js';
import { markStepWaiting } from '../wait/wait-store.js';

export type { RunEvent, RunOptions } from './run-types.js';
export type { RunSummary } from './run-summary.js';
export { newRunId } from './run-types.js';

/** How long an attempt runs before its start is written (see attemptLoop). */
const START_RECORD_DELAY_MS = 50;

/** Starts a new run of a compiled pipeline and executes it in this process. */
export async function runPipeline(engine: Engine, graph: PipelineGraph, options: RunOptions = {}): Promise<RunSummary> {
  const runId = options.runId ?? newRunId();
  const specYaml = await readFile(graph.file, 'utf8');
  await engine.store.createRun(
    {
      id: runId,
      pipeline: graph.name,
      file: graph.file,
      spec_yaml: specYaml,
      params: graph.params,
      options: { noCache: !!options.noCache, from: options.from ?? [], paramOverrides: options.paramOverrides ?? {} },
      status: 'running',
      executor: 'in-process',
      created_at: Date.now(),
    },
    [...graph.steps.values()].map((s) => ({ step_id: s.id, pool: s.pool })),
  );
  return new RunExecution(engine, graph, runId, options, new Map()).execute(false);
}

/** Finishes an interrupted run: steps that finished are kept, the rest run (again) from their start. */
export async function resumeRunGraph(engine: Engine, graph: PipelineGraph, runId: string, options: RunOptions = {}): Promise<RunSummary> {
  const previous = new Map<string, StepRow>();
  for (const row of await engine.store.getSteps(runId)) previous.set(row.partition ? `${row.step_id}\0${row.partition}` : row.step_id, row);
  await engine.store.setRunStatus(runId, 'running', { error: null });
  return new RunExecution(engine, graph, runId, options, previous).execute(true);
}

/** Schedules one run's steps in this process; every step goes through the StepLifecycle. */
class RunExecution {
  private readonly outputs = new Map<string, Record<string, ArtifactRef>>();
  private readonly slots: Semaphore;
  private readonly controller = new AbortController();
  private readonly life: StepLifecycle;
  private failure: { stepId: string; error: unknown } | undefined;
  /** Steps parked by their operator (ctx.wait): their downstream waits with them. */
  private readonly parked = new Map<string, StepParked>();
  /** Completion records on their way to the store (group commit); awaited before the run ends. */
  private readonly writes: Promise<void>[] = [];
  private readonly started = Date.now();

  constructor(
    private readonly engine: Engine,
    private readonly graph: PipelineGraph,
    private readonly runId: string,
    private readonly options: RunOptions,
    private readonly previous: Map<string, StepRow>,
  ) {
    this.slots = new Semaphore(options.concurrency ?? Math.max(2, availableParallelism()));
    if (options.signal) {
      const onAbort = () => this.controller.abort(new RunCancelledError());
      if (options.signal.aborted) onAbort();
      else options.signal.addEventListener('abort', onAbort, { once: true });
    }
    this.life = new StepLifecycle({
      engine,
      graph,
      runId,
      worker: options.worker ?? `${hostname()}:${process.pid}`,
      forced: forcedSteps(graph, options.from ?? []),
      noCache: Boolean(options.noCache),
      resources: options.resources ?? {},
      onLog: (stepId, level, message) => this.emit({ type: 'log', stepId, level, message }),
      onProgress: (stepId, done, total, message) => this.emit({ type: 'step-progress', stepId, done, total, message }),
    });
  }

  private emit(event: RunEvent): void {
    this.options.listener?.(event);
  }

  async execute(resumed: boolean): Promise<RunSummary> {
    // The heartbeat tells other processes (`datanet cancel`) that this one still executes the run.
    const stop = beatRun(this.engine.store, this.runId);
    try {
      return await this.executeSteps(resumed);
    } finally {
      stop();
    }
  }

  private async executeSteps(resumed: boolean): Promise<RunSummary> {
    const { store } = this.engine;
    await store.setRunStatus(this.runId, 'running', { started_at: this.started });
    store.event(this.runId, null, 'info', 'run.started', resumed ? 'run resumed' : 'run started', { worker: this.life.o.worker });
    this.emit({ type: 'run-started', runId: this.runId, steps: [...this.graph.steps.keys()], resumed });

    const remaining = new Map([...this.graph.steps.values()].map((s) => [s.id, new Set(s.deps)]));
    const running = new Map<string, Promise<void>>();
    const launch = (id: string) => {
      remaining.delete(id);
      const p = this.runStep(this.graph.steps.get(id)!)
        .then((outs) => {
          this.outputs.set(id, outs);
          for (const deps of remaining.values()) deps.delete(id);
        })
        .catch((error) => {
          if (error instanceof StepParked) this.parked.set(id, error);
          else this.failure ??= { stepId: id, error };
        })
        .finally(() => running.delete(id));
      running.set(id, p);
    };
    for (;;) {
      if (!this.failure && !this.controller.signal.aborted) {
        for (const [id, deps] of [...remaining]) if (deps.size === 0) launch(id);
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
    // Every completion must be in the store before the run's status says it is over.
    const writeError = await Promise.all(this.writes).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (writeError) this.failure ??= { stepId: 'run store', error: writeError };
    const cancelled = this.controller.signal.aborted;
    // Only parked steps hold the run up: it is `waiting`, its blocked steps stay pending, and the
    // process may exit; `datanet resume` or a wake continues it.
    const waiting = !cancelled && !this.failure && this.parked.size > 0;
    for (const id of waiting ? [] : remaining.keys()) {
      const reason = cancelled ? 'run cancelled' : `upstream step "${this.failure?.stepId}" failed`;
      await store.setStepStatus(this.runId, id, cancelled ? 'cancelled' : 'skipped', { reason });
      this.emit({ type: 'step-skipped', stepId: id, reason });
    }
    const status = cancelled ? 'cancelled' : this.failure ? 'failed' : waiting ? 'waiting' : 'succeeded';
    const error = waiting
      ? [...this.parked.values()].map((p) => `step "${p.stepId}" waits for ${p.waitingFor}`).join('; ')
      : this.failure
        ? `step "${this.failure.stepId}" failed: ${redact(errorMessage(this.failure.error))}`
        : cancelled
          ? 'run cancelled; resume it with `datanet resume ' + this.runId + '`'
          : undefined;
    // The last event is in the store before the status says the run is over: a reader (a live
    // stream) that sees the status has every event of the run to read.
    store.event(
      this.runId,
      null,
      status === 'succeeded' || waiting ? 'info' : 'error',
      'run.finished',
      `run ${status}${error ? `: ${error}` : ''}`,
    );
    await store.flushEvents();
    await store.setRunStatus(this.runId, status, { ...(waiting ? {} : { finished_at: Date.now() }), error: error ?? null });
    this.emit({ type: 'run-finished', runId: this.runId, status, error });
    return summarizeRun(store, this.runId, this.graph.name, Date.now() - this.started, status, error, this.graph.layers.flat());
  }

  /** Queues a completion record; only steps with external effects wait for it before going on. */
  private async record(node: StepNode, c: Completion): Promise<void> {
    const write = this.engine.store.completeStep(c);
    write.catch(() => {});
    this.writes.push(write);
    if (node.op.cacheable === false) await write;
  }

  private async runStep(node: StepNode): Promise<Record<string, ArtifactRef>> {
    const step = await this.life.prepare(
      node,
      this.life.inputsOf(node, (id) => this.outputs.get(id)),
    );
    const reused = await this.reuse(step);
    if (reused) return reused;
    if (node.spec.foreach) return this.runForeach(step);
    return (await this.slots.use(() => this.attemptLoop(step, ''))).outputs;
  }

  /** An earlier attempt of this run (resume), or the cache, already has this step's outputs. */
  private async reuse(step: PreparedStep): Promise<Record<string, ArtifactRef> | undefined> {
    const { node, key } = step;
    const prev = this.previous.get(node.id);
    let found: { outputs: Record<string, ArtifactRef>; reason: string } | undefined;
    if (prev?.status === 'succeeded' && prev.outputs && prev.cache_key === key && artifactsExist(prev.outputs))
      found = { outputs: prev.outputs, reason: 'finished before the run was interrupted' };
    else found = await this.life.cached(step);
    if (!found) return undefined;
    await this.record(
      node,
      this.life.completion(node, {
        partition: '',
        attempt: prev?.attempts ?? 0,
        outputs: found.outputs,
        key,
        cached: true,
        reason: found.reason,
        startedAt: Date.now(),
      }),
    );
    this.life.eventCached(node, found.reason);
    this.emit({ type: 'step-finished', stepId: node.id, cached: true, durationMs: 0, reason: found.reason });
    return found.outputs;
  }

  /**
   * Attempts until one succeeds or the retry policy gives up. `quiet` (a partition): the caller
   * records the completion (with the attempt that succeeded), and no per-attempt start is written.
   */
  private async attemptLoop(
    step: PreparedStep,
    partition: string,
    inputs = step.inputs,
    key = step.key,
    quiet = false,
  ): Promise<{ outputs: Record<string, ArtifactRef>; attempt: number; startedAt: number }> {
    const { store } = this.engine;
    const { node } = step;
    const prevAttempts = this.previous.get(partition ? `${node.id}\0${partition}` : node.id)?.attempts ?? 0;
    for (let n = 1; ; n++) {
      const attempt = prevAttempts + n;
      this.controller.signal.throwIfAborted();
      const startedAt = Date.now();
      // The start of an attempt is written only if it lasts more than a moment: a fast step gets
      // one transaction (start and finish together), which is most of the engine's overhead.
      let startWrite: Promise<void> | undefined;
      let startTimer: NodeJS.Timeout | undefined;
      if (!quiet) {
        startTimer = setTimeout(() => {
          startWrite = store.startAttempt(this.runId, node.id, partition, attempt, this.life.o.worker, key);
          startWrite.catch(() => {});
        }, START_RECORD_DELAY_MS);
        this.life.eventStarted(node, partition, attempt);
        this.emit({ type: 'step-started', stepId: node.id, attempt });
      }
      const outcome = await this.life.attempt(step, { partition, attempt, inputs, signal: this.controller.signal });
      clearTimeout(startTimer);
      if (startWrite) await startWrite.catch(() => {});
      if (outcome.status === 'succeeded') {
        if (!quiet) {
          const reason = this.life.whyRun(node);
          await this.record(
            node,
            this.life.completion(node, {
              partition,
              attempt,
              outputs: outcome.outputs,
              key,
              cached: false,
              reason,
              startedAt,
              startRecorded: startWrite !== undefined,
            }),
          );
          this.life.eventSucceeded(node, partition, startedAt);
          this.emit({ type: 'step-finished', stepId: node.id, cached: false, durationMs: Date.now() - startedAt, reason });
        }
        return { outputs: outcome.outputs, attempt, startedAt };
      }
      if (outcome.status === 'waiting') {
        // Parked: recorded `waiting` (after the attempt's own start record), nothing retried.
        const reason = `waiting for ${outcome.parked.waitingFor}`;
        await store.drain();
        await markStepWaiting(this.engine.database.db, {
          runId: this.runId,
          stepId: node.id,
          attempt,
          reason,
          ran: outcome.ran,
          worker: this.life.o.worker,
          startedAt,
        });
        store.event(this.runId, node.id, 'info', 'step.waiting', `step ${node.id} ${reason}`, { attempt, wakeAt: outcome.parked.wakeAt });
        this.emit({ type: 'log', stepId: node.id, level: 'info', message: reason });
        throw outcome.parked;
      }
      const decision = this.life.retryDecision(node, outcome, n - 1);
      await store.failAttempt(this.runId, node.id, partition, attempt, outcome.message, !decision.retry, startedAt, this.life.o.worker);
      if (outcome.cancelled)
        await store.setStepStatus(this.runId, node.id, 'cancelled', {
          reason: outcome.stillRunning ? 'run cancelled; its operator ignored the abort and is still running' : 'run cancelled',
        });
      this.life.eventFailed(node, partition, attempt, outcome, decision);
      this.emit({ type: 'step-failed', stepId: node.id, attempt, error: outcome.message, retryInMs: decision.delayMs });
      // An operator still running after the abort is named in the run's error too.
      if (!decision.retry) throw outcome.stillRunning ? new DatanetError(outcome.message, { cause: outcome.error }) : outcome.error;
      await sleep(decision.delayMs, undefined, { signal: this.controller.signal }).catch(() => {});
    }
  }

  /** Fans a step out over the partitions of one input table, then gathers the outputs. */
  private async runForeach(step: PreparedStep): Promise<Record<string, ArtifactRef>> {
    const { store } = this.engine;
    const { node } = step;
    const fe = node.spec.foreach!;
    const startedAt = Date.now();
    const parts = await this.life.split(step);
    await store.startAttempt(this.runId, node.id, '', 1, this.life.o.worker, step.key);
    this.emit({ type: 'step-started', stepId: node.id, attempt: 1, partitions: parts.length });
    this.life.eventFannedOut(node, parts.length);
    const cached = await this.life.cachedPartitions(node, parts);
    const results: Record<string, ArtifactRef>[] = new Array(parts.length);
    let finished = 0;
    let cachedCount = 0;
    const done = (partition: string, attempt: number, outputs: Record<string, ArtifactRef>, hit: boolean, t0: number, key: string) =>
      this.record(
        node,
        this.life.completion(node, {
          partition,
          attempt,
          outputs,
          key,
          cached: hit,
          reason: hit ? 'cached' : 'ran',
          startedAt: t0,
          startRecorded: false,
        }),
      );
    try {
      await Promise.all(
        parts.map(async (p, i) => {
          const prev = this.previous.get(`${node.id}\0${p.key}`);
          const hit =
            prev?.status === 'succeeded' && prev.cache_key === p.cacheKey && prev.outputs && artifactsExist(prev.outputs)
              ? prev.outputs
              : cached.get(p.key);
          if (hit) {
            results[i] = hit;
            cachedCount++;
            await done(p.key, prev?.attempts ?? 0, hit, true, Date.now(), p.cacheKey);
          } else {
            // Recorded as the attempt that succeeded (after any retries), started when it started.
            const ran = await this.slots.use(() =>
              this.attemptLoop(step, p.key, { ...step.inputs, [fe.input]: p.input }, p.cacheKey, true),
            );
            results[i] = ran.outputs;
            await done(p.key, ran.attempt, ran.outputs, false, ran.startedAt, p.cacheKey);
          }
          this.emit({ type: 'step-progress', stepId: node.id, done: ++finished, total: parts.length, message: 'partitions' });
        }),
      );
    } catch (err) {
      await store.failAttempt(this.runId, node.id, '', 1, errorMessage(err), true, startedAt, this.life.o.worker);
      throw err;
    }
    const gathered = await this.life.gather(node, results);
    const reason = gatherReason(parts.length, cachedCount);
    await this.record(
      node,
      this.life.completion(node, { partition: '', attempt: 1, outputs: gathered, key: step.key, cached: false, reason, startedAt }),
    );
    this.emit({ type: 'step-finished', stepId: node.id, cached: false, durationMs: Date.now() - startedAt, reason });
    return gathered;
  }
}
