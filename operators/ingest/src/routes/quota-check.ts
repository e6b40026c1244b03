import { sql, type Kysely } from 'kysely';
import { dailyWindow, usage, type DatanetDefinition } from '@datanet/datanet';
import { UploadRefusal } from './receive-files.js';

/**
 * Refuses, before anything is stored, a submission that would cross a daily limit. Counted by the
 * time of receipt: the bytes intake already accepted today (its atomic counters) plus what this
 * server received today that intake has not decided yet. Intake's counters stay the final word.
 */
export async function checkDailyLimits(
  db: Kysely<any>,
  def: DatanetDefinition,
  contributor: string,
  bytes: number,
  files: number,
  now: number,
): Promise<void> {
  const { day, resetsAt } = dailyWindow(now, def.limits.resetTimezone);
  const reset = new Date(resetsAt).toISOString();
  const retryAfter = Math.max(1, Math.ceil((resetsAt - now) / 1000));
  const pending = await pendingToday(db, def.id, contributor, day);
  const mine = await usage(db, def.id, contributor, day);
  const usedBytes = mine.bytes + pending.bytes;
  const usedFiles = mine.files + pending.files;
  const refuse = (limit: string, cap: number, used: number, unit: string) => {
    throw new UploadRefusal(
      429,
      'daily_limit',
      `daily limit ${limit} (${cap} ${unit}) for ${contributor} in Datanet ${def.id}: ${used} ${unit} used on ${day}, this submission needs ${unit === 'bytes' ? bytes : files} more; it resets at ${reset}`,
      {
        limit,
        cap,
        used,
        requested: unit === 'bytes' ? bytes : files,
        resetsAt: reset,
        retryAfter,
      },
    );
  };
  if (usedBytes + bytes > def.limits.dailyBytesPerContributor)
    refuse('dailyBytesPerContributor', def.limits.dailyBytesPerContributor, usedBytes, 'bytes');
  const filesCap = (def.limits as { dailyFilesPerContributor?: number }).dailyFilesPerContributor;
  if (filesCap !== undefined && usedFiles + files > filesCap) refuse('dailyFilesPerContributor', filesCap, usedFiles, 'files');
  const datanetCap = (def.limits as { dailyBytesPerDatanet?: number }).dailyBytesPerDatanet;
  if (datanetCap !== undefined) {
    const all = await usage(db, def.id, '*', day);
    const allPending = await pendingToday(db, def.id, undefined, day);
    const used = all.bytes + allPending.bytes;
    if (used + bytes > datanetCap) refuse('dailyBytesPerDatanet', datanetCap, used, 'bytes');
  }
}

/** Received over HTTP today and not yet decided by intake (no row in the registry's submissions). */
async function pendingToday(
  db: Kysely<any>,
  datanet: string,
  contributor: string | undefined,
  day: string,
): Promise<{ bytes: number; files: number }> {
  const subject = contributor ? `${datanet}:${contributor.toLowerCase()}:${day}` : undefined;
  const row = await db
    .selectFrom('server_idempotency as i')
    .select([
      sql<number>`coalesce(sum((i.body->>'bytes')::int8), 0)`.as('bytes'),
      sql<number>`coalesce(sum((i.body->>'fileCount')::int8), 0)`.as('files'),
    ])
    .where('i.kind', '=', 'submission')
    .$if(subject !== undefined, (q) => q.where('i.subject', '=', subject!))
    .$if(subject === undefined, (q) => q.where('i.subject', 'like', `${datanet}:%:${day}`))
    .where(sql<boolean>`not exists (select 1 from submissions s where s.id = i.body->>'submissionId')`)
    .executeTakeFirst();
  return { bytes: Number(row?.bytes ?? 0), files: Number(row?.files ?? 0) };
}
