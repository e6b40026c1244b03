import { type Kysely, sql } from 'kysely';
import type { ArtifactRef } from '../operator/operator-context.js';
import type { PipelineGraph, StepNode } from '../spec/compile-pipeline.js';
import { redact } from '../spec/interpolate.js';
import { writeCompletions, type Completion } from '../store/run-store.js';
import { TERMINAL_STEP_STATUSES } from '../store/statuses.js';
import type { RunStoreDb } from '../store/run-store-tables.js';
import type { StepStatus } from '../store/statuses.js';
import { jobIdOf, type StepJob } from './distributed-config.js';
import { settleWaitingRun } from '../wait/settle-waiting-run.js';
import { finishRun } from './finish-run.js';

/** A job decided inside a transaction, sent to BullMQ after the commit (transactional outbox). */
export interface OutboxRow {
  id: number;
  job_id: string;
  run_id: string;
  step_id: string;
  partition: string;
  attempt: number;
  kind: 'step' | 'gather';
  pool: string;
  not_before: number;
  created_at: number;
  sent_at: number | null;
}

export interface ClaimedStep {
  runOptions: Record<string, unknown>;
  startedAt: number;
  attempt: number;
  takeovers: number;
  cacheKey: string | null;
  /** Partitions: the partition's own input artifact and its index in partition order. */
  task: { input: ArtifactRef } | null;
  partIndex: number | null;
}

export interface PartitionRow {
  key: string;
  index: number;
  input: ArtifactRef;
  cacheKey: string;
  cached?: Record<string, ArtifactRef>;
}

export interface ClaimRequest {
  job: StepJob;
  jobId: string;
  worker: string;
  leaseMs: number;
}

/** A partition's completion, for `completePartitions`. */
export interface PartitionCompletion {
  job: StepJob;
  jobId: string;
  completion: Completion;
  pool: string;
}

const TERMINAL = [...TERMINAL_STEP_STATUSES];
const stepKey = (runId: string, stepId: string, partition: string) => `${runId}\0${stepId}\0${partition}`;
const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

function outboxRow(r: any): OutboxRow {
  return {
    ...r,
    id: Number(r.id),
    attempt: Number(r.attempt),
    not_before: Number(r.not_before),
    created_at: Number(r.created_at),
    sent_at: n(r.sent_at),
  };
}

/** Steps that take `stepId`'s outputs (or wait for it), from the compiled graph. */
export function dependentsOf(graph: PipelineGraph, stepId: string): string[] {
  return [...graph.steps.values()].filter((s) => s.deps.includes(stepId)).map((s) => s.id);
}

/**
 * The DAG state of distributed runs, in PostgreSQL. Every transition that decides what runs next
 * (a step finishing, failing, losing its worker) happens in one transaction that also writes the
 * outbox rows for the jobs it makes ready; the caller sends them after the commit.
 */
export class DagStore {
  /** The run store's tables, typed (store/run-store-tables.ts). */
  readonly db: Kysely<RunStoreDb>;

  constructor(db: Kysely<any>) {
    this.db = db as Kysely<RunStoreDb>;
  }

