import { sql, type Kysely } from 'kysely';
import type { DatanetLimits } from '../definition/datanet-definition.js';
import { dailyWindow } from '../policy/daily-window.js';
import type { LimitName } from './daily-usage.js';

/**
 * Daily limits for uploads over HTTP, before intake decides them. An upload reserves its signed
 * totals (bytes, files) before a byte is stored, under a lock per (Datanet, contributor, day), so
 * concurrent uploads from any number of clients or server replicas never pass a cap together;
 * counted by the time of receipt. A reservation is released when the upload fails and becomes
 * `received` once its inbox entry exists. From then on it counts what intake has not decided yet:
 * each file intake decides (in the transaction that moves intake's counters, `reserveDailyUsage`)
 * leaves the reservation as it enters the counters, so the bytes count in one place at every
 * moment, and a server that dies mid-intake leaves exactly the undecided files reserved until
 * intake resumes. Intake marks it `decided` when the entry is decided (uploadDecided). While the
 * upload streams, the route refreshes its reservation (refreshUpload, every uploadRefreshMs); an
 * upload that never finished (a server killed mid-upload) stops counting once it has gone
 * uploadStaleMs without a refresh; a reservation never counts past its day.
 */
const TABLE = 'upload_reservations';

/**
 * How long an `uploading` reservation counts without a refresh: 10 minutes, or the environment
 * variable DATANET_UPLOAD_STALE_MS (milliseconds; meant for tests, give every server and intake
 * process the same value).
 */
export function uploadStaleMs(): number {
  const set = process.env.DATANET_UPLOAD_STALE_MS;
  if (set === undefined || set === '') return 10 * 60_000;
  const ms = Number(set);
  if (!Number.isSafeInteger(ms) || ms < 1000)
    throw new Error(`DATANET_UPLOAD_STALE_MS must be a whole number of milliseconds, at least 1000; it is ${JSON.stringify(set)}`);
  return ms;
}

/** How often a streaming upload refreshes its reservation: a fifth of the stale time, at most a minute. */
export function uploadRefreshMs(): number {
  return Math.min(60_000, Math.floor(uploadStaleMs() / 5));
}

export type UploadReservation =
  /** again: this submission had reserved before (a retry). */
  | { ok: true; again?: boolean }
  | { ok: false; limit: LimitName; cap: number; used: number; requested: number; unit: 'bytes' | 'files'; day: string; resetsAt: number };

export interface UploadRequest {
  datanet: string;
  /** The signer, as recovered (the case intake records). */
  contributor: string;
  submissionId: string;
  bytes: number;
  files: number;
  limits: DatanetLimits;
  receivedAt: number;
}

/** Reserves the upload's totals, or says which limit it would cross, how much is used and when it resets. */
export async function reserveUpload(db: Kysely<any>, q: UploadRequest): Promise<UploadReservation> {
  const { rows } = await reserveUploadStatement(q).execute(db);
  return reservationFrom(rows[0], q);
}

/** A row of datanet_reserve_upload (registry migration 0003). */
export interface ReservationRow {
  r_ok: boolean;
  r_again: boolean;
  r_limit: LimitName | null;
  r_cap: unknown;
  r_used: unknown;
}

/**
 * The reservation as one statement, to execute or to run inside a larger one (the upload route
 * runs it with its nonce claim): one round trip and one commit. In the SQL function, under a lock
 * per (Datanet, contributor, day) (per (Datanet, day) when the Datanet has a daily cap), so the
 * check and the insert are one step for every other upload that shares the cap: this
 * submission's earlier reservation (a retry: it stands), else the day's decided usage (intake's
 * counters, as usage() reads them) plus the uploads pending (as pendingIn() counts them) against
 * each cap, then the insert.
 */
export function reserveUploadStatement(q: UploadRequest) {
  return sql<ReservationRow>`select * from datanet_reserve_upload(${reserveUploadArgs(q)})`;
}

/**
 * The arguments of datanet_reserve_upload for this request, in order (lock key, submission,
 * Datanet, contributor, day, bytes, files, the three caps, the time, the staleness), for a caller
 * that passes them on to a function of its own that reserves (the upload route's admission).
 */
export function reserveUploadArgs(q: UploadRequest) {
  const { day } = dailyWindow(q.receivedAt, q.limits.resetTimezone);
  const datanetCap = q.limits.dailyBytesPerDatanet;
  return sql.join([
    sql`${dailyLockKey(q.datanet, q.contributor, day, q.limits)}::text`,
    sql`${q.submissionId}::text`,
    sql`${q.datanet}::text`,
    sql`${q.contributor}::text`,
    sql`${day}::text`,
    sql`${q.bytes}::int8`,
    sql`${q.files}::int8`,
    sql`${q.limits.dailyBytesPerContributor}::int8`,
    sql`${q.limits.dailyFilesPerContributor ?? null}::int8`,
    sql`${datanetCap ?? null}::int8`,
    sql`${q.receivedAt}::int8`,
    sql`${uploadStaleMs()}::int8`,
  ]);
}

