import { sql, type Kysely } from 'kysely';
import type { DatanetLimits } from '../definition/datanet-definition.js';
import { dailyWindow } from '../policy/daily-window.js';
import { num } from './open-registry.js';
import { dailyLockKey, pendingUploads } from './upload-reservations.js';

export type LimitName = 'dailyBytesPerContributor' | 'dailyFilesPerContributor' | 'dailyBytesPerDatanet';

export type Reservation =
  | { ok: true; day: string; bytesUsed: number; filesUsed: number }
  | { ok: false; day: string; limit: LimitName; cap: number; used: number; requested: number; resetsAt: number; message: string };

export interface ReserveRequest {
  datanet: string;
  contributor: string;
  bytes: number;
  limits: DatanetLimits;
  /**
   * The clock of the decision (staleness of other uploads' reservations). The day counted is the
   * day of receipt of the submission whose file this transaction decides (its pending row), or
   * the day of `now` without one.
   */
  now?: number;
}

const WHOLE_DATANET = '*';

/**
 * Counts one file against the daily limits, atomically: each counter moves by a single
 * `UPDATE ... WHERE used + size <= cap RETURNING`, which PostgreSQL re-evaluates on the locked row
 * when another transaction changed it first, so concurrent processes can never push a counter past
 * its cap. Exactly the cap is allowed; one byte more is not. Room held by other uploads in flight
 * (reserved over HTTP, not yet decided: pendingUploads) is not free: read under the lock uploads
 * reserve under (dailyLockKey), so an entry without a reservation (or a file whose text outgrew its
 * signed size) cannot take bytes another upload was promised. Call it inside the transaction that
 * records the file's decision (decideFile: `db` is a transaction), so a crash leaves neither or both
 * and the lock is held until the counters and the file's decision commit together.
 */
export async function reserveDailyUsage(db: Kysely<any>, req: ReserveRequest): Promise<Reservation> {
  const now = req.now ?? Date.now();
  // Counted by the time of receipt, never by the time intake decides (an upload received at
  // 23:59:59 and decided after midnight counts on the day it reserved on, not the next one).
  const receivedAt = (await receiptOfFileBeingDecided(db, req.datanet, req.contributor)) ?? now;
  const { day, resetsAt } = dailyWindow(receivedAt, req.limits.resetTimezone);
  await sql`select pg_advisory_xact_lock(hashtext(${dailyLockKey(req.datanet, req.contributor, day, req.limits)}))`.execute(db);
  const fileCap = req.limits.dailyFilesPerContributor ?? 2_147_483_647;
  const others = await pendingUploads(db, req.datanet, req.contributor, day, now);
  const mine = await bump(
    db,
    req.datanet,
    req.contributor,
    day,
    req.bytes,
    req.limits.dailyBytesPerContributor - others.bytes,
    fileCap - others.files,
  );
  if (!mine) {
    const decided = await usage(db, req.datanet, req.contributor, day);
    const used = { bytes: decided.bytes + others.bytes, files: decided.files + others.files };
    const filesFull = req.limits.dailyFilesPerContributor !== undefined && used.files + 1 > req.limits.dailyFilesPerContributor;
    const bytesFull = used.bytes + req.bytes > req.limits.dailyBytesPerContributor;
    const limit: LimitName = bytesFull || !filesFull ? 'dailyBytesPerContributor' : 'dailyFilesPerContributor';
    const bytes = limit === 'dailyBytesPerContributor';
    return refusal(limit, day, resetsAt, req, bytes ? req.limits.dailyBytesPerContributor : fileCap, bytes ? used.bytes : used.files, {
      decided: bytes ? decided.bytes : decided.files,
      inFlight: bytes ? others.bytes : others.files,
    });
  }
  if (req.limits.dailyBytesPerDatanet !== undefined) {
    const othersAll = await pendingUploads(db, req.datanet, undefined, day, now);
    const all = await bump(
      db,
      req.datanet,
      WHOLE_DATANET,
      day,
      req.bytes,
      req.limits.dailyBytesPerDatanet - othersAll.bytes,
      2_147_483_647,
    );
    if (!all) {
      // Give back what the contributor's counter took; both moves are in the caller's transaction.
      await db
        .updateTable('daily_usage')
        .set({ bytes: sql`bytes - ${req.bytes}`, files: sql`files - 1` })
        .where('datanet', '=', req.datanet)
        .where('contributor', '=', req.contributor)
        .where('day', '=', day)
        .execute();
      const decided = await usage(db, req.datanet, WHOLE_DATANET, day);
      return refusal('dailyBytesPerDatanet', day, resetsAt, req, req.limits.dailyBytesPerDatanet, decided.bytes + othersAll.bytes, {
        decided: decided.bytes,
        inFlight: othersAll.bytes,
      });
    }
  }
  return { ok: true, day, bytesUsed: mine.bytes, filesUsed: mine.files };
}

