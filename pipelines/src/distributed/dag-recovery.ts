import { type Kysely, sql } from 'kysely';
import { redact } from '../spec/interpolate.js';
import type { DagStore, OutboxRow } from './dag-store.js';
import { finishRun } from './finish-run.js';
import type { StepJob } from './distributed-config.js';

export interface FailureOutcome {
  message: string;
  worker: string;
  startedAt: number;
  /** Retry after this delay (a retry the step's policy allows). */
  retryInMs?: number;
  /** The worker gave the step back (shutdown): the next attempt does not count as a retry. */
  handback?: boolean;
  cancelled?: boolean;
}

/** Records a failed attempt and decides what follows: a retry, a hand-back, or the end of the step and run. */
export async function failStep(dag: DagStore, job: StepJob, jobId: string, f: FailureOutcome): Promise<OutboxRow[] | undefined> {
  const message = redact(f.message);
  return dag.tx(async (tx) => {
    await tx.selectFrom('runs').select('id').where('id', '=', job.runId).forUpdate().execute();
    const step = await tx
      .selectFrom('steps')
      .selectAll()
      .where('run_id', '=', job.runId)
      .where('step_id', '=', job.stepId)
      .where('partition', '=', job.partition)
      .forUpdate()
      .executeTakeFirst();
    if (!step || step.status !== 'running' || step.job_id !== jobId) return undefined;
    const now = Date.now();
    if (job.kind !== 'gather') {
      await tx
        .insertInto('attempts')
        .values({
          run_id: job.runId,
          step_id: job.stepId,
          partition: job.partition,
          attempt: job.attempt,
          status: 'failed',
          error: message,
          worker: f.worker,
          started_at: f.startedAt,
          finished_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['run_id', 'step_id', 'partition', 'attempt']).doUpdateSet({ status: 'failed', error: message, finished_at: now }),
        )
        .execute();
    }
    if (!f.cancelled && (f.retryInMs !== undefined || f.handback)) {
      if (f.handback)
        await tx
          .updateTable('steps')
          .set((eb) => ({ takeovers: eb('takeovers', '+', 1) }))
          .where('run_id', '=', job.runId)
          .where('step_id', '=', job.stepId)
          .where('partition', '=', job.partition)
          .execute();
      return [
        await dag.queue(tx, {
          runId: job.runId,
          stepId: job.stepId,
          partition: job.partition,
          partIndex: step.part_index === null ? null : Number(step.part_index),
          pool: step.pool,
          attempt: job.attempt + 1,
          kind: job.kind,
          notBefore: now + (f.retryInMs ?? 0),
          error: message,
        }),
      ];
    }
    await endStep(tx, job.runId, job.stepId, job.partition, message, Boolean(f.cancelled));
    return [];
  });
}

/** The step failed for good (or was cancelled): skip what waits on it and fail the run. */
async function endStep(
  tx: Kysely<any>,
  runId: string,
  stepId: string,
  partition: string,
  message: string,
  cancelled: boolean,
): Promise<void> {
  const now = Date.now();
  const where = <T extends { where: any }>(q: T, sid: string, part: string): T =>
    q.where('run_id', '=', runId).where('step_id', '=', sid).where('partition', '=', part);
  if (cancelled) {
    await where(
      tx.updateTable('steps').set({ status: 'cancelled', reason: 'run cancelled', lease_until: null, finished_at: now }),
      stepId,
      partition,
    ).execute();
    return;
  }
  await where(
    tx.updateTable('steps').set({ status: 'failed', error: message, lease_until: null, finished_at: now }),
    stepId,
    partition,
  ).execute();
  let failedStep = stepId;
  let failure = message;
  if (partition) {
    failure = `partition ${partition} failed: ${message}`;
    await where(tx.updateTable('steps').set({ status: 'failed', error: failure, phase: null, finished_at: now }), stepId, '').execute();
    await tx
      .updateTable('steps')
      .set({ status: 'skipped', reason: `partition ${partition} failed` })
      .where('run_id', '=', runId)
      .where('step_id', '=', stepId)
      .where('partition', '<>', '')
      .where('status', 'in', ['pending', 'queued'])
      .execute();
    failedStep = stepId;
  }
  await tx
    .updateTable('steps')
    .set({ status: 'skipped', reason: `upstream step "${failedStep}" failed` })
    .where('run_id', '=', runId)
    .where('partition', '=', '')
    .where('status', 'in', ['pending', 'queued'])
    .execute();
  await finishRun(tx, runId, 'failed', `step "${failedStep}" failed: ${failure}`);
}

/**
 * Steps whose worker stopped renewing its lease (killed, frozen, partitioned away) get their next
 * attempt queued; a step that loses its worker too often is failed rather than crash every worker.
 */
