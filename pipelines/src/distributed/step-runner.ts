import { join } from 'node:path';
import { toInputArtifact, executeTask } from '../exec/execute-task.js';
import type { Engine } from '../exec/engine.js';
import { cacheKeyOf } from '../exec/cache-key.js';
import { errorMessage, formatMs, isRetryable, RunCancelledError, StepTimeoutError } from '../exec/errors.js';
import { artifactsExist, gatherPartitionOutputs, resolveStepConfig } from '../exec/in-process-executor.js';
import { partitionTable } from '../exec/partition-table.js';
import { tableToParquet } from '../artifact/table-io.js';
import type { ArtifactRef, StepLogger } from '../operator/operator-context.js';
import type { StepNode } from '../spec/compile-pipeline.js';
import { backoffDelay } from '../spec/pipeline-spec.js';
import { failStep } from './dag-recovery.js';
import type { ClaimedStep, ClaimRequest, DagStore, OutboxRow, PartitionCompletion } from './dag-store.js';
import { GroupCommit } from './group-commit.js';
import type { WorkerMetrics } from './worker-metrics.js';
import type { DistributedSettings, StepJob } from './distributed-config.js';
import type { JobTransport } from './job-transport.js';
import type { RunGraphs, RunPlan } from './run-graphs.js';

/** The worker lost the step: its lease expired and another attempt owns it now. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** The worker is shutting down and gives the step back; the next attempt is not a retry. */
export class WorkerShutdownError extends Error {
  override name = 'WorkerShutdownError';
}

export interface StepRunnerOptions {
  engine: Engine;
  dag: DagStore;
  transport: JobTransport;
  graphs: RunGraphs;
  settings: DistributedSettings;
  worker: string;
  resources: Record<string, unknown>;
  metrics?: WorkerMetrics;
}

/**
 * Runs one job on a worker: claims the step in PostgreSQL, executes it against the shared artifact
 * store while renewing its lease, and commits the outcome with the jobs it makes ready.
 */
export class StepRunner {
  /** Jobs in progress, so a shutdown can abort and hand them back. */
  readonly active = new Map<string, AbortController>();
  /** Jobs claimed and partitions finished at the same moment share one transaction each. */
  private readonly claims: GroupCommit<ClaimRequest, ClaimedStep | undefined>;
  private readonly partitionsDone: GroupCommit<PartitionCompletion, OutboxRow[] | undefined>;
  private readonly depOutputs: GroupCommit<{ runId: string; stepIds: string[] }, Map<string, Record<string, ArtifactRef>>>;

  constructor(private readonly o: StepRunnerOptions) {
    const linger = () => (this.active.size > 1 ? o.settings.commitLingerMs : 0);
    this.claims = new GroupCommit((reqs) => o.dag.claimMany(reqs), linger);
    this.partitionsDone = new GroupCommit((items) => o.dag.completePartitions(items), linger);
    this.depOutputs = new GroupCommit((reqs) => o.dag.stepOutputsMany(reqs), linger);
    if (o.metrics) {
      const size = o.metrics.batchSize;
      this.claims.onBatch = (n) => size.observe({ kind: 'claim' }, n);
      this.partitionsDone.onBatch = (n) => size.observe({ kind: 'partition-complete' }, n);
    }
  }

