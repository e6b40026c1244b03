import type { Kysely } from 'kysely';
import { describeCondition } from './wait-condition.js';
import { waitIsReady } from './step-wait-api.js';
import { claimWaitingRun, listWaits, type WaitRow } from './wait-store.js';

export interface WakeTarget {
  runId: string;
  executor: string;
  /** The waits of this run that can continue now. */
  ready: WaitRow[];
}

/**
 * One round of the waker (the scheduler runs it on its timer, `datanet wake` once): every run
 * parked in `waiting` with a wait whose condition now holds, whose deadline passed, or that was
 * woken by hand. Each such run is claimed (waiting -> running) by exactly one waker, which then
 * continues it through `continueRun`: resumed in this process, or its steps re-queued for workers.
 * The run's other waits are re-checked by the step lifecycle and stay parked if not ready.
 */
export async function wakeReadyRuns(
  db: Kysely<any>,
  continueRun: (t: WakeTarget) => Promise<void>,
  log: (line: string) => void = () => {},
  onlyRun?: string,
): Promise<string[]> {
  const open = (await listWaits(db, onlyRun ? { runId: onlyRun } : {})).filter((w) => w.status === 'waiting' || w.status === 'woken');
  if (!open.length) return [];
  const runIds = [...new Set(open.map((w) => w.runId))];
  const runs = await db
    .selectFrom('runs')
    .select(['id', 'status', 'executor'])
    .where('id', 'in', runIds)
    .where('status', '=', 'waiting')
    .execute();
  const woken: string[] = [];
  for (const run of runs) {
    const ready: WaitRow[] = [];
    for (const w of open.filter((x) => x.runId === run.id)) if (await waitIsReady(db, w)) ready.push(w);
    if (!ready.length) continue;
    if (!(await claimWaitingRun(db, run.id))) continue; // another waker has it
    log(
      `run ${run.id}: ${ready.map((w) => `step ${w.stepId}${w.partition ? `[${w.partition}]` : ''} (${describeCondition(w.condition)})`).join(', ')} can continue`,
    );
    woken.push(run.id);
    await continueRun({ runId: run.id, executor: run.executor, ready });
  }
  return woken;
}
