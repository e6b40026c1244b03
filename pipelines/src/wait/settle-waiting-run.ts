import { type Kysely, sql } from 'kysely';

/**
 * A distributed run whose only unfinished work is parked steps (and what depends on them) is
 * `waiting`: nothing is queued or running, so no worker holds anything for it. Called in the
 * transaction that parks a step and wherever a run could otherwise be finished. True when it moved.
 */
export async function settleWaitingRun(tx: Kysely<any>, runId: string): Promise<boolean> {
  const res = await sql`update runs set status = 'waiting'
    where id = ${runId} and status = 'running'
      and exists (select 1 from steps where run_id = ${runId} and status = 'waiting')
      and not exists (select 1 from steps where run_id = ${runId}
        and (status in ('queued', 'running') or (status = 'pending' and partition = '' and coalesce(pending_deps, 0) = 0)))`.execute(tx);
  return Number(res.numAffectedRows ?? 0) === 1;
}
