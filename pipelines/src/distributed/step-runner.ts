import type { Engine } from '../exec/engine.js';
import { DatanetError, NonRetryableError, RunCancelledError } from '../exec/errors.js';
import { gatherReason } from '../exec/foreach.js';
import { StepLifecycle, type AttemptOutcome, type PreparedStep } from '../exec/step-lifecycle.js';
import type { ArtifactRef } from '../operator/operator-context.js';
import type { StepNode } from '../spec/compile-pipeline.js';
import { redact } from '../spec/interpolate.js';
import { failStep } from './dag-recovery.js';
import type { ClaimedStep, ClaimRequest, DagStore, OutboxRow, PartitionCompletion } from './dag-store.js';
import { GroupCommit } from './group-commit.js';
import type { WorkerMetrics } from './worker-metrics.js';
import type { DistributedSettings, StepJob } from './distributed-config.js';
import type { JobTransport } from './job-transport.js';
import type { RunGraphs, RunPlan } from './run-graphs.js';
import { parkDistributedStep } from '../wait/settle-waiting-run.js';

/** The worker lost the step: its lease expired and another attempt owns it now. */
export class LeaseLostError extends DatanetError {
  override name = 'LeaseLostError';
}

/** The worker is shutting down and gives the step back; the next attempt is not a retry. */
export class WorkerShutdownError extends DatanetError {
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

type Failed = Extract<AttemptOutcome, { status: 'failed' }>;

/**
 * Runs one job on a worker: claims the step in PostgreSQL, runs it through the StepLifecycle
 * while renewing its lease, and commits the outcome with the jobs it makes ready.
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

  private lifecycle(plan: RunPlan, extra: Record<string, unknown>): StepLifecycle {
    return new StepLifecycle({
      engine: this.o.engine,
      graph: plan.graph,
      runId: plan.run.id,
      worker: this.o.worker,
      forced: plan.forced,
      noCache: plan.noCache,
      resources: { ...this.o.resources, ...extra },
      nameWorker: true,
    });
  }

  /** Returns what happened, for logs and tests: `ran`, `duplicate` (nothing done) or `lost`. */
  async handle(job: StepJob, jobId: string, extraResources: Record<string, unknown> = {}): Promise<'ran' | 'duplicate' | 'lost'> {
    const { dag, settings } = this.o;
    // The run's graph is compiled (plugins loaded: CPU work on this thread) before the claim starts
    // the lease clock, so a first job of a run cannot lose its lease while the worker compiles.
    const loaded = await this.o.graphs.get(job.runId).then(
      (plan) => ({ plan }),
      (error: unknown) => ({ error }),
    );
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
    let life: StepLifecycle | undefined;
    try {
      if ('error' in loaded) throw loaded.error;
      plan = loaded.plan;
      life = this.lifecycle(plan, extraResources);
      const node = plan.graph.steps.get(job.stepId);
      if (!node) throw new NonRetryableError(`run ${job.runId} has no step "${job.stepId}"`);
      let sends: OutboxRow[] | undefined;
      if (job.kind === 'gather') sends = await this.gather(life, job, jobId, plan, node, claim);
      else if (job.partition) sends = await this.runPartition(life, job, jobId, plan, node, claim, ac.signal);
      else sends = await this.runWhole(life, job, jobId, plan, node, claim, ac.signal);
      if (!sends) return 'lost';
      await this.o.transport.send(sends).catch(() => {}); // the sweeper sends what this could not
      return 'ran';
    } catch (err) {
      // Work around the attempt (inputs, split, gather, the store) failed: classified as an attempt is.
      const error = ac.signal.aborted ? ac.signal.reason : err;
      return this.settle(life, job, jobId, plan?.graph.steps.get(job.stepId), claim, failedOutcome(error));
    } finally {
      clearInterval(beat);
      this.active.delete(jobId);
    }
  }

