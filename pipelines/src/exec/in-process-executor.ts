import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import type { Table } from 'apache-arrow';
import type { ArtifactStore } from '../artifact/artifact-store.js';
import { parquetToTable, tableToParquet } from '../artifact/table-io.js';
import type { ArtifactRef, StepLogger } from '../operator/operator-context.js';
import type { PipelineGraph, StepNode } from '../spec/compile-pipeline.js';
import { interpolate, readSecret, redact } from '../spec/interpolate.js';
import { parseOperatorConfig } from '../spec/operator-config.js';
import { backoffDelay } from '../spec/pipeline-spec.js';
import type { Completion, StepRow } from '../store/run-store.js';
import { cacheKeyOf } from './cache-key.js';
import type { Engine } from './engine.js';
import { errorMessage, formatMs, isRetryable, RunCancelledError, StepTimeoutError } from './errors.js';
import { executeTask, toInputArtifact } from './execute-task.js';
import { partitionTable } from './partition-table.js';
import { Semaphore } from './semaphore.js';

export type RunEvent =
  | { type: 'run-started'; runId: string; steps: string[]; resumed: boolean }
  | { type: 'step-started'; stepId: string; attempt: number; partitions?: number }
  | { type: 'step-progress'; stepId: string; done: number; total?: number; message?: string }
  | { type: 'step-finished'; stepId: string; cached: boolean; durationMs: number; reason: string }
  | { type: 'step-failed'; stepId: string; attempt: number; error: string; retryInMs?: number }
  | { type: 'step-skipped'; stepId: string; reason: string }
  | { type: 'log'; stepId: string; level: string; message: string }
  | { type: 'run-finished'; runId: string; status: string; error?: string };

export interface RunOptions {
  noCache?: boolean;
  /** Re-run these steps and everything downstream of them, cache or not. */
  from?: string[];
  concurrency?: number;
  signal?: AbortSignal;
  listener?: (event: RunEvent) => void;
  resources?: Record<string, unknown>;
  /** `--param` overrides as given, kept with the run so `resume` recompiles it the same way. */
  paramOverrides?: Record<string, string>;
  runId?: string;
  worker?: string;
}

export interface StepSummary {
  id: string;
  status: string;
  cached: boolean;
  attempts: number;
  durationMs: number | null;
  reason: string | null;
  error: string | null;
  partitions?: number;
  outputs: Record<string, { digest: string; kind: string; rows?: number; path: string }>;
  /** Lines an operator chose to report about its outputs (`meta.summary`), in output order. */
  summary?: string[];
}

export interface RunSummary {
  runId: string;
  pipeline: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  error?: string;
  durationMs: number;
  steps: StepSummary[];
}

/** How long an attempt runs before its start is written (see attemptLoop). */
const START_RECORD_DELAY_MS = 50;

export function newRunId(): string {
  const d = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `${d}-${randomBytes(3).toString('hex')}`;
}

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

