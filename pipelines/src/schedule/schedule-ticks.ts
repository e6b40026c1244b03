import { readFileSync } from 'node:fs';
import { Cron } from 'croner';
import { parse } from 'yaml';
import { type Kysely, sql } from 'kysely';
import { ScheduleSchema } from '../spec/pipeline-spec.js';
import type { z } from 'zod';

export type ScheduleSpec = z.output<typeof ScheduleSchema>;

export interface ScheduledPipeline {
  file: string;
  pipeline: string;
  schedule: ScheduleSpec;
}

/** The `schedule:` of a pipeline file, checked; undefined when it has none. */
export function readSchedule(file: string): ScheduledPipeline | undefined {
  const doc = parse(readFileSync(file, 'utf8')) as { metadata?: { name?: string }; schedule?: unknown } | null;
  if (!doc?.schedule) return undefined;
  const parsed = ScheduleSchema.safeParse(doc.schedule);
  if (!parsed.success)
    throw new Error(`${file}: schedule: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'schedule'}: ${i.message}`).join('; ')}`);
  try {
    new Cron(parsed.data.cron, { timezone: parsed.data.timezone, paused: true });
  } catch (err) {
    throw new Error(`${file}: schedule.cron "${parsed.data.cron}" (timezone ${parsed.data.timezone}): ${(err as Error).message}`);
  }
  return { file, pipeline: doc.metadata?.name ?? file, schedule: parsed.data };
}

function cronOf(s: ScheduleSpec): Cron {
  return new Cron(s.cron, { timezone: s.timezone, paused: true });
}

/** The next `n` fire times after `from`. */
export function nextTicks(s: ScheduleSpec, from: Date, n: number): Date[] {
  return cronOf(s).nextRuns(n, from);
}

/** Fire times in (after, until], oldest first, at most `cap` of them (the most recent ones). */
export function ticksBetween(s: ScheduleSpec, after: number, until: number, cap = 1000): number[] {
  const cron = cronOf(s);
  const out: number[] = [];
  let t = cron.nextRun(new Date(after));
  while (t && t.getTime() <= until) {
    out.push(t.getTime());
    if (out.length > cap) out.shift();
    t = cron.nextRun(t);
  }
  return out;
}

/** The latest tick claimed for a pipeline, by any scheduler. */
export async function lastClaimedTick(db: Kysely<any>, pipeline: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('schedule_ticks')
    .select((eb) => eb.fn.max('tick').as('t'))
    .where('pipeline', '=', pipeline)
    .executeTakeFirst();
  return row?.t === null || row?.t === undefined ? undefined : Number(row.t);
}

/** Ticks claimed with a run id whose run does not exist: their scheduler stopped before starting it. */
export async function orphanTicks(
  db: Kysely<any>,
  pipeline: string,
  claimedBefore: number,
): Promise<{ tick: number; runId: string; firedBy: string }[]> {
  const res = await sql<{ tick: string; run_id: string; fired_by: string }>`select t.tick, t.run_id, t.fired_by from schedule_ticks t
    where t.pipeline = ${pipeline} and t.run_id is not null and t.fired_at < ${claimedBefore} and not exists (select 1 from runs r where r.id = t.run_id) order by t.tick`.execute(
    db,
  );
  return res.rows.map((r) => ({ tick: Number(r.tick), runId: r.run_id, firedBy: r.fired_by }));
}

export async function recordTickRun(
  db: Kysely<any>,
  pipeline: string,
  tick: number,
  runId: string | null,
  firedBy?: string,
): Promise<void> {
  await sql`update schedule_ticks set run_id = ${runId}, fired_by = coalesce(${firedBy ?? null}, fired_by) where pipeline = ${pipeline} and tick = ${tick}`.execute(
    db,
  );
}
