import { type Kysely, sql } from 'kysely';
import { sha256Hex } from '../util/hash.js';
import { triggerCandidates, type TriggerEntry } from './trigger-sources.js';
import type { PipelineTrigger } from './trigger-spec.js';

export interface TriggerCursor {
  /** When the trigger was first seen: runs and signals before it are not news. */
  since: number;
  /** The last entry of the last batch, and how many batches fired. */
  last?: string;
  lastAt?: number;
  batches: number;
}

export type ClaimOutcome =
  { fired: true; runId: string; batchKey: string; entries: string[] } | { fired: false; pending: number; fireAt?: number };

const chunks = <T>(xs: T[], n = 1000) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

/**
 * Decides and claims the trigger's next batch in one transaction, under a lock on the trigger's
 * state row: two schedulers looking at the same moment take turns, and the second finds the
 * entries already in a batch. An entry is in at most one batch (trigger_entries' primary key),
 * and the batch names its run id before any run exists, so a batch and its run are linked from
 * the moment it fires. Fires when no entry arrived for `debounce`, or at once with a full batch.
 */
export async function claimBatch(
  db: Kysely<any>,
  t: PipelineTrigger,
  firedBy: string,
  newRunId: () => string,
  now = Date.now(),
): Promise<ClaimOutcome> {
  return db.transaction().execute(async (tx) => {
    const initial: TriggerCursor = { since: now, batches: 0 };
    await tx
      .insertInto('trigger_state')
      .values({ pipeline: t.pipeline, trigger: t.name, cursor: JSON.stringify(initial), updated_at: now })
      .onConflict((oc) => oc.columns(['pipeline', 'trigger']).doNothing())
      .execute();
    const state = await tx
      .selectFrom('trigger_state')
      .select('cursor')
      .where('pipeline', '=', t.pipeline)
      .where('trigger', '=', t.name)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const cursor = (typeof state.cursor === 'string' ? JSON.parse(state.cursor) : state.cursor) as TriggerCursor;
    const fresh = await unclaimed(tx, t, await triggerCandidates(tx, t, cursor.since));
    if (!fresh.length) return { fired: false, pending: 0 };
    const newest = Math.max(...fresh.map((f) => f.at));
    if (fresh.length < t.maxBatch && now - newest < t.debounceMs)
      return { fired: false, pending: fresh.length, fireAt: newest + t.debounceMs };
    const entries = fresh.slice(0, t.maxBatch).map((f) => f.entry);
    const batchKey = sha256Hex(entries.join('\n')).slice(0, 32);
    const runId = newRunId();
    await tx
      .insertInto('trigger_batches')
      .values({
        pipeline: t.pipeline,
        trigger: t.name,
        batch_key: batchKey,
        run_id: runId,
        entries: JSON.stringify(entries),
        fired_by: firedBy,
        fired_at: now,
      })
      .execute();
    for (const part of chunks(entries)) {
      await tx
        .insertInto('trigger_entries')
        .values(part.map((entry) => ({ pipeline: t.pipeline, trigger: t.name, entry, batch_key: batchKey })))
        .execute();
    }
    const next: TriggerCursor = { since: cursor.since, last: entries[entries.length - 1], lastAt: now, batches: cursor.batches + 1 };
    await tx
      .updateTable('trigger_state')
      .set({ cursor: JSON.stringify(next), updated_at: now })
      .where('pipeline', '=', t.pipeline)
      .where('trigger', '=', t.name)
      .execute();
    return { fired: true, runId, batchKey, entries };
  });
}

/** Candidates not yet in any batch, oldest first. */
async function unclaimed(db: Kysely<any>, t: PipelineTrigger, candidates: TriggerEntry[]): Promise<TriggerEntry[]> {
  const taken = new Set<string>();
  for (const part of chunks(candidates.map((c) => c.entry))) {
    const rows = await db
      .selectFrom('trigger_entries')
      .select('entry')
      .where('pipeline', '=', t.pipeline)
      .where('trigger', '=', t.name)
      .where('entry', 'in', part)
      .execute();
    for (const r of rows) taken.add(r.entry);
  }
  return candidates.filter((c) => !taken.has(c.entry)).sort((a, b) => a.at - b.at || a.entry.localeCompare(b.entry));
}

export interface OrphanBatch {
  runId: string;
  batchKey: string;
  entries: string[];
  firedBy: string;
}

/** Batches claimed whose run was never created (their scheduler stopped between the two). */
export async function orphanBatches(db: Kysely<any>, t: PipelineTrigger, claimedBefore: number): Promise<OrphanBatch[]> {
  const res = await sql<{
    run_id: string;
    batch_key: string;
    entries: unknown;
    fired_by: string;
  }>`select b.run_id, b.batch_key, b.entries, b.fired_by from trigger_batches b
    where b.pipeline = ${t.pipeline} and b.trigger = ${t.name} and b.fired_at < ${claimedBefore} and not exists (select 1 from runs r where r.id = b.run_id) order by b.fired_at`.execute(
    db,
  );
  return res.rows.map((r) => ({
    runId: r.run_id,
    batchKey: r.batch_key,
    entries: (typeof r.entries === 'string' ? JSON.parse(r.entries) : r.entries) as string[],
    firedBy: r.fired_by,
  }));
}

export interface TriggerStatus {
  pipeline: string;
  trigger: string;
  kind: PipelineTrigger['kind'];
  source: string;
  debounce: number;
  maxBatch: number;
  cursor: TriggerCursor | null;
  /** Entries that arrived and are in no batch yet. */
  pending: number;
  lastBatch: { runId: string; entries: number; firedAt: string; firedBy: string; runStatus: string | null } | null;
}

/** Core of `datanet triggers`: each trigger with its cursor, what is pending, and its last run. */
export async function triggerStatus(db: Kysely<any>, t: PipelineTrigger): Promise<TriggerStatus> {
  const state = await db
    .selectFrom('trigger_state')
    .select('cursor')
    .where('pipeline', '=', t.pipeline)
    .where('trigger', '=', t.name)
    .executeTakeFirst();
  const cursor = state ? ((typeof state.cursor === 'string' ? JSON.parse(state.cursor) : state.cursor) as TriggerCursor) : null;
  const pending = (await unclaimed(db, t, await triggerCandidates(db, t, cursor?.since ?? Date.now()))).length;
  const last = await sql<{
    run_id: string;
    entries: unknown;
    fired_at: string;
    fired_by: string;
    status: string | null;
  }>`select b.run_id, b.entries, b.fired_at, b.fired_by, r.status from trigger_batches b
    left join runs r on r.id = b.run_id where b.pipeline = ${t.pipeline} and b.trigger = ${t.name} order by b.fired_at desc limit 1`.execute(
    db,
  );
  const l = last.rows[0];
  const entries = l ? ((typeof l.entries === 'string' ? JSON.parse(l.entries) : l.entries) as string[]) : [];
  return {
    pipeline: t.pipeline,
    trigger: t.name,
    kind: t.kind,
    source: t.source,
    debounce: t.debounceMs,
    maxBatch: t.maxBatch,
    cursor,
    pending,
    lastBatch: l
      ? {
          runId: l.run_id,
          entries: entries.length,
          firedAt: new Date(Number(l.fired_at)).toISOString(),
          firedBy: l.fired_by,
          runStatus: l.status,
        }
      : null,
  };
}