  /** A transaction retried on deadlock or serialization failure (cancel vs. completions). */
  async tx<T>(fn: (tx: Kysely<RunStoreDb>) => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await this.db.transaction().execute(fn);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (i < 5 && (code === '40P01' || code === '40001')) continue;
        throw err;
      }
    }
  }

  /** Marks a step (or partition, or gather) queued under a new job id and writes its outbox row. */
  async queue(
    tx: Kysely<RunStoreDb>,
    q: {
      runId: string;
      stepId: string;
      partition: string;
      partIndex: number | null;
      pool: string;
      attempt: number;
      kind: 'step' | 'gather';
      notBefore?: number;
      error?: string | null;
    },
  ): Promise<OutboxRow> {
    const jobId = jobIdOf(q.runId, q.stepId, q.partIndex, q.kind, q.attempt);
    const now = Date.now();
    await tx
      .updateTable('steps')
      .set({
        status: 'queued',
        job_id: jobId,
        lease_until: null,
        ...(q.kind === 'gather' ? { phase: 'gather' } : {}),
        ...(q.error !== undefined ? { error: q.error } : {}),
      })
      .where('run_id', '=', q.runId)
      .where('step_id', '=', q.stepId)
      .where('partition', '=', q.partition)
      .execute();
    const values = {
      job_id: jobId,
      run_id: q.runId,
      step_id: q.stepId,
      partition: q.partition,
      attempt: q.attempt,
      kind: q.kind,
      pool: q.pool,
      not_before: q.notBefore ?? now,
      created_at: now,
    };
    const row = await tx
      .insertInto('dispatch_outbox')
      .values(values)
      .onConflict((oc) => oc.column('job_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    return outboxRow(row ?? { id: 0, ...values, sent_at: null });
  }

  /** Counts each step's dependencies and queues the steps that have none. */
  async initRun(runId: string, graph: PipelineGraph): Promise<OutboxRow[]> {
    return this.tx(async (tx) => this.reconcileTx(tx, runId, graph));
  }

  /**
   * Brings a run's DAG state in line with its steps: every top-level step not finished, queued or
   * running goes back to pending with its unfinished dependencies counted; those with none are
   * queued. Used to start a run and to resume one (after a failure, a cancel or a lost coordinator).
   */
  async reconcile(runId: string, graph: PipelineGraph): Promise<OutboxRow[]> {
    return this.tx(async (tx) => {
      const run = await tx.selectFrom('runs').select('status').where('id', '=', runId).forUpdate().executeTakeFirst();
      // Finished meanwhile (a sweeper's takeover completed it): resuming it is a no-op, not a re-open.
      if (run?.status === 'succeeded') return [];
      await tx.updateTable('runs').set({ status: 'running', error: null, finished_at: null }).where('id', '=', runId).execute();
      const sends = await this.reconcileTx(tx, runId, graph);
      await this.finishIfDone(tx, runId);
      return sends;
    });
  }

  private async reconcileTx(tx: Kysely<RunStoreDb>, runId: string, graph: PipelineGraph): Promise<OutboxRow[]> {
    const rows = await tx
      .selectFrom('steps')
      .select(['step_id', 'status', 'attempts'])
      .where('run_id', '=', runId)
      .where('partition', '=', '')
      .execute();
    const status = new Map(rows.map((r) => [r.step_id as string, r]));
    const sends: OutboxRow[] = [];
    for (const node of graph.steps.values()) {
      const row = status.get(node.id);
      if (!row || ['succeeded', 'queued', 'running'].includes(row.status)) continue;
      const pending = node.deps.filter((d) => status.get(d)?.status !== 'succeeded').length;
      await tx
        .updateTable('steps')
        .set({ status: 'pending', pending_deps: pending, phase: null, reason: null, finished_at: null })
        .where('run_id', '=', runId)
        .where('step_id', '=', node.id)
        .where('partition', '=', '')
        .execute();
      if (node.spec.foreach) {
        // Unfinished partitions of an interrupted fan-out are decided again by the next fan-out.
        await tx
          .deleteFrom('steps')
          .where('run_id', '=', runId)
          .where('step_id', '=', node.id)
          .where('partition', '<>', '')
          .where('status', '<>', 'succeeded')
          .execute();
      }
      if (pending === 0)
        sends.push(
          await this.queue(tx, {
            runId,
            stepId: node.id,
            partition: '',
            partIndex: null,
            pool: node.pool,
            attempt: Number(row.attempts) + 1,
            kind: 'step',
          }),
        );
    }
    return sends;
  }

  /**
   * Takes the job's step if it is still queued under this job id; anything else (a duplicate
   * delivery, a stale retry, a step already finished) returns undefined and the job is dropped.
   */
  async claim(job: StepJob, jobId: string, worker: string, leaseMs: number): Promise<ClaimedStep | undefined> {
    return (await this.claimMany([{ job, jobId, worker, leaseMs }]))[0];
  }

  /**
   * `claim` for jobs that arrived together, in one transaction: the step rows are locked in key
   * order (so concurrent batches cannot deadlock) and taken with one update.
   */
  async claimMany(reqs: ClaimRequest[]): Promise<(ClaimedStep | undefined)[]> {
    return this.tx(async (tx) => {
      const runIds = [...new Set(reqs.map((r) => r.job.runId))];
      const runs = new Map(
        (await tx.selectFrom('runs').select(['id', 'status', 'options']).where('id', 'in', runIds).execute()).map((r) => [
          r.id as string,
          r,
        ]),
      );
      const locked = await sql<any>`select s.* from steps s
        where (s.run_id, s.step_id, s.partition) in (select * from unnest(${reqs.map((r) => r.job.runId)}::text[], ${reqs.map((r) => r.job.stepId)}::text[], ${reqs.map((r) => r.job.partition)}::text[]))
        order by s.run_id, s.step_id, s.partition for update of s`.execute(tx);
      const rows = new Map(locked.rows.map((r) => [stepKey(r.run_id, r.step_id, r.partition), r]));
      const now = Date.now();
      const taken: { req: ClaimRequest; step: any }[] = [];
      const out = reqs.map((req): ClaimedStep | undefined => {
        const { job, jobId } = req;
        const key = stepKey(job.runId, job.stepId, job.partition);
        const run = runs.get(job.runId);
        const step = rows.get(key);
        if (!run || !step || step.status !== 'queued' || step.job_id !== jobId) return undefined;
        if (run.status !== 'running') {
          step.status = run.status === 'cancelled' ? 'cancelled' : 'skipped';
          step.reason = `run ${run.status}`;
          taken.push({ req, step });
          return undefined;
        }
        step.status = 'running'; // a second delivery of the same job in this batch is a duplicate
        taken.push({ req, step });
        const gather = job.kind === 'gather';
        return {
          runOptions: json(run.options) as Record<string, unknown>,
          startedAt: gather ? Number(step.started_at ?? now) : now,
          attempt: job.attempt,
          takeovers: Number(step.takeovers),
          cacheKey: step.cache_key,
          task: json(step.task) as ClaimedStep['task'],
          partIndex: n(step.part_index),
        };
      });
      const dropped = taken.filter((t) => t.step.status !== 'running');
      for (const { req, step } of dropped) {
        await tx
          .updateTable('steps')
          .set({ status: step.status, reason: step.reason })
          .where('run_id', '=', req.job.runId)
          .where('step_id', '=', req.job.stepId)
          .where('partition', '=', req.job.partition)
          .execute();
      }
      const claimed = taken.filter((t) => t.step.status === 'running').map((t) => t.req);
      if (claimed.length) {
        const col = <T>(f: (r: ClaimRequest) => T) => claimed.map(f);
        await sql`update steps s set status = 'running', attempts = v.attempt, worker = v.worker, lease_until = ${now} + v.lease_ms, heartbeat_at = ${now},
            started_at = case when v.gather then s.started_at else ${now} end, error = case when v.gather then s.error else null end
          from unnest(${col((r) => r.job.runId)}::text[], ${col((r) => r.job.stepId)}::text[], ${col((r) => r.job.partition)}::text[], ${col((r) => r.job.attempt)}::int[],
                      ${col((r) => r.worker)}::text[], ${col((r) => r.leaseMs)}::bigint[], ${col((r) => r.job.kind === 'gather')}::boolean[])
            as v(run_id, step_id, partition, attempt, worker, lease_ms, gather)
          where s.run_id = v.run_id and s.step_id = v.step_id and s.partition = v.partition`.execute(tx);
      }
      for (const { job, worker } of claimed.filter((r) => r.job.kind !== 'gather' && !r.job.partition)) {
        await tx
          .insertInto('attempts')
          .values({
            run_id: job.runId,
            step_id: job.stepId,
            partition: '',
            attempt: job.attempt,
            status: 'running',
            worker,
            started_at: now,
          })
          .onConflict((oc) =>
            oc
              .columns(['run_id', 'step_id', 'partition', 'attempt'])
              .doUpdateSet({ status: 'running', worker, started_at: now, finished_at: null, error: null }),
          )
          .execute();
      }
      return out;
    });
  }

  /** Renews the lease; says whether this job still holds the step and whether the run was cancelled. */
  async heartbeat(job: StepJob, jobId: string, leaseMs: number): Promise<'ok' | 'lost' | 'cancelled'> {
    const now = Date.now();
    const res = await sql<{ status: string }>`update steps s set lease_until = ${now + leaseMs}, heartbeat_at = ${now} from runs r
      where r.id = s.run_id and s.run_id = ${job.runId} and s.step_id = ${job.stepId} and s.partition = ${job.partition} and s.job_id = ${jobId} and s.status = 'running' and s.phase is distinct from 'fanout'
      returning r.status`.execute(this.db);
    if (!res.rows.length) return 'lost';
    return res.rows[0].status === 'cancelled' ? 'cancelled' : 'ok';
  }

  /** Locks the step row and checks that this job still holds it (a taken-over step is not ours to finish). */
  private async owns(tx: Kysely<RunStoreDb>, job: StepJob, jobId: string): Promise<boolean> {
    const row = await tx
      .selectFrom('steps')
      .select(['status', 'job_id'])
      .where('run_id', '=', job.runId)
      .where('step_id', '=', job.stepId)
      .where('partition', '=', job.partition)
      .forUpdate()
      .executeTakeFirst();
    return row?.status === 'running' && row.job_id === jobId;
  }

  /**
   * One transaction keyed by (run, step, attempt): outputs, artifacts, cache entry, attempt, the
   * downstream steps it makes ready, and the run's end when nothing remains. Undefined when the
   * job no longer holds the step (its result is dropped; artifacts are content-addressed anyway).
   */
  async complete(job: StepJob, jobId: string, c: Completion, graph: PipelineGraph): Promise<OutboxRow[] | undefined> {
    if (job.partition) return (await this.completePartitions([{ job, jobId, completion: c, pool: graph.steps.get(job.stepId)!.pool }]))[0];
    return this.tx(async (tx) => {
      const run = await tx.selectFrom('runs').select('status').where('id', '=', job.runId).forUpdate().executeTakeFirst();
      if (!(await this.owns(tx, job, jobId))) return undefined;
      await writeCompletions(tx, [c]);
      if (c.cached)
        await tx
          .updateTable('attempts')
          .set({ status: 'succeeded', finished_at: Date.now() })
          .where('run_id', '=', c.runId)
          .where('step_id', '=', c.stepId)
          .where('partition', '=', c.partition)
          .where('attempt', '=', c.attempt)
          .execute();
      await tx
        .updateTable('steps')
        .set({ lease_until: null, phase: null })
        .where('run_id', '=', job.runId)
        .where('step_id', '=', job.stepId)
        .where('partition', '=', job.partition)
        .execute();
      const sends: OutboxRow[] = [];
      if (run?.status !== 'running') return sends;
      const downstream = dependentsOf(graph, job.stepId);
      if (downstream.length) {
        const ready = await tx
          .updateTable('steps')
          .set((eb) => ({ pending_deps: eb('pending_deps', '-', 1) }))
          .where('run_id', '=', job.runId)
          .where('partition', '=', '')
          .where('step_id', 'in', downstream)
          .where('status', '=', 'pending')
          .returning(['step_id', 'pending_deps', 'pool', 'attempts'])
          .execute();
        for (const r of ready) {
          if (Number(r.pending_deps) === 0)
            sends.push(
              await this.queue(tx, {
                runId: job.runId,
                stepId: r.step_id,
                partition: '',
                partIndex: null,
                pool: r.pool,
                attempt: Number(r.attempts) + 1,
                kind: 'step',
              }),
            );
        }
      }
      await this.finishIfDone(tx, job.runId);
      return sends;
    });
  }

  private async finishIfDone(tx: Kysely<RunStoreDb>, runId: string): Promise<void> {
    const left = await tx
      .selectFrom('steps')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('run_id', '=', runId)
      .where('partition', '=', '')
      .where('status', 'not in', TERMINAL)
      .executeTakeFirst();
    // Unfinished, but perhaps only parked steps and what depends on them are left: the run waits.
    if (Number(left?.n ?? 0) > 0) return void (await settleWaitingRun(tx, runId));
    const failed = await tx
      .selectFrom('steps')
      .select(['step_id', 'error'])
      .where('run_id', '=', runId)
      .where('partition', '=', '')
      .where('status', '=', 'failed')
      .executeTakeFirst();
    await finishRun(
      tx,
      runId,
      failed ? 'failed' : 'succeeded',
      failed ? redact(`step "${failed.step_id}" failed: ${failed.error ?? ''}`) : null,
    );
  }

  /**
   * Partitions that finished together, in one transaction: their completions, then each parent
   * step counted down once by the number of its partitions that finished here, as many further
   * partitions released, and its gather queued after the last. Per item: undefined when the job no
   * longer holds its partition, else the jobs to send (all of the batch's on its first such item).
   */
  async completePartitions(items: PartitionCompletion[]): Promise<(OutboxRow[] | undefined)[]> {
    return this.tx(async (tx) => {
      const keys = (xs: PartitionCompletion[]) =>
        [xs.map((x) => x.job.runId), xs.map((x) => x.job.stepId), xs.map((x) => x.job.partition)] as const;
      const [runIds, stepIds, parts] = keys(items);
      const locked = await sql<{
        run_id: string;
        step_id: string;
        partition: string;
        status: string;
        job_id: string;
      }>`select run_id, step_id, partition, status, job_id from steps
        where (run_id, step_id, partition) in (select * from unnest(${runIds}::text[], ${stepIds}::text[], ${parts}::text[]))
        order by run_id, step_id, partition for update`.execute(tx);
      const rows = new Map(locked.rows.map((r) => [stepKey(r.run_id, r.step_id, r.partition), r]));
      const owned: PartitionCompletion[] = [];
      const out = items.map((it): OutboxRow[] | undefined => {
        const row = rows.get(stepKey(it.job.runId, it.job.stepId, it.job.partition));
        if (row?.status !== 'running' || row.job_id !== it.jobId) return undefined;
        row.status = 'done'; // the same job twice in one batch counts once
        owned.push(it);
        return [];
      });
      if (!owned.length) return out;
      await writeCompletions(
        tx,
        owned.map((o) => o.completion),
      );
      const [oRuns, oSteps, oParts] = keys(owned);
      await sql`update steps set lease_until = null, phase = null
        where (run_id, step_id, partition) in (select * from unnest(${oRuns}::text[], ${oSteps}::text[], ${oParts}::text[]))`.execute(tx);
      const parents = new Map<string, { runId: string; stepId: string; pool: string; done: number }>();
      for (const o of owned) {
        const k = stepKey(o.job.runId, o.job.stepId, '');
        const p = parents.get(k) ?? { runId: o.job.runId, stepId: o.job.stepId, pool: o.pool, done: 0 };
        p.done++;
        parents.set(k, p);
      }
      const sends: OutboxRow[] = [];
      for (const [, p] of [...parents].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const parent = await tx
          .updateTable('steps')
          .set((eb) => ({ pending_parts: eb('pending_parts', '-', p.done) }))
          .where('run_id', '=', p.runId)
          .where('step_id', '=', p.stepId)
          .where('partition', '=', '')
          .where('status', '=', 'running')
          .returning(['pending_parts', 'attempts'])
          .executeTakeFirst();
        if (!parent) continue;
        sends.push(...(await this.releasePartitions(tx, p.runId, p.stepId, p.done)));
        if (Number(parent.pending_parts) === 0)
          sends.push(
            await this.queue(tx, {
              runId: p.runId,
              stepId: p.stepId,
              partition: '',
              partIndex: null,
              pool: p.pool,
              attempt: Number(parent.attempts),
              kind: 'gather',
            }),
          );
      }
      out[out.findIndex((x) => x !== undefined)] = sends;
      return out;
    });
  }

  /** Queues up to `limit` partitions not yet sent, in partition order (the bounded window). */
  async releasePartitions(tx: Kysely<RunStoreDb>, runId: string, stepId: string, limit: number): Promise<OutboxRow[]> {
    const now = Date.now();
    const res = await sql`with picked as (
        select run_id, step_id, partition, part_index, attempts, pool from steps
        where run_id = ${runId} and step_id = ${stepId} and partition <> '' and status = 'pending'
        order by part_index limit ${limit} for update skip locked),
      upd as (
        update steps s set status = 'queued', job_id = p.run_id || '~' || p.step_id || '~' || p.part_index || '~' || (p.attempts + 1)
        from picked p where s.run_id = p.run_id and s.step_id = p.step_id and s.partition = p.partition
        returning s.run_id, s.step_id, s.partition, s.job_id, s.attempts, s.pool)
      insert into dispatch_outbox (job_id, run_id, step_id, partition, attempt, kind, pool, not_before, created_at)
      select job_id, run_id, step_id, partition, attempts + 1, 'step', pool, ${now}, ${now} from upd
      on conflict (job_id) do nothing returning *`.execute(tx);
    return res.rows.map(outboxRow);
  }

  /**
   * Writes a foreach step's partitions (those already cached as finished) and queues the first
   * window of them, or the gather when every partition was cached.
   */
  async fanOut(
    job: StepJob,
    jobId: string,
    node: StepNode,
    cacheKey: string,
    parts: PartitionRow[],
    window: number,
  ): Promise<OutboxRow[] | undefined> {
    return this.tx(async (tx) => {
      if (!(await this.owns(tx, job, jobId))) return undefined;
      const now = Date.now();
      for (let i = 0; i < parts.length; i += 1000) {
        const values = parts.slice(i, i + 1000).map((p) => ({
          run_id: job.runId,
          step_id: job.stepId,
          partition: p.key,
          part_index: p.index,
          pool: node.pool,
          task: JSON.stringify({ input: p.input }),
          cache_key: p.cacheKey,
          status: (p.cached ? 'succeeded' : 'pending') as StepStatus,
          cached: !!p.cached,
          outputs: p.cached ? JSON.stringify(p.cached) : null,
          reason: p.cached ? 'cached' : null,
          attempts: 0,
          started_at: p.cached ? now : null,
          finished_at: p.cached ? now : null,
          duration_ms: p.cached ? 0 : null,
        }));
        await tx
          .insertInto('steps')
          .values(values)
          .onConflict((oc) =>
            oc
              .columns(['run_id', 'step_id', 'partition'])
              .doUpdateSet((eb) => ({
                part_index: eb.ref('excluded.part_index'),
                task: eb.ref('excluded.task'),
                cache_key: eb.ref('excluded.cache_key'),
                status: eb.ref('excluded.status'),
                cached: eb.ref('excluded.cached'),
                outputs: eb.ref('excluded.outputs'),
                reason: eb.ref('excluded.reason'),
              }))
              .where((eb) =>
                eb.or([eb('steps.status', '<>', 'succeeded'), eb('steps.cache_key', 'is distinct from', eb.ref('excluded.cache_key'))]),
              ),
          )
          .execute();
      }
      const left = await tx
        .selectFrom('steps')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('run_id', '=', job.runId)
        .where('step_id', '=', job.stepId)
        .where('partition', '<>', '')
        .where('status', '<>', 'succeeded')
        .executeTakeFirst();
      const pending = Number(left?.n ?? 0);
      await tx
        .updateTable('steps')
        .set({ phase: 'fanout', lease_until: null, pending_parts: pending, cache_key: cacheKey })
        .where('run_id', '=', job.runId)
        .where('step_id', '=', job.stepId)
        .where('partition', '=', '')
        .execute();
      if (pending === 0)
        return [
          await this.queue(tx, {
            runId: job.runId,
            stepId: job.stepId,
            partition: '',
            partIndex: null,
            pool: node.pool,
            attempt: job.attempt,
            kind: 'gather',
          }),
        ];
      return this.releasePartitions(tx, job.runId, job.stepId, window);
    });
  }

  /** Partition outputs of a foreach step, in partition order. */
  async partitionOutputs(runId: string, stepId: string): Promise<{ outputs: Record<string, ArtifactRef>; cached: boolean }[]> {
    const rows = await this.db
      .selectFrom('steps')
      .select(['outputs', 'cached'])
      .where('run_id', '=', runId)
      .where('step_id', '=', stepId)
      .where('partition', '<>', '')
      .orderBy('part_index')
      .execute();
    return rows.map((r) => ({ outputs: json(r.outputs) as Record<string, ArtifactRef>, cached: Boolean(r.cached) }));
  }

  /** `stepOutputs` for several (run, steps) requests, in one query. */
  async stepOutputsMany(reqs: { runId: string; stepIds: string[] }[]): Promise<Map<string, Record<string, ArtifactRef>>[]> {
    const pairs = new Map<string, [string, string]>();
    for (const r of reqs) for (const s of r.stepIds) pairs.set(stepKey(r.runId, s, ''), [r.runId, s]);
    const found = new Map<string, Record<string, ArtifactRef>>();
    if (pairs.size) {
      const list = [...pairs.values()];
      const rows = await sql<{ run_id: string; step_id: string; outputs: unknown }>`select run_id, step_id, outputs from steps
        where partition = '' and (run_id, step_id) in (select * from unnest(${list.map((p) => p[0])}::text[], ${list.map((p) => p[1])}::text[]))`.execute(
        this.db,
      );
      for (const r of rows.rows) found.set(stepKey(r.run_id, r.step_id, ''), (json(r.outputs) ?? {}) as Record<string, ArtifactRef>);
    }
    return reqs.map(
      (r) =>
        new Map(
          r.stepIds.flatMap((s) => {
            const o = found.get(stepKey(r.runId, s, ''));
            return o ? [[s, o] as const] : [];
          }),
        ),
    );
  }
}