  /** Returns what happened, for logs and tests: `ran`, `duplicate` (nothing done) or `lost`. */
  async handle(job: StepJob, jobId: string, extraResources: Record<string, unknown> = {}): Promise<'ran' | 'duplicate' | 'lost'> {
    const { dag, settings } = this.o;
    const claim = await this.claims.add({ job, jobId, worker: this.o.worker, leaseMs: settings.leaseMs });
    if (!claim) return 'duplicate';
    const ac = new AbortController();
    this.active.set(jobId, ac);
    const beat = setInterval(() => {
      dag.heartbeat(job, jobId, settings.leaseMs).then(
        (state) => {
          if (state === 'lost') ac.abort(new LeaseLostError(`lost the lease of ${jobId}`));
          else if (state === 'cancelled') ac.abort(new RunCancelledError());
        },
        () => {}, // PostgreSQL away for a moment: the lease is long enough for the next beat
      );
    }, settings.heartbeatMs);
    let plan: RunPlan | undefined;
    try {
      plan = await this.o.graphs.get(job.runId);
      const node = plan.graph.steps.get(job.stepId);
      if (!node) throw Object.assign(new Error(`run ${job.runId} has no step "${job.stepId}"`), { name: 'ConfigError' });
      let sends: OutboxRow[] | undefined;
      if (job.kind === 'gather') sends = await this.gather(job, jobId, plan, node, claim);
      else if (job.partition) sends = await this.runPartition(job, jobId, plan, node, claim, ac.signal, extraResources);
      else sends = await this.runWhole(job, jobId, plan, node, claim, ac.signal, extraResources);
      if (!sends) return 'lost';
      await this.o.transport.send(sends).catch(() => {}); // the sweeper sends what this could not
      return 'ran';
    } catch (err) {
      const reason = ac.signal.aborted ? ac.signal.reason : err;
      if (reason instanceof LeaseLostError) return 'lost';
      await this.failed(job, jobId, plan?.graph.steps.get(job.stepId), claim, reason);
      return 'ran';
    } finally {
      clearInterval(beat);
      this.active.delete(jobId);
    }
  }

  private async failed(job: StepJob, jobId: string, node: StepNode | undefined, claim: ClaimedStep, err: unknown): Promise<void> {
    const { engine, worker } = this.o;
    const message = errorMessage(err);
    const label = job.partition ? `${job.stepId}[${job.partition}]` : job.stepId;
    const cancelled = err instanceof RunCancelledError;
    const handback = err instanceof WorkerShutdownError;
    const retriesUsed = claim.attempt - 1 - claim.takeovers;
    const retry = !cancelled && !handback && node !== undefined && isRetryable(err) && retriesUsed < node.retry.limit;
    const retryInMs = retry ? backoffDelay(node!.retry, retriesUsed + 1) : undefined;
    const sends = await failStep(this.o.dag, job, jobId, { message, worker, startedAt: claim.startedAt, retryInMs, handback, cancelled });
    const what = handback ? '; handed back' : retry ? `; retrying in ${retryInMs}ms` : '';
    engine.store.event(job.runId, job.stepId, cancelled || handback ? 'warn' : 'error', 'step.failed', `step ${label} attempt ${job.attempt} failed on ${worker}: ${message}${what}`, { worker, attempt: job.attempt, retryInMs });
    if (sends?.length) await this.o.transport.send(sends).catch(() => {});
  }

  private async inputsOf(plan: RunPlan, node: StepNode): Promise<Record<string, ArtifactRef | undefined>> {
    const outs = await this.depOutputs.add({ runId: plan.run.id, stepIds: node.deps });
    const inputs: Record<string, ArtifactRef | undefined> = {};
    for (const port of Object.keys(node.op.inputs ?? {})) {
      const wired = node.inputs[port];
      inputs[port] = wired ? outs.get(wired.step)?.[wired.output] : undefined;
    }
    return inputs;
  }

  private canUseCache(plan: RunPlan, node: StepNode): boolean {
    return node.cache && !plan.noCache && !plan.forced.has(node.id);
  }

  private env(plan: RunPlan) {
    return { pipelineDir: plan.graph.dir, stateDir: this.o.engine.stateDir };
  }