/**
 * The time of receipt of the submission whose file the caller's transaction is deciding: the one
 * with a pending file row (decideFile inserts it pending and decides it in the same transaction,
 * so a committed row is never pending and another transaction's is not visible).
 */
async function receiptOfFileBeingDecided(db: Kysely<any>, datanet: string, contributor: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('submission_files as f')
    .innerJoin('submissions as s', 's.id', 'f.submission_id')
    .select('s.received_at')
    .where('f.datanet', '=', datanet)
    .where('f.contributor', '=', contributor)
    .where('f.status', '=', 'pending')
    .executeTakeFirst();
  return row ? num(row.received_at) : undefined;
}

/** Bytes and files already counted for a contributor (or '*', the whole Datanet) on a day. */
export async function usage(db: Kysely<any>, datanet: string, contributor: string, day: string): Promise<{ bytes: number; files: number }> {
  const row = await db
    .selectFrom('daily_usage')
    .select(['bytes', 'files'])
    .where('datanet', '=', datanet)
    .where('contributor', '=', contributor)
    .where('day', '=', day)
    .executeTakeFirst();
  return { bytes: num(row?.bytes), files: num(row?.files) };
}

async function bump(db: Kysely<any>, datanet: string, contributor: string, day: string, bytes: number, cap: number, fileCap: number) {
  await db
    .insertInto('daily_usage')
    .values({ datanet, contributor, day, bytes: 0, files: 0 })
    .onConflict((oc) => oc.columns(['datanet', 'contributor', 'day']).doNothing())
    .execute();
  const row = await db
    .updateTable('daily_usage')
    .set({ bytes: sql`bytes + ${bytes}`, files: sql`files + 1` })
    .where('datanet', '=', datanet)
    .where('contributor', '=', contributor)
    .where('day', '=', day)
    .where(sql<boolean>`bytes + ${bytes} <= ${cap}`)
    .where(sql<boolean>`files + 1 <= ${fileCap}`)
    .returning(['bytes', 'files'])
    .executeTakeFirst();
  return row ? { bytes: num(row.bytes), files: num(row.files) } : undefined;
}

function refusal(
  limit: LimitName,
  day: string,
  resetsAt: number,
  req: ReserveRequest,
  cap: number,
  used: number,
  parts: { decided: number; inFlight: number },
): Reservation {
  const unit = limit === 'dailyFilesPerContributor' ? 'files' : 'bytes';
  const who = limit === 'dailyBytesPerDatanet' ? `Datanet ${req.datanet}` : `contributor ${req.contributor} in Datanet ${req.datanet}`;
  const asked = unit === 'bytes' ? `this file needs ${req.bytes} more` : 'this file would be one more';
  const taken =
    parts.inFlight > 0
      ? `${used} ${unit} used (${parts.decided} accepted, ${parts.inFlight} in uploads not yet decided)`
      : `${used} ${unit} already accepted`;
  const message =
    `daily limit ${limit} (${cap} ${unit}) reached for ${who}: ${taken} on ${day} (${req.limits.resetTimezone}), ` +
    `${asked}; it resets at ${new Date(resetsAt).toISOString()}`;
  return { ok: false, day, limit, cap, used, requested: unit === 'bytes' ? req.bytes : 1, resetsAt, message };
}
