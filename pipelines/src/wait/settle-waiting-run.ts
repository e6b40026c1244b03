import { type Kysely, sql } from 'kysely';

/**
 * A distributed run whose only unfinished work is parked steps (and what depends on them) is
 * `waiting`: nothing is queued or running, so no worker holds anything for it. Called in the
 * transaction that parks a step and wherever a run could otherwise be finished. True when it moved.
 * Runs without open waits (nearly all) cost one index probe of step_waits.
 */
export async function settleWaitingRun(tx: Kysely<any>, runId: string): Promise<boolean> {
  const open = await tx
    .selectFrom('step_waits')
    .select('step_id')
    .where('run_id', '=', runId)
    .where('status', 'in', ['waiting', 'woken'])
    .limit(1)
    .executeTakeFirst();
  if (!open) return false;
  const res = await sql`update runs set status = 'waiting'
    where id = ${runId} and status = 'running'
      and exists (select 1 from steps where run_id = ${runId} and partition = '' and status = 'waiting')
      and not exists (select 1 from steps where run_id = ${runId}
        and (status in ('queued', 'running') or (status = 'pending' and partition = '' and coalesce(pending_deps, 0) = 0)))`.execute(tx);
  return Number(res.numAffectedRows ?? 0) === 1;
}

/**
 * Parks a distributed step: if the job still holds it, the step becomes `waiting` with no lease and
 * no job (the worker is free), its attempt is recorded as waited, and the run becomes `waiting` if
 * nothing else of it is queued or running. Undefined when the job lost the step meanwhile.
 */
export async function parkDistributedStep(
  db: Kysely<any>,
  p: { runId: string; stepId: string; jobId: string; attempt: number; reason: string; ran: boolean; worker: string; startedAt: number },
): Promise<[] | undefined> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('steps')
      .select(['status', 'job_id'])
      .where('run_id', '=', p.runId)
      .where('step_id', '=', p.stepId)
      .where('partition', '=', '')
      .forUpdate()
      .executeTakeFirst();
    if (row?.status !== 'running' || row.job_id !== p.jobId) return undefined;
    const now = Date.now();
    await tx
      .updateTable('steps')
      .set({ status: 'waiting', reason: p.reason, error: null, lease_until: null, job_id: null, heartbeat_at: null })
      .where('run_id', '=', p.runId)
      .where('step_id', '=', p.stepId)
      .where('partition', '=', '')
      .execute();
    // A re-check that found the wait still open ran nothing: its claim's attempt row says so.
    await tx
      .updateTable('attempts')
      .set({ status: p.ran ? 'waiting' : 'still waiting', finished_at: now })
      .where('run_id', '=', p.runId)
      .where('step_id', '=', p.stepId)
      .where('partition', '=', '')
      .where('attempt', '=', p.attempt)
      .execute();
    await settleWaitingRun(tx, p.runId);
    return [];
  });
}