class RunExecution {
  private readonly outputs = new Map<string, Record<string, ArtifactRef>>();
  private readonly forced = new Set<string>();
  private readonly slots: Semaphore;
  private readonly controller = new AbortController();
  private readonly worker: string;
  private failure: { stepId: string; error: unknown } | undefined;
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
    this.worker = options.worker ?? `${hostname()}:${process.pid}`;
    if (options.signal) {
      const onAbort = () => this.controller.abort(new RunCancelledError());
      if (options.signal.aborted) onAbort();
      else options.signal.addEventListener('abort', onAbort, { once: true });
    }
    for (const from of options.from ?? []) this.markForced(from);
  }

  private markForced(id: string): void {
    if (this.forced.has(id)) return;
    this.forced.add(id);
    for (const s of this.graph.steps.values()) if (s.deps.includes(id)) this.markForced(s.id);
  }

  private emit(event: RunEvent): void {
    this.options.listener?.(event);
  }

  async execute(resumed: boolean): Promise<RunSummary> {
    const { store } = this.engine;
    await store.setRunStatus(this.runId, 'running', { started_at: this.started });
    store.event(this.runId, null, 'info', 'run.started', resumed ? 'run resumed' : 'run started', { worker: this.worker });
    this.emit({ type: 'run-started', runId: this.runId, steps: [...this.graph.steps.keys()], resumed });

    const remaining = new Map([...this.graph.steps.values()].map((s) => [s.id, new Set(s.deps)]));
    const running = new Map<string, Promise<void>>();
    const skipped = new Set<string>();
    const launch = (id: string) => {
      remaining.delete(id);
      const p = this.runStep(this.graph.steps.get(id)!)
        .then((outs) => {
          this.outputs.set(id, outs);
          for (const deps of remaining.values()) deps.delete(id);
        })
        .catch((error) => {
          this.failure ??= { stepId: id, error };
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
    const writeError = await Promise.all(this.writes).then(() => undefined, (e: unknown) => e);
    if (writeError) this.failure ??= { stepId: 'run store', error: writeError };
    for (const id of remaining.keys()) {
      skipped.add(id);
      const reason = this.controller.signal.aborted ? 'run cancelled' : `upstream step "${this.failure?.stepId}" failed`;
      await store.setStepStatus(this.runId, id, this.controller.signal.aborted ? 'cancelled' : 'skipped', { reason });
      this.emit({ type: 'step-skipped', stepId: id, reason });
    }
    const cancelled = this.controller.signal.aborted;
    const status = cancelled ? 'cancelled' : this.failure ? 'failed' : 'succeeded';
    const error = this.failure ? `step "${this.failure.stepId}" failed: ${redact(errorMessage(this.failure.error))}` : cancelled ? 'run cancelled; resume it with `datanet resume ' + this.runId + '`' : undefined;
    await store.setRunStatus(this.runId, status, { finished_at: Date.now(), error: error ?? null });
    store.event(this.runId, null, status === 'succeeded' ? 'info' : 'error', 'run.finished', `run ${status}${error ? `: ${error}` : ''}`);
    await store.flushEvents();
    this.emit({ type: 'run-finished', runId: this.runId, status, error });
    return summarizeRun(this.engine, this.runId, this.graph.name, Date.now() - this.started, status, error, this.graph.layers.flat());
  }

  private inputsOf(node: StepNode): Record<string, ArtifactRef | undefined> {
    const inputs: Record<string, ArtifactRef | undefined> = {};
    for (const port of Object.keys(node.op.inputs ?? {})) {
      const wired = node.inputs[port];
      inputs[port] = wired ? this.outputs.get(wired.step)?.[wired.output] : undefined;
    }
    return inputs;
  }

  /** Queues a completion record; only steps with external effects wait for it before going on. */
  private async record(node: StepNode, c: Completion): Promise<void> {
    const write = this.engine.store.completeStep(c);
    write.catch(() => {});
    this.writes.push(write);
    if (node.op.cacheable === false) await write;
  }

  private canUseCache(node: StepNode): boolean {
    return node.cache && !this.options.noCache && !this.forced.has(node.id);
  }

  private async runStep(node: StepNode): Promise<Record<string, ArtifactRef>> {
    const inputs = this.inputsOf(node);
    const fingerprint = node.op.fingerprint ? await node.op.fingerprint(this.resolveConfig(node), { pipelineDir: this.graph.dir, stateDir: this.engine.stateDir }) : undefined;
    const key = cacheKeyOf(node, inputs, undefined, fingerprint);
    const done = await this.reuse(node, node.id, '', key);
    if (done) return done;
    if (node.spec.foreach) return this.runForeach(node, inputs, key);
    return this.slots.use(() => this.attemptLoop(node, '', inputs, key));
  }

  /** An earlier attempt of this run, or a cache entry, already has this step's outputs. */
  private async reuse(node: StepNode, stepId: string, partition: string, key: string): Promise<Record<string, ArtifactRef> | undefined> {
    const prev = this.previous.get(partition ? `${stepId}\0${partition}` : stepId);
    let outputs: Record<string, ArtifactRef> | undefined;
    let reason = '';
    if (prev?.status === 'succeeded' && prev.outputs && prev.cache_key === key && artifactsExist(prev.outputs)) {
      outputs = prev.outputs;
      reason = 'finished before the run was interrupted';
    } else if (this.canUseCache(node) && !partition) {
      const hit = await this.engine.store.getCache(key);
      const env = { pipelineDir: this.graph.dir, stateDir: this.engine.stateDir };
      if (hit && artifactsExist(hit) && (!node.op.verifyCached || (await node.op.verifyCached(this.resolveConfig(node), hit, env)))) {
        outputs = hit;
        reason = `cache hit (${key.slice(7, 19)})`;
      }
    }
    if (!outputs) return undefined;
    if (!partition) {
      const now = Date.now();
      await this.record(node, { runId: this.runId, stepId, partition, attempt: prev?.attempts ?? 0, outputs, cacheKey: key, cached: true, reason, operator: node.op.type, writeCache: false, startedAt: now });
      this.engine.store.event(this.runId, stepId, 'info', 'step.cached', `step ${stepId}: ${reason}`);
      this.emit({ type: 'step-finished', stepId, cached: true, durationMs: 0, reason });
    }
    return outputs;
  }

  private async attemptLoop(node: StepNode, partition: string, inputs: Record<string, ArtifactRef | undefined>, key: string, quiet = false): Promise<Record<string, ArtifactRef>> {
    const { store } = this.engine;
    const label = partition ? `${node.id}[${partition}]` : node.id;
    const prevAttempts = this.previous.get(partition ? `${node.id}\0${partition}` : node.id)?.attempts ?? 0;
    const config = this.resolveConfig(node);
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
          startWrite = store.startAttempt(this.runId, node.id, partition, attempt, this.worker, key);
          startWrite.catch(() => {});
        }, START_RECORD_DELAY_MS);
        store.event(this.runId, node.id, 'info', 'step.started', `step ${label} started (attempt ${attempt})`, { worker: this.worker });
        this.emit({ type: 'step-started', stepId: node.id, attempt });
      }
      try {
        const outputs = await this.runAttempt(node, partition, config, inputs, attempt);
        clearTimeout(startTimer);
        if (startWrite) await startWrite;
        if (!quiet) {
          const reason = this.forced.has(node.id) ? 'forced by --from' : this.options.noCache ? 'cache disabled (--no-cache)' : !node.cache ? 'never cached (cache: false)' : 'no cache entry for its key';
          await this.record(node, { runId: this.runId, stepId: node.id, partition, attempt, outputs, cacheKey: key, cached: false, reason, operator: node.op.type, writeCache: node.cache, startedAt, startRecorded: startWrite !== undefined, worker: this.worker });
          store.event(this.runId, node.id, 'info', 'step.succeeded', `step ${label} succeeded in ${formatMs(Date.now() - startedAt)}`);
          this.emit({ type: 'step-finished', stepId: node.id, cached: false, durationMs: Date.now() - startedAt, reason });
        }
        return outputs;
      } catch (err) {
        clearTimeout(startTimer);
        if (startWrite) await startWrite.catch(() => {});
        const cancelled = this.controller.signal.aborted;
        const retry = !cancelled && isRetryable(err) && n <= node.retry.limit;
        const message = redact(errorMessage(err));
        await store.failAttempt(this.runId, node.id, partition, attempt, message, !retry, startedAt, this.worker);
        if (cancelled) await store.setStepStatus(this.runId, node.id, 'cancelled', { reason: 'run cancelled' });
        const delay = retry ? backoffDelay(node.retry, n) : undefined;
        store.event(this.runId, node.id, 'error', 'step.failed', `step ${label} attempt ${attempt} failed: ${message}${retry ? `; retrying in ${delay}ms` : ''}`);
        this.emit({ type: 'step-failed', stepId: node.id, attempt, error: message, retryInMs: delay });
        if (!retry) throw cancelled ? this.controller.signal.reason : err;
        await sleep(delay, undefined, { signal: this.controller.signal }).catch(() => {});
      }
    }
  }

  private resolveConfig(node: StepNode): unknown {
    return resolveStepConfig(node);
  }

  private async runAttempt(node: StepNode, partition: string, config: unknown, inputs: Record<string, ArtifactRef | undefined>, attempt: number): Promise<Record<string, ArtifactRef>> {
    const ac = new AbortController();
    const onRunAbort = () => ac.abort(this.controller.signal.reason);
    this.controller.signal.addEventListener('abort', onRunAbort, { once: true });
    const timer = node.timeoutMs ? setTimeout(() => ac.abort(new StepTimeoutError(node.id, node.timeoutMs!)), node.timeoutMs) : undefined;
    const logger = this.loggerFor(node.id);
    try {
      const task = executeTask({
        op: node.op,
        config,
        inputs,
        store: this.engine.artifacts,
        db: this.engine.database.db,
        dialect: this.engine.database.dialect,
        resources: this.options.resources ?? {},
        logger,
        progress: (done, total, message) => this.emit({ type: 'step-progress', stepId: node.id, done, total, message }),
        signal: ac.signal,
        workDir: join(this.engine.stateDir, 'work', this.runId, partition ? `${node.id}-${partition.replace(/[^\w.-]/g, '_')}` : node.id, String(attempt)),
        run: { runId: this.runId, stepId: node.id, attempt, partition: partition || undefined, pipelineName: this.graph.name, params: this.graph.params, pipelineDir: this.graph.dir, stateDir: this.engine.stateDir },
        idempotencyKey: `${this.runId}:${node.id}${partition ? `:${partition}` : ''}`,
      });
      // An operator that ignores its signal must not hold the run: stop waiting on abort.
      const aborted = new Promise<never>((_, reject) => {
        if (ac.signal.aborted) reject(ac.signal.reason);
        ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true });
      });
      task.catch(() => {});
      return await Promise.race([task, aborted]);
    } finally {
      clearTimeout(timer);
      this.controller.signal.removeEventListener('abort', onRunAbort);
    }
  }

  private loggerFor(stepId: string): StepLogger {
    const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
      this.engine.store.event(this.runId, stepId, level, 'log', message, fields);
      this.emit({ type: 'log', stepId, level, message: redact(message) });
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }

  /** Fans a step out over the partitions of one input table, then gathers the outputs. */
  private async runForeach(node: StepNode, inputs: Record<string, ArtifactRef | undefined>, key: string): Promise<Record<string, ArtifactRef>> {
    const { store, artifacts } = this.engine;
    const fe = node.spec.foreach!;
    const startedAt = Date.now();
    const source = inputs[fe.input];
    if (!source) throw new Error(`step "${node.id}": foreach input "${fe.input}" has no artifact`);
    const parts = partitionTable(await toInputArtifact(source).readTable(), fe);
    await store.startAttempt(this.runId, node.id, '', 1, this.worker, key);
    this.emit({ type: 'step-started', stepId: node.id, attempt: 1, partitions: parts.length });
    store.event(this.runId, node.id, 'info', 'step.started', `step ${node.id} fans out over ${parts.length} partitions`);

    const partRefs = await Promise.all(parts.map(async (p) => artifacts.putBytes('table', await tableToParquet(p.table), { rows: p.table.numRows, partition: p.key })));
    const keys = parts.map((p, i) => cacheKeyOf(node, { ...inputs, [fe.input]: partRefs[i] }, p.key));
    const cached = this.canUseCache(node) ? await store.getCacheMany(keys) : new Map<string, Record<string, ArtifactRef>>();
    const results: Record<string, ArtifactRef>[] = new Array(parts.length);
    let finished = 0;
    let cachedCount = 0;
    const done = (partition: string, attempt: number, outputs: Record<string, ArtifactRef>, cached: boolean, startedAt: number, k: string) =>
      this.record(node, { runId: this.runId, stepId: node.id, partition, attempt, outputs, cacheKey: k, cached, reason: cached ? 'cached' : 'ran', operator: node.op.type, writeCache: node.cache, startedAt, startRecorded: false, worker: this.worker });
    try {
    await Promise.all(
      parts.map(async (p, i) => {
        const prev = this.previous.get(`${node.id}\0${p.key}`);
        const hit = prev?.status === 'succeeded' && prev.cache_key === keys[i] && prev.outputs && artifactsExist(prev.outputs) ? prev.outputs : cached.get(keys[i]);
        if (hit && artifactsExist(hit)) {
          results[i] = hit;
          cachedCount++;
          await done(p.key, prev?.attempts ?? 0, hit, true, Date.now(), keys[i]);
        } else {
          const t0 = Date.now();
          results[i] = await this.slots.use(() => this.attemptLoop(node, p.key, { ...inputs, [fe.input]: partRefs[i] }, keys[i], true));
          await done(p.key, (prev?.attempts ?? 0) + 1, results[i], false, t0, keys[i]);
        }
        this.emit({ type: 'step-progress', stepId: node.id, done: ++finished, total: parts.length, message: 'partitions' });
      }),
    );
    } catch (err) {
      await store.failAttempt(this.runId, node.id, '', 1, errorMessage(err), true, startedAt, this.worker);
      throw err;
    }
    const gathered = await this.gather(node, results);
    const reason = `${parts.length} partitions (${cachedCount} cached)`;
    await this.record(node, { runId: this.runId, stepId: node.id, partition: '', attempt: 1, outputs: gathered, cacheKey: key, cached: false, reason, operator: node.op.type, writeCache: node.cache, startedAt, worker: this.worker });
    this.emit({ type: 'step-finished', stepId: node.id, cached: false, durationMs: Date.now() - startedAt, reason });
    return gathered;
  }

  private gather(node: StepNode, results: Record<string, ArtifactRef>[]): Promise<Record<string, ArtifactRef>> {
    return gatherPartitionOutputs(this.engine.artifacts, node, results);
  }
}