/**
 * The lock every check of a day's quota takes (an upload's reservation, intake's decision of a
 * file): one per (Datanet, contributor, day), or per (Datanet, day) when the Datanet has a daily
 * cap, which every contributor's uploads share.
 */
export function dailyLockKey(datanet: string, contributor: string, day: string, limits: DatanetLimits): string {
  const who = limits.dailyBytesPerDatanet === undefined ? contributor.toLowerCase() : '*';
  return `${datanet}:${who}:${day}`;
}

/** What a row of reserveUploadStatement means for this request. */
export function reservationFrom(row: ReservationRow, q: UploadRequest): UploadReservation {
  if (row.r_ok) return row.r_again ? { ok: true, again: true } : { ok: true };
  const { day, resetsAt } = dailyWindow(q.receivedAt, q.limits.resetTimezone);
  const limit = row.r_limit!;
  const files = limit === 'dailyFilesPerContributor';
  return {
    ok: false,
    limit,
    cap: Number(row.r_cap),
    used: Number(row.r_used),
    requested: files ? q.files : q.bytes,
    unit: files ? 'files' : 'bytes',
    day,
    resetsAt,
  };
}

/** The upload failed or was refused: its reservation no longer holds quota. */
export async function releaseUpload(db: Kysely<any>, submissionId: string): Promise<void> {
  await db.deleteFrom(TABLE).where('submission_id', '=', submissionId).where('state', '=', 'uploading').execute();
}

/**
 * The upload is still streaming: its reservation counts on (updated_at moves to `now`). Only a
 * live one: a reservation released (gone), received, decided or already stale (another upload may
 * have taken its room since) is left as it is, and false is returned. Under the lock reservations
 * are checked under, so a check never sees it stale and then live again.
 */
export async function refreshUpload(db: Kysely<any>, q: UploadRequest, now: number): Promise<boolean> {
  const { day } = dailyWindow(q.receivedAt, q.limits.resetTimezone);
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${dailyLockKey(q.datanet, q.contributor, day, q.limits)}))`.execute(trx);
    const res = await trx
      .updateTable(TABLE)
      .set({ updated_at: now })
      .where('submission_id', '=', q.submissionId)
      .where('state', '=', 'uploading')
      .where('updated_at', '>', now - uploadStaleMs())
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  });
}

/**
 * The inbox entries exist: the reservations count until intake decides the submissions. The
 * statement, to execute, or to run alongside another in one round trip (the upload route keeps
 * its answers with it).
 */
export function uploadsReceived(db: Kysely<any>, submissionIds: string[], at: number) {
  // Only an upload's own reservation: intake may already have decided the entry (uploadDecided).
  return db
    .updateTable(TABLE)
    .set({ state: 'received', updated_at: at })
    .where('submission_id', 'in', submissionIds)
    .where('state', '=', 'uploading');
}

/**
 * Intake has decided the entry `entry` of this submission: its reservation no longer counts (its
 * files are in intake's counters or were rejected; a whole rejection leaves no file rows, so
 * without this its bytes would count for the rest of the day). Left as is when the submission was
 * recorded by another entry (this one is a copy, rejected as a replay; the other decides it).
 */
export async function uploadDecided(db: Kysely<any>, submissionId: string, entry: string, at: number): Promise<void> {
  await db
    .updateTable(TABLE)
    .set({ state: 'decided', updated_at: at })
    .where('submission_id', '=', submissionId)
    .where('state', '<>', 'decided')
    .where(sql<boolean>`not exists (select 1 from submissions s where s.id = ${submissionId} and s.inbox_entry <> ${entry})`)
    .execute();
}

/**
 * Bytes and files of uploads in flight on a day: reserved (live) or received, less the files
 * intake has decided (registry migration 0008, datanet_uploads_in_flight). Every contributor's
 * when `contributor` is undefined. Inside intake's decision of a file, its own submission is left
 * out (see the migration).
 */
export async function pendingUploads(
  db: Kysely<any>,
  datanet: string,
  contributor: string | undefined,
  day: string,
  now: number,
): Promise<{ bytes: number; files: number }> {
  const { rows } = await sql<{ bytes: unknown; files: unknown }>`select * from datanet_uploads_in_flight(${datanet}::text,
      ${contributor?.toLowerCase() ?? null}::text, ${day}::text, ${now}::int8, ${uploadStaleMs()}::int8)`.execute(db);
  return { bytes: Number(rows[0]?.bytes ?? 0), files: Number(rows[0]?.files ?? 0) };
}
