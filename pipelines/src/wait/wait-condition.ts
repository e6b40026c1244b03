import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { parseDuration } from '../spec/pipeline-spec.js';
import { canonicalJson } from '../util/hash.js';
import type { WaitCondition, WaitSignal } from './wait-types.js';

/** A condition as stored in `step_waits.condition`: plain JSON, absolute paths and times. */
export type StoredCondition =
  | { kind: 'signal'; name: string; count: number }
  | { kind: 'time'; at: number }
  | { kind: 'files'; path: string; count: number }
  | { kind: 'run'; pipeline?: string; runId?: string };

export interface ConditionState {
  met: boolean;
  signals: WaitSignal[];
  entries: string[];
}

/** Checks an operator's condition and puts it in stored form; a bad one fails the step at once. */
export function normaliseCondition(c: WaitCondition, baseDir: string): StoredCondition {
  const positive = (n: number | undefined, what: string) => {
    if (n === undefined) return 1;
    if (!Number.isInteger(n) || n < 1) throw new TypeError(`ctx.wait: ${what}.count must be a positive whole number (got ${n})`);
    return n;
  };
  if ('signal' in c) {
    if (typeof c.signal !== 'string' || !c.signal) throw new TypeError('ctx.wait: signal must be a non-empty name');
    return { kind: 'signal', name: c.signal, count: positive(c.count, 'signal') };
  }
  if ('until' in c) return { kind: 'time', at: toTime(c.until, Date.now(), 'until') };
  if ('files' in c) return { kind: 'files', path: resolve(baseDir, c.files), count: positive(c.count, 'files') };
  if ('run' in c) {
    const r = c.run as { pipeline?: string; runId?: string };
    if (!r.pipeline && !r.runId) throw new TypeError('ctx.wait: run needs a pipeline or a runId');
    return r.runId ? { kind: 'run', runId: r.runId } : { kind: 'run', pipeline: r.pipeline };
  }
  throw new TypeError(`ctx.wait: unknown condition ${JSON.stringify(c)} (expected signal, until, files or run)`);
}

/** A time as epoch ms: a Date, epoch ms, an ISO date, or a duration ("30m") counted from `from`. */
export function toTime(v: Date | number | string, from: number, what: string): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  if (/^(\d+(ms|s|m|h|d))+$/.test(v)) return from + parseDurationDays(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new TypeError(`ctx.wait: ${what} "${v}" is neither a date nor a duration like "30m"`);
  return t;
}

function parseDurationDays(v: string): number {
  let days = 0;
  const rest = v.replace(/(\d+)d/g, (_, n: string) => ((days += Number(n)), ''));
  return days * 86_400_000 + (rest ? parseDuration(rest) : 0);
}

/** Identity of a wait: its condition as written (Dates as ISO strings). */
export function conditionKey(c: WaitCondition | StoredCondition): string {
  return canonicalJson(JSON.parse(JSON.stringify(c)));
}

export function describeCondition(c: StoredCondition): string {
  switch (c.kind) {
    case 'signal':
      return `signal "${c.name}"${c.count > 1 ? ` x${c.count}` : ''}`;
    case 'time':
      return `time ${new Date(c.at).toISOString()}`;
    case 'files':
      return `${c.count > 1 ? `${c.count} new entries` : 'a new entry'} in ${c.path}`;
    case 'run':
      return c.runId ? `run ${c.runId} to succeed` : `a new successful run of pipeline "${c.pipeline}"`;
  }
}

/** When time alone can decide the wait: the time condition or the deadline, whichever is first. */
export function wakeAtOf(c: StoredCondition, deadline: number | null): number | null {
  const at = c.kind === 'time' ? c.at : null;
  if (at === null) return deadline;
  return deadline === null ? at : Math.min(at, deadline);
}

/**
 * Whether the condition holds now. `since` is when the wait began: new entries and new runs are
 * those after it. Cheap enough for a scheduler to check every open wait on each of its rounds.
 */
export async function evaluateCondition(db: Kysely<any>, c: StoredCondition, since: number, ownRunId: string): Promise<ConditionState> {
  switch (c.kind) {
    case 'signal': {
      const signals = await signalsNamed(db, c.name);
      return { met: signals.length >= c.count, signals, entries: [] };
    }
    case 'time':
      return { met: Date.now() >= c.at, signals: [], entries: [] };
    case 'files': {
      const entries = await newEntries(c.path, since);
      return { met: entries.length >= c.count, signals: [], entries };
    }
    case 'run': {
      const res = c.runId
        ? await sql<{ id: string }>`select id from runs where id = ${c.runId} and status = 'succeeded'`.execute(db)
        : await sql<{
            id: string;
          }>`select id from runs where pipeline = ${c.pipeline} and status = 'succeeded' and id <> ${ownRunId} and finished_at > ${since} order by finished_at`.execute(
            db,
          );
      const entries = res.rows.map((r) => r.id);
      return { met: entries.length > 0, signals: [], entries };
    }
  }
}

export async function signalsNamed(db: Kysely<any>, name: string): Promise<WaitSignal[]> {
  const rows = await db.selectFrom('wait_signals').selectAll().where('name', '=', name).orderBy('id').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    payload: r.payload ?? undefined,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
  }));
}

/**
 * Entries of a folder (dot-names are half-written: skipped) that arrived after `since`. Arrival is
 * the entry's ctime: set when it is moved in, and not something a writer can back-date.
 */
async function newEntries(dir: string, since: number): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: string[] = [];
  for (const n of names.filter((x) => !x.startsWith('.')).sort()) {
    const s = await stat(join(dir, n)).catch(() => undefined);
    if (s && s.ctimeMs > since) out.push(n);
  }
  return out;
}