/** A step's config with env and secret references filled in, parsed by its operator's schema. */
export function resolveStepConfig(node: StepNode): unknown {
  const missing: string[] = [];
  const resolved = interpolate(node.config, (ns, name) => {
    const v = ns === 'env' ? process.env[name] : ns === 'secrets' ? readSecret(name) : undefined;
    if (v === undefined) missing.push(ns === 'secrets' ? `secrets.${name} (set DATANET_SECRET_${name} or ${name})` : `env.${name}`);
    return v ?? '';
  });
  if (missing.length) throw Object.assign(new Error(`step "${node.id}": ${missing.join(', ')} not set in the environment`), { name: 'ConfigError' });
  return parseOperatorConfig(node.op, resolved);
}

/**
 * Gathers a foreach step's partition outputs, in partition order: tables are concatenated, other
 * kinds listed. Every executor gathers through this, so the same partitions give the same digests.
 */
export async function gatherPartitionOutputs(artifacts: ArtifactStore, node: StepNode, results: Record<string, ArtifactRef>[]): Promise<Record<string, ArtifactRef>> {
  const out: Record<string, ArtifactRef> = {};
  for (const [name, port] of Object.entries(node.op.outputs ?? {})) {
    const refs = results.map((r) => r[name]).filter(Boolean);
    if (port.kind === 'table') {
      const tables: Table[] = await Promise.all(refs.map(async (r) => parquetToTable(await readFile(r.path))));
      const nonEmpty = tables.filter((t) => t.numRows > 0);
      const merged = nonEmpty.length ? nonEmpty[0].concat(...nonEmpty.slice(1)) : tables[0];
      if (merged) out[name] = await artifacts.putBytes('table', await tableToParquet(merged), { rows: merged.numRows, partitions: refs.length });
    } else {
      const docs = await Promise.all(refs.map(async (r) => ({ partition: r.meta.partition, digest: r.digest, value: r.kind === 'report' ? JSON.parse(await readFile(r.path, 'utf8')) : r.path })));
      out[name] = await artifacts.putBytes(port.kind === 'report' ? 'report' : 'file', Buffer.from(JSON.stringify(docs, null, 2)), { partitions: refs.length, contentType: 'application/json' });
    }
  }
  return out;
}

