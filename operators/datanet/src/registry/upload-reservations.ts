import { sql, type Kysely } from 'kysely';
import type { DatanetLimits } from '../definition/datanet-definition.js';
import { dailyWindow } from '../policy/daily-window.js';
import { usage, type LimitName } from './daily-usage.js';

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
  const { day, resetsAt } = dailyWindow(q.receivedAt, q.limits.resetTimezone);
  const who = q.contributor.toLowerCase();
  const datanetCap = q.limits.dailyBytesPerDatanet;
  return db.transaction().execute(async (trx) => {
    // The check and the insert below are one step for every other upload that shares the cap.
    const key = datanetCap === undefined ? `${q.datanet}:${who}:${day}` : `${q.datanet}:*:${day}`;
    await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
    // One statement: this submission's earlier reservation, the day's decided usage (intake's
    // counters, as usage() reads them) and the uploads pending (as pendingIn() counts them).
    const { rows } = await sql<{
      mine: string | null;
      decided_bytes: unknown;
      decided_files: unknown;
      pending_bytes: unknown;
      pending_files: unknown;
    }>`
      select m.state as mine, u.bytes as decided_bytes, u.files as decided_files, p.bytes as pending_bytes, p.files as pending_files
      from (select 1) as one
      left join upload_reservations m on m.submission_id = ${q.submissionId}
      left join daily_usage u on u.datanet = ${q.datanet} and u.contributor = ${q.contributor} and u.day = ${day}
      cross join (${pendingQuery(trx, q.datanet, who, day, q.receivedAt)}) as p`.execute(trx);
    const mine = rows[0].mine;
    if (mine) {
      // The same signed submission again (a retry): its earlier reservation stands for it.
      await trx.updateTable(TABLE).set({ updated_at: q.receivedAt }).where('submission_id', '=', q.submissionId).execute();
      return { ok: true as const, again: true };
    }
    const refuse = (limit: LimitName, cap: number, used: number, requested: number, unit: 'bytes' | 'files') =>
      ({ ok: false, limit, cap, used, requested, unit, day, resetsAt }) as const;
    const decided = { bytes: Number(rows[0].decided_bytes ?? 0), files: Number(rows[0].decided_files ?? 0) };
    const pending = { bytes: Number(rows[0].pending_bytes ?? 0), files: Number(rows[0].pending_files ?? 0) };
    const usedBytes = decided.bytes + pending.bytes;
    if (usedBytes + q.bytes > q.limits.dailyBytesPerContributor)
      return refuse('dailyBytesPerContributor', q.limits.dailyBytesPerContributor, usedBytes, q.bytes, 'bytes');
    const filesCap = q.limits.dailyFilesPerContributor;
    const usedFiles = decided.files + pending.files;
    if (filesCap !== undefined && usedFiles + q.files > filesCap)
      return refuse('dailyFilesPerContributor', filesCap, usedFiles, q.files, 'files');
    if (datanetCap !== undefined) {
      const all = await usage(trx, q.datanet, '*', day);
      const used = all.bytes + (await pendingIn(trx, q.datanet, undefined, day, q.receivedAt)).bytes;
      if (used + q.bytes > datanetCap) return refuse('dailyBytesPerDatanet', datanetCap, used, q.bytes, 'bytes');
    }
    await trx
      .insertInto(TABLE)
      .values({
        submission_id: q.submissionId,
        datanet: q.datanet,
        contributor: who,
        day,
        bytes: q.bytes,
        files: q.files,
        state: 'uploading',
        updated_at: q.receivedAt,
      })
      .execute();
    return { ok: true as const };
  });
}

/** The upload failed or was refused: its reservation no longer holds quota. */
export async function releaseUpload(db: Kysely<any>, submissionId: string): Promise<void> {
  await db.deleteFrom(TABLE).where('submission_id', '=', submissionId).where('state', '=', 'uploading').execute();
}

/**
 * The inbox entry exists: the reservation counts until intake decides the submission. The
 * statement, to execute, or to run alongside another in one round trip (the upload route keeps
 * its answer with it).
 */
export function uploadReceived(db: Kysely<any>, submissionId: string, at: number) {
  return db.updateTable(TABLE).set({ state: 'received', updated_at: at }).where('submission_id', '=', submissionId);
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