  /** Records a failed attempt and what follows it (retry, hand-back, or the end of the step). */
  private async settle(
    life: StepLifecycle | undefined,
    job: StepJob,
    jobId: string,
    node: StepNode | undefined,
    claim: ClaimedStep,
    outcome: Failed,
  ): Promise<'ran' | 'lost'> {
    if (outcome.error instanceof LeaseLostError) return 'lost';
    const handback = outcome.error instanceof WorkerShutdownError;
    const retriesUsed = claim.attempt - 1 - claim.takeovers;
    const decision = life && node && !handback ? life.retryDecision(node, outcome, retriesUsed) : { retry: false };
    // The event is in the store before the step's status changes (and with it, perhaps, the run's):
    // a reader that sees the step or the run over (a live stream) finds its step.failed there.
    if (life && node) life.eventFailed(node, job.partition, job.attempt, outcome, decision, handback);
    else
      this.o.engine.store.event(
        job.runId,
        job.stepId,
        'error',
        'step.failed',
        `step ${job.stepId} attempt ${job.attempt} failed on ${this.o.worker}: ${outcome.message}`,
        { worker: this.o.worker },
      );
    await this.o.engine.store.flushEvents().catch(() => {}); // the step's end matters more than its event
    const sends = await failStep(this.o.dag, job, jobId, {
      message: outcome.message,
      worker: this.o.worker,
      startedAt: claim.startedAt,
      retryInMs: decision.delayMs,
      handback,
      cancelled: outcome.cancelled,
    });
    if (sends?.length) await this.o.transport.send(sends).catch(() => {});
    return 'ran';
  }

  private async prepare(life: StepLifecycle, plan: RunPlan, node: StepNode): Promise<PreparedStep> {
    const outs = await this.depOutputs.add({ runId: plan.run.id, stepIds: node.deps });
    return life.prepare(
      node,
      life.inputsOf(node, (id) => outs.get(id)),
    );
  }

  private async runWhole(
    life: StepLifecycle,
    job: StepJob,
    jobId: string,
    plan: RunPlan,
    node: StepNode,
    claim: ClaimedStep,
    signal: AbortSignal,
  ): Promise<OutboxRow[] | undefined> {
    const step = await this.prepare(life, plan, node);
    const hit = await life.cached(step);
    if (hit) {
      life.eventCached(node, hit.reason);
      return this.completeWhole(life, job, jobId, plan, node, claim, {
        outputs: hit.outputs,
        key: step.key,
        cached: true,
        reason: hit.reason,
      });
    }
    if (node.spec.foreach) return this.fanOut(life, job, jobId, node, step);
    life.eventStarted(node, '', job.attempt);
    const outcome = await life.attempt(step, { partition: '', attempt: job.attempt, signal });
    if (outcome.status === 'waiting') {
      // Parked: the step releases its job and lease (this worker is free); a wake re-queues it.
      const reason = `waiting for ${outcome.parked.waitingFor}`;
      this.o.engine.store.event(job.runId, node.id, 'info', 'step.waiting', `step ${node.id} ${reason} (released by ${this.o.worker})`, {
        attempt: job.attempt,
        wakeAt: outcome.parked.wakeAt,
      });
      return parkDistributedStep(this.o.engine.database.db, {
        runId: job.runId,
        stepId: node.id,
        jobId,
        attempt: job.attempt,
        reason,
        ran: outcome.ran,
        worker: this.o.worker,
        startedAt: claim.startedAt,
      });
    }
    if (outcome.status !== 'succeeded') return this.failedAttempt(life, job, jobId, node, claim, outcome);
    const sends = await this.completeWhole(life, job, jobId, plan, node, claim, {
      outputs: outcome.outputs,
      key: step.key,
      cached: false,
      reason: life.whyRun(node),
    });
    if (sends) life.eventSucceeded(node, '', claim.startedAt);
    return sends;
  }

