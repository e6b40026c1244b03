import { sql, type Kysely } from 'kysely';
import type { DatanetLimits } from '../definition/datanet-definition.js';
import { dailyWindow } from '../policy/daily-window.js';
import type { LimitName } from './daily-usage.js';

/**
 * Daily limits for uploads over HTTP, before intake decides them. An upload reserves its signed
 * totals (bytes, files) before a byte is stored, under a lock per (Datanet, contributor, day), so
 * concurrent uploads from any number of clients or server replicas never pass a cap together;
 * counted by the time of receipt. A reservation is released when the upload fails, becomes
 * `received` once its inbox entry exists, and stops counting when intake has decided the submission
 * (intake's own counters, `reserveDailyUsage`, then hold its bytes) or, for an upload that never
 * finished (a server killed mid-upload), after UPLOAD_STALE_MS.
 */
const TABLE = 'upload_reservations';
const UPLOAD_STALE_MS = 10 * 60_000;

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

export async function openUploadReservations(db: Kysely<any>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await sql`create table if not exists upload_reservations (
        submission_id text primary key,
        datanet text not null,
        contributor text not null,
        day text not null,
        bytes bigint not null,
        files integer not null,
        state text not null,
        updated_at bigint not null)`.execute(db);
      await sql`create index if not exists upload_reservations_by_day on upload_reservations (datanet, day, contributor)`.execute(db);
      return;
    } catch (e) {
      // Two replicas creating the table at once: one loses on the catalog's unique index; retry.
      if (attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
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
  const who = q.contributor.toLowerCase();
  const datanetCap = q.limits.dailyBytesPerDatanet;
  const key = datanetCap === undefined ? `${q.datanet}:${who}:${day}` : `${q.datanet}:*:${day}`;
  return sql.join([
    sql`${key}::text`,
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
    sql`${UPLOAD_STALE_MS}::int8`,
  ]);
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
 * The inbox entries exist: the reservations count until intake decides the submissions. The
 * statement, to execute, or to run alongside another in one round trip (the upload route keeps
 * its answers with it).
 */
export function uploadsReceived(db: Kysely<any>, submissionIds: string[], at: number) {
  return db.updateTable(TABLE).set({ state: 'received', updated_at: at }).where('submission_id', 'in', submissionIds);
}

/** Bytes and files of uploads reserved (live) or received and not yet decided by intake. */
export async function pendingUploads(
  db: Kysely<any>,
  datanet: string,
  contributor: string | undefined,
  day: string,
  now: number,
): Promise<{ bytes: number; files: number }> {
  // Readers (the contributor endpoint) may run where no upload route made the table.
  const exists = await sql<{ t: string | null }>`select to_regclass('upload_reservations')::text as t`.execute(db);
  if (!exists.rows[0]?.t) return { bytes: 0, files: 0 };
  return pendingIn(db, datanet, contributor, day, now);
}

async function pendingIn(
  db: Kysely<any>,
  datanet: string,
  contributor: string | undefined,
  day: string,
  now: number,
): Promise<{ bytes: number; files: number }> {
  const row = await pendingQuery(db, datanet, contributor, day, now).executeTakeFirst();
  return { bytes: Number(row?.bytes ?? 0), files: Number(row?.files ?? 0) };
}

function pendingQuery(db: Kysely<any>, datanet: string, contributor: string | undefined, day: string, now: number) {
  return db
    .selectFrom(`${TABLE} as r`)
    .select([sql<number>`coalesce(sum(r.bytes), 0)`.as('bytes'), sql<number>`coalesce(sum(r.files), 0)`.as('files')])
    .where('r.datanet', '=', datanet)
    .where('r.day', '=', day)
    .$if(contributor !== undefined, (b) => b.where('r.contributor', '=', contributor!.toLowerCase()))
    .where((eb) => eb.or([eb('r.state', '=', 'received'), eb('r.updated_at', '>', now - UPLOAD_STALE_MS)]))
    .where(sql<boolean>`not exists (select 1 from submissions s where s.id = r.submission_id)`);
}
