import { type Kysely, sql } from 'kysely';
import type { ArtifactRef } from '../operator/operator-context.js';
import type { StoredCondition } from './wait-condition.js';
import type { DeadlinePolicy } from './wait-types.js';

/** `step_waits` as read back: one open or finished wait per (run, step, partition). */
export interface WaitRow {
  runId: string;
  stepId: string;
  partition: string;
  /** `waiting` (parked), `woken` (by hand, not yet continued) or `done` (the step went on). */
  status: 'waiting' | 'woken' | 'done';
  condition: StoredCondition;
  conditionKey: string;
  checkpoint: unknown;
  checkpointArtifact: ArtifactRef | null;
  since: number;
  wakeAt: number | null;
  deadline: number | null;
  onDeadline: DeadlinePolicy;
  defaultValue: unknown;
  wokenAt: number | null;
  wokenBy: string | null;
  wakeReason: string | null;
  wakePayload: unknown;
}

// jsonb comes back parsed from both PGlite and pg (a JSON string value is a JS string: never parse it again).
const json = (v: any): any => v;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toRow(r: any): WaitRow {
  return {
    runId: r.run_id,
    stepId: r.step_id,
    partition: r.partition,
    status: r.status,
    condition: json(r.condition),
    conditionKey: r.condition_key,
    checkpoint: json(r.checkpoint) ?? undefined,
    checkpointArtifact: json(r.checkpoint_artifact) ?? null,
    since: Number(r.since),
    wakeAt: num(r.wake_at),
    deadline: num(r.deadline),
    onDeadline: (r.on_deadline ?? 'fail') as DeadlinePolicy,
    defaultValue: json(r.default_value) ?? undefined,
    wokenAt: num(r.woken_at),
    wokenBy: r.woken_by,
    wakeReason: r.wake_reason,
    wakePayload: json(r.wake_payload) ?? undefined,
  };
}

export async function getWait(db: Kysely<any>, runId: string, stepId: string, partition = ''): Promise<WaitRow | undefined> {
  const r = await db
    .selectFrom('step_waits')
    .selectAll()
    .where('run_id', '=', runId)
    .where('step_id', '=', stepId)
    .where('partition', '=', partition)
    .executeTakeFirst();
  return r ? toRow(r) : undefined;
}

export async function listWaits(db: Kysely<any>, filter: { runId?: string; status?: WaitRow['status'] } = {}): Promise<WaitRow[]> {
  let q = db.selectFrom('step_waits').selectAll();
  if (filter.runId) q = q.where('run_id', '=', filter.runId);
  if (filter.status) q = q.where('status', '=', filter.status);
  return (await q.orderBy('run_id').orderBy('step_id').orderBy('partition').execute()).map(toRow);
}

/** Records (or renews) a parked step's wait. A wait on the same condition keeps its start. */
export async function saveWait(db: Kysely<any>, w: Omit<WaitRow, 'wokenAt' | 'wokenBy' | 'wakeReason' | 'wakePayload'>): Promise<void> {
  const values = {
    run_id: w.runId,
    step_id: w.stepId,
    partition: w.partition,
    status: w.status,
    condition: JSON.stringify(w.condition),
    condition_key: w.conditionKey,
    checkpoint: w.checkpoint === undefined ? null : JSON.stringify(w.checkpoint),
    checkpoint_artifact: w.checkpointArtifact ? JSON.stringify(w.checkpointArtifact) : null,
    since: w.since,
    wake_at: w.wakeAt,
    deadline: w.deadline,
    on_deadline: w.onDeadline,
    default_value: w.defaultValue === undefined ? null : JSON.stringify(w.defaultValue),
    woken_at: null,
    woken_by: null,
    wake_reason: null,
    wake_payload: null,
  };
  const { run_id: _r, step_id: _s, partition: _p, ...update } = values;
  await db
    .insertInto('step_waits')
    .values(values)
    .onConflict((oc) => oc.columns(['run_id', 'step_id', 'partition']).doUpdateSet(update))
    .execute();
}

export async function finishWait(db: Kysely<any>, runId: string, stepId: string, partition: string, reason: string): Promise<void> {
  await db
    .updateTable('step_waits')
    .set({ status: 'done', wake_reason: sql`coalesce(wake_reason, ${reason})`, woken_at: sql`coalesce(woken_at, ${Date.now()})` })
    .where('run_id', '=', runId)
    .where('step_id', '=', stepId)
    .where('partition', '=', partition)
    .execute();
}

/**
 * Wakes one parked step by hand: its wait counts as met when the step continues. True for the one
 * caller that found it waiting.
 */
export async function wakeByHand(
  db: Kysely<any>,
  runId: string,
  stepId: string,
  partition: string,
  by: string,
  payload: unknown,
): Promise<boolean> {
  const res = await db
    .updateTable('step_waits')
    .set({
      status: 'woken',
      woken_at: Date.now(),
      woken_by: by,
      wake_reason: 'manual',
      wake_payload: payload === undefined ? null : JSON.stringify(payload),
    })
    .where('run_id', '=', runId)
    .where('step_id', '=', stepId)
    .where('partition', '=', partition)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Records a named signal (a decision, a notice); waits on that name count it. */
export async function recordSignal(db: Kysely<any>, name: string, payload: unknown, by: string): Promise<number> {
  const row = await db
    .insertInto('wait_signals')
    .values({ name, payload: payload === undefined ? null : JSON.stringify(payload), created_by: by, created_at: Date.now() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/**
 * The step row and its attempt say `waiting` (in-process runs; called by the executor once the
 * attempt's own writes are in): the step holds nothing, and its attempt is over without having
 * failed. A re-check that found the wait still open (`ran: false`) records no attempt.
 */
export async function markStepWaiting(
  db: Kysely<any>,
  p: { runId: string; stepId: string; attempt: number; reason: string; ran: boolean; worker: string; startedAt: number },
): Promise<void> {
  const now = Date.now();
  await db.transaction().execute(async (tx) => {
    const attempts = p.ran ? { attempts: sql`greatest(attempts, ${p.attempt})` } : {};
    await tx
      .updateTable('steps')
      .set({ status: 'waiting', reason: p.reason, error: null, ...attempts, started_at: sql`coalesce(started_at, ${p.startedAt})` })
      .where('run_id', '=', p.runId)
      .where('step_id', '=', p.stepId)
      .where('partition', '=', '')
      .execute();
    if (!p.ran) return;
    await tx
      .insertInto('attempts')
      .values({
        run_id: p.runId,
        step_id: p.stepId,
        partition: '',
        attempt: p.attempt,
        status: 'waiting',
        worker: p.worker,
        started_at: p.startedAt,
        finished_at: now,
      })
      .onConflict((oc) => oc.columns(['run_id', 'step_id', 'partition', 'attempt']).doUpdateSet({ status: 'waiting', finished_at: now }))
      .execute();
  });
}

/** Moves a run from `waiting` to `running`: true for exactly one caller (two wakers never both continue it). */
export async function claimWaitingRun(db: Kysely<any>, runId: string): Promise<boolean> {
  const res = await db
    .updateTable('runs')
    .set({ status: 'running', error: null })
    .where('id', '=', runId)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