export async function takeOverExpired(dag: DagStore, maxTakeovers: number, sweeper: string): Promise<OutboxRow[]> {
  return dag.tx(async (tx) => {
    const now = Date.now();
    const rows = await tx
      .selectFrom('steps')
      .selectAll()
      .where('status', '=', 'running')
      .where('lease_until', '<', now)
      .limit(100)
      .forUpdate()
      .skipLocked()
      .execute();
    const sends: OutboxRow[] = [];
    for (const s of rows) {
      const attempt = Number(s.attempts);
      const message = `worker ${s.worker ?? '?'} stopped heartbeating (lease expired ${now - Number(s.lease_until)}ms ago); taken over by ${sweeper}`;
      if (s.phase !== 'gather') {
        await tx
          .insertInto('attempts')
          .values({
            run_id: s.run_id,
            step_id: s.step_id,
            partition: s.partition,
            attempt,
            status: 'failed',
            error: message,
            worker: s.worker,
            started_at: Number(s.started_at ?? now),
            finished_at: now,
          })
          .onConflict((oc) =>
            oc.columns(['run_id', 'step_id', 'partition', 'attempt']).doUpdateSet({ status: 'failed', error: message, finished_at: now }),
          )
          .execute();
      }
      const run = await tx.selectFrom('runs').select('status').where('id', '=', s.run_id).executeTakeFirst();
      if (run?.status !== 'running') {
        await endStep(tx, s.run_id, s.step_id, s.partition, message, run?.status === 'cancelled');
      } else if (Number(s.takeovers) + 1 > maxTakeovers) {
        await endStep(
          tx,
          s.run_id,
          s.step_id,
          s.partition,
          `${message}; it lost its worker ${Number(s.takeovers) + 1} times, so it is failed (a step that crashes its worker?)`,
          false,
        );
      } else {
        await tx
          .updateTable('steps')
          .set({ takeovers: Number(s.takeovers) + 1 })
          .where('run_id', '=', s.run_id)
          .where('step_id', '=', s.step_id)
          .where('partition', '=', s.partition)
          .execute();
        sends.push(
          await dag.queue(tx, {
            runId: s.run_id,
            stepId: s.step_id,
            partition: s.partition,
            partIndex: s.part_index === null ? null : Number(s.part_index),
            pool: s.pool,
            attempt: attempt + 1,
            kind: s.phase === 'gather' ? 'gather' : 'step',
            error: message,
          }),
        );
      }
    }
    return sends;
  });
}

/** Cancels a run: nothing more is dispatched, and running steps abort at their next heartbeat. */
export async function cancelRun(dag: DagStore, runId: string): Promise<boolean> {
  return dag.tx(async (tx) => {
    // A waiting run (parked steps, nothing running) can be cancelled too: its waits stop counting.
    const error = `run cancelled; resume it with \`datanet resume ${runId}\``;
    if (!(await finishRun(tx, runId, 'cancelled', error, ['running', 'queued', 'waiting']))) return false;
    await tx
      .updateTable('steps')
      .set({ status: 'cancelled', reason: 'run cancelled' })
      .where('run_id', '=', runId)
      .where('status', 'in', ['pending', 'queued', 'waiting'])
      .execute();
    return true;
  });
}

/** Outbox rows nobody sent (the deciding process died between its commit and the enqueue). */
export async function unsentOutbox(db: Kysely<any>, olderThanMs: number, limit = 1000): Promise<OutboxRow[]> {
  const res =
    await sql<any>`select * from dispatch_outbox where sent_at is null and created_at < ${Date.now() - olderThanMs} order by id limit ${limit}`.execute(
      db,
    );
  return res.rows.map((r) => ({
    ...r,
    id: Number(r.id),
    attempt: Number(r.attempt),
    not_before: Number(r.not_before),
    created_at: Number(r.created_at),
    sent_at: null,
  }));
}

/** Jobs sent a while ago for steps still queued: each must still be in Redis, or it is sent again. */
export async function queuedJobs(db: Kysely<any>, olderThanMs: number, limit = 2000): Promise<OutboxRow[]> {
  const res = await sql<any>`select o.* from steps s join dispatch_outbox o on o.job_id = s.job_id
    where s.status = 'queued' and o.sent_at is not null and o.sent_at < ${Date.now() - olderThanMs} limit ${limit}`.execute(db);
  return res.rows.map((r) => ({
    ...r,
    id: Number(r.id),
    attempt: Number(r.attempt),
    not_before: Number(r.not_before),
    created_at: Number(r.created_at),
    sent_at: Number(r.sent_at),
  }));
}

export async function markSent(db: Kysely<any>, ids: number[]): Promise<void> {
  const real = ids.filter((id) => id > 0);
  for (let i = 0; i < real.length; i += 1000) {
    await db
      .updateTable('dispatch_outbox')
      .set({ sent_at: Date.now() })
      .where('id', 'in', real.slice(i, i + 1000))
      .execute();
  }
}
