import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { PipelineTrigger } from './trigger-spec.js';

/** Something a trigger may start a run for: its identity (claimed once) and when it arrived. */
export interface TriggerEntry {
  entry: string;
  at: number;
}

/**
 * What each trigger kind currently offers. Entries already taken by a batch are filtered out by
 * the claim, not here. `since` is when the trigger was first seen: runs and signals from before it
 * are history, not news (a folder's and a glob's entries count whenever they arrived).
 */
export async function triggerCandidates(db: Kysely<any>, t: PipelineTrigger, since: number): Promise<TriggerEntry[]> {
  switch (t.kind) {
    case 'files':
      return folderEntries(t.source);
    case 'glob':
      return globEntries(t.source);
    case 'run': {
      const rows = await db
        .selectFrom('runs')
        .select(['id', 'finished_at'])
        .where('pipeline', '=', t.source)
        .where('status', '=', 'succeeded')
        .where('finished_at', '>=', since)
        .execute();
      return rows.map((r) => ({ entry: r.id as string, at: Number(r.finished_at) }));
    }
    case 'event': {
      const rows = await db
        .selectFrom('wait_signals')
        .select(['id', 'created_at'])
        .where('name', '=', t.source)
        .where('created_at', '>=', since)
        .execute();
      return rows.map((r) => ({ entry: String(r.id), at: Number(r.created_at) }));
    }
  }
}

/**
 * A folder's entries by absolute path. Arrival is the entry's ctime (set when it is moved in;
 * a writer cannot back-date it). Names starting with "." are entries still being written.
 */
async function folderEntries(dir: string): Promise<TriggerEntry[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: TriggerEntry[] = [];
  for (const n of names) {
    if (n.startsWith('.')) continue;
    const s = await stat(join(dir, n)).catch(() => undefined);
    if (s) out.push({ entry: join(dir, n), at: s.ctimeMs });
  }
  return out;
}

/** Files matching a glob; a changed file (new mtime or size) is a new entry. */
async function globEntries(pattern: string): Promise<TriggerEntry[]> {
  const { glob } = await import('tinyglobby');
  const files = await glob(pattern, { absolute: true, onlyFiles: true, dot: false });
  const out: TriggerEntry[] = [];
  for (const f of files.sort()) {
    const s = await stat(f).catch(() => undefined);
    if (s) out.push({ entry: `${f}@${Math.trunc(s.mtimeMs)}:${s.size}`, at: Math.max(s.mtimeMs, s.ctimeMs) });
  }
  return out;
}

/** A batch's entries as the run sees them: paths for files and globs, run ids, signal ids. */
export function batchValue(t: PipelineTrigger, entries: string[]): string[] {
  return t.kind === 'glob' ? entries.map((e) => e.replace(/@\d+:\d+$/, '')) : entries;
}