export function artifactsExist(outputs: Record<string, ArtifactRef>): boolean {
  return Object.values(outputs).every((a) => existsSync(a.path));
}

function summaryOf(outputs: Record<string, ArtifactRef> | null): { summary?: string[] } {
  const lines = Object.values(outputs ?? {}).flatMap((o) => (Array.isArray(o.meta?.summary) ? (o.meta.summary as unknown[]).map(String) : []));
  return lines.length ? { summary: lines } : {};
}

/** A run's steps as recorded, in the pipeline's topological order when it is given. */
export async function summarizeRun(engine: Engine, runId: string, pipeline: string, durationMs: number, status: RunSummary['status'], error?: string, order?: string[]): Promise<RunSummary> {
  const rank = new Map((order ?? []).map((id, i) => [id, i]));
  const rows = (await engine.store.getSteps(runId)).sort((a, b) => (rank.get(a.step_id) ?? Infinity) - (rank.get(b.step_id) ?? Infinity) || (a.started_at ?? Infinity) - (b.started_at ?? Infinity) || a.step_id.localeCompare(b.step_id));
  const partitions = new Map<string, number>();
  for (const r of rows) if (r.partition) partitions.set(r.step_id, (partitions.get(r.step_id) ?? 0) + 1);
  const steps = rows
    .filter((r) => !r.partition)
    .map((r) => ({
      id: r.step_id,
      status: r.status,
      cached: r.cached,
      attempts: r.attempts,
      durationMs: r.duration_ms,
      reason: r.reason,
      error: r.error,
      ...(partitions.has(r.step_id) ? { partitions: partitions.get(r.step_id) } : {}),
      outputs: Object.fromEntries(Object.entries(r.outputs ?? {}).map(([k, v]) => [k, { digest: v.digest, kind: v.kind, path: v.path, ...(v.meta?.rows !== undefined ? { rows: v.meta.rows as number } : {}) }])),
      ...summaryOf(r.outputs),
    }));
  return { runId, pipeline, status, error, durationMs, steps };
}