  /** Completes a whole (not partitioned) step whose start the claim recorded. */
  private completeWhole(
    life: StepLifecycle,
    job: StepJob,
    jobId: string,
    plan: RunPlan,
    node: StepNode,
    claim: ClaimedStep,
    done: Pick<Parameters<StepLifecycle['completion']>[1], 'outputs' | 'key' | 'cached' | 'reason'>,
  ): Promise<OutboxRow[] | undefined> {
    const completion = life.completion(node, {
      partition: '',
      attempt: job.attempt,
      ...done,
      startedAt: claim.startedAt,
      startRecorded: true,
    });
    return this.o.dag.complete(job, jobId, completion, plan.graph);
  }

  /** A failed attempt is settled here; `[]` tells handle() that nothing more is to be sent. */
  private async failedAttempt(
    life: StepLifecycle,
    job: StepJob,
    jobId: string,
    node: StepNode,
    claim: ClaimedStep,
    outcome: Failed,
  ): Promise<OutboxRow[] | undefined> {
    return (await this.settle(life, job, jobId, node, claim, outcome)) === 'lost' ? undefined : [];
  }

  /** Splits the foreach input (as the in-process executor does, so keys and digests match) and queues the partitions. */
  private async fanOut(
    life: StepLifecycle,
    job: StepJob,
    jobId: string,
    node: StepNode,
    step: PreparedStep,
  ): Promise<OutboxRow[] | undefined> {
    const parts = await life.split(step);
    const cached = await life.cachedPartitions(node, parts);
    const rows = parts.map((p) => ({ key: p.key, index: p.index, input: p.input, cacheKey: p.cacheKey, cached: cached.get(p.key) }));
    life.eventFannedOut(node, parts.length);
    return this.o.dag.fanOut(job, jobId, node, step.key, rows, this.o.settings.partitionWindow);
  }

  private async runPartition(
    life: StepLifecycle,
    job: StepJob,
    jobId: string,
    plan: RunPlan,
    node: StepNode,
    claim: ClaimedStep,
    signal: AbortSignal,
  ): Promise<OutboxRow[] | undefined> {
    if (!claim.task) throw new NonRetryableError(`partition ${job.partition} of step "${job.stepId}" has no recorded input`);
    const step = await this.prepare(life, plan, node);
    const inputs = { ...step.inputs, [node.spec.foreach!.input]: claim.task.input };
    const outcome = await life.attempt(step, { partition: job.partition, attempt: job.attempt, inputs, signal });
    if (outcome.status === 'waiting') throw new NonRetryableError(`step "${node.id}": ctx.wait is not available in foreach partitions`);
    if (outcome.status !== 'succeeded') return this.failedAttempt(life, job, jobId, node, claim, outcome);
    const completion = life.completion(node, {
      partition: job.partition,
      attempt: job.attempt,
      outputs: outcome.outputs,
      key: claim.cacheKey,
      cached: false,
      reason: 'ran',
      startedAt: claim.startedAt,
      startRecorded: false,
    });
    return this.partitionsDone.add({ job, jobId, completion, pool: node.pool });
  }

  private async gather(
    life: StepLifecycle,
    job: StepJob,
    jobId: string,
    plan: RunPlan,
    node: StepNode,
    claim: ClaimedStep,
  ): Promise<OutboxRow[] | undefined> {
    const parts = await this.o.dag.partitionOutputs(job.runId, job.stepId);
    const outputs = await life.gather(
      node,
      parts.map((p) => p.outputs),
    );
    const reason = gatherReason(parts.length, parts.filter((p) => p.cached).length);
    const sends = await this.completeWhole(life, job, jobId, plan, node, claim, { outputs, key: claim.cacheKey, cached: false, reason });
    if (sends) life.eventSucceeded(node, '', claim.startedAt, reason);
    return sends;
  }
}

function failedOutcome(error: unknown): Failed {
  const cancelled = error instanceof RunCancelledError;
  return {
    status: 'failed',
    error,
    message: redact(error instanceof Error ? error.message : String(error)),
    cancelled,
    retryable: !cancelled && !(error instanceof NonRetryableError),
  };
}