  private async runWhole(job: StepJob, jobId: string, plan: RunPlan, node: StepNode, claim: ClaimedStep, signal: AbortSignal, extra: Record<string, unknown>): Promise<OutboxRow[] | undefined> {
    const { engine, worker } = this.o;
    const inputs = await this.inputsOf(plan, node);
    const config = resolveStepConfig(node);
    const fingerprint = node.op.fingerprint ? await node.op.fingerprint(config, this.env(plan)) : undefined;
    const key = cacheKeyOf(node, inputs, undefined, fingerprint);
    const base = {
      runId: job.runId,
      stepId: job.stepId,
      partition: '',
      attempt: job.attempt,
      cacheKey: key,
      operator: node.op.type,
      startedAt: claim.startedAt,
      startRecorded: true,
      worker,
    };
    if (this.canUseCache(plan, node)) {
      const hit = await engine.store.getCache(key);
      if (hit && artifactsExist(hit) && (!node.op.verifyCached || (await node.op.verifyCached(config, hit, this.env(plan))))) {
        const reason = `cache hit (${key.slice(7, 19)})`;
        engine.store.event(job.runId, job.stepId, 'info', 'step.cached', `step ${job.stepId}: ${reason}`, { worker });
        return this.o.dag.complete(job, jobId, { ...base, outputs: hit, cached: true, reason, writeCache: false }, plan.graph);
      }
    }
    if (node.spec.foreach) return this.fanOut(job, jobId, plan, node, inputs, key);
    engine.store.event(job.runId, job.stepId, 'info', 'step.started', `step ${job.stepId} started (attempt ${job.attempt}) on ${worker}`, {
      worker,
      attempt: job.attempt,
    });
    const outputs = await this.execute(plan, node, '', config, inputs, job.attempt, signal, extra);
    const reason = plan.forced.has(node.id) ? 'forced by --from' : plan.noCache ? 'cache disabled (--no-cache)' : !node.cache ? 'never cached (cache: false)' : 'no cache entry for its key';
    const sends = await this.o.dag.complete(job, jobId, { ...base, outputs, cached: false, reason, writeCache: node.cache }, plan.graph);
    if (sends) engine.store.event(job.runId, job.stepId, 'info', 'step.succeeded', `step ${job.stepId} succeeded in ${formatMs(Date.now() - claim.startedAt)} on ${worker}`, { worker });
    return sends;
  }

  /** Splits the foreach input (as the in-process executor does, so keys and digests match) and queues the partitions. */
  private async fanOut(job: StepJob, jobId: string, plan: RunPlan, node: StepNode, inputs: Record<string, ArtifactRef | undefined>, key: string): Promise<OutboxRow[] | undefined> {
    const { engine } = this.o;
    const fe = node.spec.foreach!;
    const source = inputs[fe.input];
    if (!source) throw new Error(`step "${node.id}": foreach input "${fe.input}" has no artifact`);
    const parts = partitionTable(await toInputArtifact(source).readTable(), fe);
    const refs: ArtifactRef[] = new Array(parts.length);
    for (let i = 0; i < parts.length; i += 256) {
      await Promise.all(
        parts.slice(i, i + 256).map(
          async (p, j) =>
            (refs[i + j] = await engine.artifacts.putBytes('table', await tableToParquet(p.table), {
              rows: p.table.numRows,
              partition: p.key,
            })),
        ),
      );
    }
    const keys = parts.map((p, i) => cacheKeyOf(node, { ...inputs, [fe.input]: refs[i] }, p.key));
    const cached = this.canUseCache(plan, node) ? await engine.store.getCacheMany(keys) : new Map<string, Record<string, ArtifactRef>>();
    const rows = parts.map((p, i) => {
      const hit = cached.get(keys[i]);
      return { key: p.key, index: i, input: refs[i], cacheKey: keys[i], cached: hit && artifactsExist(hit) ? hit : undefined };
    });
    engine.store.event(job.runId, job.stepId, 'info', 'step.started', `step ${node.id} fans out over ${parts.length} partitions on ${this.o.worker}`, { worker: this.o.worker, partitions: parts.length });
    return this.o.dag.fanOut(job, jobId, node, key, rows, this.o.settings.partitionWindow);
  }

