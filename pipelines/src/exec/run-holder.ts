import { hostname } from 'node:os';
import type { RunStore } from '../store/run-store.js';

/** How often a process executing an in-process run writes the run's heartbeat_at. */
const RUN_HEARTBEAT_MS = 5_000;
/** A heartbeat older than this means the run's process is gone (or cut off from the store). */
const RUN_HEARTBEAT_STALE_MS = 30_000;

/** Writes the run's heartbeat now and every RUN_HEARTBEAT_MS; the returned function stops it. */
export function beatRun(store: RunStore, runId: string): () => void {
  const beat = () =>
    void store.db
      .updateTable('runs')
      .set({ heartbeat_at: Date.now() })
      .where('id', '=', runId)
      .execute()
      .catch(() => {}); // a store that is briefly unreachable: the next beat tries again
  beat();
  const timer = setInterval(beat, RUN_HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/**
 * Which process executes an in-process run (`host:pid`, from its last run.started event) and
 * whether it is alive: on this host, whether that pid exists; on another, whether it wrote the
 * run's heartbeat in the last 30 s. `how` says which, for people.
 */
export async function runHolder(store: RunStore, runId: string): Promise<{ worker: string | null; alive: boolean; how: string }> {
  const [started, run] = await Promise.all([
    store.db
      .selectFrom('events')
      .select('fields')
      .where('run_id', '=', runId)
      .where('type', '=', 'run.started')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst(),
    store.db.selectFrom('runs').select('heartbeat_at').where('id', '=', runId).executeTakeFirst(),
  ]);
  const fields = typeof started?.fields === 'string' ? (JSON.parse(started.fields) as unknown) : started?.fields;
  const worker = (fields as { worker?: unknown } | null | undefined)?.worker;
  const name = typeof worker === 'string' ? worker : null;
  const at = run?.heartbeat_at === null || run?.heartbeat_at === undefined ? null : Number(run.heartbeat_at);
  const beat = at === null ? 'no heartbeat' : `last heartbeat ${Math.round((Date.now() - at) / 1000)} s ago`;
  const m = name ? /^(.*):(\d+)$/.exec(name) : null;
  if (m && m[1] === hostname()) {
    const alive = pidAlive(Number(m[2]));
    return { worker: name, alive, how: `process ${m[2]} ${alive ? 'is running' : 'no longer exists'} on this host (${beat})` };
  }
  const alive = at !== null && Date.now() - at < RUN_HEARTBEAT_STALE_MS;
  return { worker: name, alive, how: `${name ? `process ${name}` : 'its process'}: ${beat}` };
}
