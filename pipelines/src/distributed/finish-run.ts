import type { Kysely } from 'kysely';

/**
 * Ends a distributed run that is still `running`, with its `run.finished` event in the same
 * transaction (worded as the in-process executor words it): a reader that sees the final status (a
 * live stream, a script polling the run) finds run.finished there too. False when the run was not
 * running (already ended, cancelled, waiting): nothing is written.
 */
export async function finishRun(
  tx: Kysely<any>,
  runId: string,
  status: 'succeeded' | 'failed' | 'cancelled',
  error: string | null,
  from: string[] = ['running'],
): Promise<boolean> {
  const run = await tx.selectFrom('runs').select('status').where('id', '=', runId).forUpdate().executeTakeFirst();
  if (!run || !from.includes(run.status)) return false;
  const now = Date.now();
  // The event first: even a trigger on the status change finds it.
  await tx
    .insertInto('events')
    .values({
      run_id: runId,
      step_id: null,
      ts: now,
      level: status === 'succeeded' ? 'info' : 'error',
      type: 'run.finished',
      message: `run ${status}${error ? `: ${error}` : ''}`,
      fields: null,
    })
    .execute();
  await tx.updateTable('runs').set({ status, finished_at: now, error }).where('id', '=', runId).execute();
  return true;
}