  private async runPartition(job: StepJob, jobId: string, plan: RunPlan, node: StepNode, claim: ClaimedStep, signal: AbortSignal, extra: Record<string, unknown>): Promise<OutboxRow[] | undefined> {
    if (!claim.task) throw new Error(`partition ${job.partition} of step "${job.stepId}" has no recorded input`);
    const inputs = { ...(await this.inputsOf(plan, node)), [node.spec.foreach!.input]: claim.task.input };
    const outputs = await this.execute(plan, node, job.partition, resolveStepConfig(node), inputs, job.attempt, signal, extra);
    const completion = {
      runId: job.runId,
      stepId: job.stepId,
      partition: job.partition,
      attempt: job.attempt,
      outputs,
      cacheKey: claim.cacheKey,
      cached: false,
      reason: 'ran',
      operator: node.op.type,
      writeCache: node.cache,
      startedAt: claim.startedAt,
      startRecorded: false,
      worker: this.o.worker,
    };
    return this.partitionsDone.add({ job, jobId, completion, pool: node.pool });
  }

  private async gather(job: StepJob, jobId: string, plan: RunPlan, node: StepNode, claim: ClaimedStep): Promise<OutboxRow[] | undefined> {
    const parts = await this.o.dag.partitionOutputs(job.runId, job.stepId);
    const outputs = await gatherPartitionOutputs(
      this.o.engine.artifacts,
      node,
      parts.map((p) => p.outputs),
    );
    const reason = `${parts.length} partitions (${parts.filter((p) => p.cached).length} cached)`;
    const sends = await this.o.dag.complete(
      job,
      jobId,
      {
        runId: job.runId,
        stepId: job.stepId,
        partition: '',
        attempt: job.attempt,
        outputs,
        cacheKey: claim.cacheKey,
        cached: false,
        reason,
        operator: node.op.type,
        writeCache: node.cache,
        startedAt: claim.startedAt,
        startRecorded: true,
        worker: this.o.worker,
      },
      plan.graph,
    );
    if (sends) this.o.engine.store.event(job.runId, job.stepId, 'info', 'step.succeeded', `step ${job.stepId} gathered ${reason} on ${this.o.worker}`, { worker: this.o.worker });
    return sends;
  }

  private async execute(plan: RunPlan, node: StepNode, partition: string, config: unknown, inputs: Record<string, ArtifactRef | undefined>, attempt: number, signal: AbortSignal, extra: Record<string, unknown>): Promise<Record<string, ArtifactRef>> {
    const { engine } = this.o;
    const ac = new AbortController();
    const onAbort = () => ac.abort(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = node.timeoutMs ? setTimeout(() => ac.abort(new StepTimeoutError(node.id, node.timeoutMs!)), node.timeoutMs) : undefined;
    const runId = plan.run.id;
    try {
      const task = executeTask({
        op: node.op,
        config,
        inputs,
        store: engine.artifacts,
        db: engine.database.db,
        dialect: engine.database.dialect,
        resources: { ...this.o.resources, ...extra },
        logger: this.loggerFor(runId, node.id, partition),
        signal: ac.signal,
        workDir: join(engine.stateDir, 'work', runId, partition ? `${node.id}-${partition.replace(/[^\w.-]/g, '_')}` : node.id, String(attempt)),
        run: {
          runId,
          stepId: node.id,
          attempt,
          partition: partition || undefined,
          pipelineName: plan.graph.name,
          params: plan.graph.params,
          pipelineDir: plan.graph.dir,
          stateDir: engine.stateDir,
        },
        idempotencyKey: `${runId}:${node.id}${partition ? `:${partition}` : ''}`,
      });
      // An operator that ignores its signal must not hold the worker: stop waiting on abort.
      const aborted = new Promise<never>((_, reject) => {
        if (ac.signal.aborted) reject(ac.signal.reason);
        ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true });
      });
      task.catch(() => {});
      return await Promise.race([task, aborted]);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private loggerFor(runId: string, stepId: string, partition: string): StepLogger {
    const worker = this.o.worker;
    const log = (level: string) => (message: string, fields?: Record<string, unknown>) => this.o.engine.store.event(runId, stepId, level, 'log', message, { ...fields, worker, ...(partition ? { partition } : {}) });
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }
}
