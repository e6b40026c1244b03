import { sql, type Kysely } from 'kysely';
import type { DatanetLimits } from '../definition/datanet-definition.js';
import { reserveDailyUsage, type Reservation } from './daily-usage.js';
import { num } from './open-registry.js';

export interface SubmissionRow {
  id: string;
  datanet: string;
  contributor: string;
  nonce: string;
  signedAt: number;
  receivedAt: number;
  inboxEntry: string;
  fileCount: number;
  runId?: string | null;
}

export type NonceClaim = { status: 'fresh' | 'ours' } | { status: 'replayed'; usedBy: string; usedAt: number };

/**
 * Marks a contributor's nonce used by a submission. The same submission claiming it again (a
 * re-run) is fine; any other submission with that nonce is a replay.
 */
export async function claimNonce(
  db: Kysely<any>,
  n: { datanet: string; contributor: string; nonce: string; submissionId: string; now?: number },
): Promise<NonceClaim> {
  const inserted = await db
    .insertInto('submission_nonces')
    .values({ datanet: n.datanet, contributor: n.contributor, nonce: n.nonce, submission_id: n.submissionId, used_at: n.now ?? Date.now() })
    .onConflict((oc) => oc.columns(['datanet', 'contributor', 'nonce']).doNothing())
    .returning('submission_id')
    .executeTakeFirst();
  if (inserted) return { status: 'fresh' };
  const row = await db
    .selectFrom('submission_nonces')
    .select(['submission_id', 'used_at'])
    .where('datanet', '=', n.datanet)
    .where('contributor', '=', n.contributor)
    .where('nonce', '=', n.nonce)
    .executeTakeFirstOrThrow();
  return row.submission_id === n.submissionId
    ? { status: 'ours' }
    : { status: 'replayed', usedBy: row.submission_id, usedAt: num(row.used_at) };
}

/** Records a submission once; returns the stored row (the first one wins on a re-run). */
export async function recordSubmission(db: Kysely<any>, s: SubmissionRow): Promise<SubmissionRow> {
  await db
    .insertInto('contributors')
    .values({ address: s.contributor, first_seen_at: s.receivedAt })
    .onConflict((oc) => oc.column('address').doNothing())
    .execute();
  await db
    .insertInto('submissions')
    .values({
      id: s.id,
      datanet: s.datanet,
      contributor: s.contributor,
      nonce: s.nonce,
      signed_at: s.signedAt,
      received_at: s.receivedAt,
      inbox_entry: s.inboxEntry,
      file_count: s.fileCount,
      run_id: s.runId ?? null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const row = await db.selectFrom('submissions').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
  return {
    id: row.id,
    datanet: row.datanet,
    contributor: row.contributor,
    nonce: row.nonce,
    signedAt: num(row.signed_at),
    receivedAt: num(row.received_at),
    inboxEntry: row.inbox_entry,
    fileCount: num(row.file_count),
    runId: row.run_id,
  };
}

export interface FileDecision {
  status: 'accepted' | 'rejected';
  reasonCode: string | null;
  message: string | null;
  usageDay: string | null;
  /** False when the decision was made by an earlier run and only read back. */
  fresh: boolean;
}

export interface FileToDecide {
  submissionId: string;
  name: string;
  datanet: string;
  contributor: string;
  size: number;
  sha256: string;
  /**
   * Bytes the file takes from the daily quota when accepted: the larger of its size and the UTF-8
   * bytes of the text it yields, so a small compressed file cannot bring in more text than the cap.
   * Default: size.
   */
  chargeBytes?: number;
  /** A format rejection found before the limits; the file then takes nothing from the daily quota. */
  rejection?: { reasonCode: string; message: string };
  limits: DatanetLimits;
  now?: number;
}

/**
 * Decides a file once: a format rejection is stored as is; a valid file takes its bytes from the
 * daily quota (atomically) or is rejected by the limit it would cross. A re-run reads the earlier
 * decision back instead of counting the file twice.
 */
export async function decideFile(db: Kysely<any>, f: FileToDecide): Promise<FileDecision & { reservation?: Reservation }> {
  const now = f.now ?? Date.now();
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .insertInto('submission_files')
      .values({
        submission_id: f.submissionId,
        name: f.name,
        datanet: f.datanet,
        contributor: f.contributor,
        size: f.size,
        sha256: f.sha256,
        status: 'pending',
        decided_at: now,
      })
      .onConflict((oc) => oc.columns(['submission_id', 'name']).doNothing())
      .returning('name')
      .executeTakeFirst();
    if (!claimed) {
      const row = await trx
        .selectFrom('submission_files')
        .selectAll()
        .where('submission_id', '=', f.submissionId)
        .where('name', '=', f.name)
        .executeTakeFirstOrThrow();
      return { status: row.status, reasonCode: row.reason_code, message: row.message, usageDay: row.usage_day, fresh: false };
    }
    let decision: FileDecision & { reservation?: Reservation };
    if (f.rejection) {
      decision = { status: 'rejected', reasonCode: f.rejection.reasonCode, message: f.rejection.message, usageDay: null, fresh: true };
    } else {
      const reservation = await reserveDailyUsage(trx, {
        datanet: f.datanet,
        contributor: f.contributor,
        bytes: Math.max(f.size, f.chargeBytes ?? 0),
        limits: f.limits,
        now,
      });
      decision = reservation.ok
        ? { status: 'accepted', reasonCode: null, message: null, usageDay: reservation.day, fresh: true, reservation }
        : {
            status: 'rejected',
            reasonCode: limitReason(reservation.limit),
            message: reservation.message,
            usageDay: reservation.day,
            fresh: true,
            reservation,
          };
    }
    await trx
      .updateTable('submission_files')
      .set({ status: decision.status, reason_code: decision.reasonCode, message: decision.message, usage_day: decision.usageDay })
      .where('submission_id', '=', f.submissionId)
      .where('name', '=', f.name)
      .execute();
    return decision;
  });
}

export function limitReason(limit: string): string {
  return limit === 'dailyBytesPerContributor'
    ? 'daily_bytes_limit'
    : limit === 'dailyFilesPerContributor'
      ? 'daily_files_limit'
      : 'datanet_daily_bytes_limit';
}

export interface RejectionRow {
  datanet: string;
  submissionId: string;
  /** '' when the whole submission is rejected. */
  file: string;
  /** -1 for a whole file or submission. */
  recordIndex: number;
  contributor: string;
  /** False when the signature did not prove the contributor: the address is only what was claimed. */
  authenticated: boolean;
  reasonCode: string;
  message: string;
  duplicateOf?: string | null;
  runId?: string | null;
}

/** Stores rejections once (keyed by submission, file and record), keeping the first reason. */
export async function recordRejections(db: Kysely<any>, rows: RejectionRow[], now = Date.now()): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    if (chunk.length === 0) continue;
    await db
      .insertInto('rejections')
      .values(
        chunk.map((r) => ({
          datanet: r.datanet,
          submission_id: r.submissionId,
          file: r.file,
          record_index: r.recordIndex,
          contributor: r.contributor,
          authenticated: r.authenticated,
          reason_code: r.reasonCode,
          message: r.message,
          duplicate_of: r.duplicateOf ?? null,
          run_id: r.runId ?? null,
          created_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['datanet', 'submission_id', 'file', 'record_index', 'reason_code']).doNothing())
      .execute();
  }
}

export async function listRejections(db: Kysely<any>, datanet: string, submissionId?: string): Promise<RejectionRow[]> {
  let q = db.selectFrom('rejections').selectAll().where('datanet', '=', datanet);
  if (submissionId) q = q.where('submission_id', '=', submissionId);
  const rows = await q.orderBy('created_at').orderBy('submission_id').orderBy('file').orderBy('record_index').execute();
  return rows.map((r) => ({
    datanet: r.datanet,
    submissionId: r.submission_id,
    file: r.file,
    recordIndex: num(r.record_index),
    contributor: r.contributor,
    authenticated: Boolean(r.authenticated),
    reasonCode: r.reason_code,
    message: r.message,
    duplicateOf: r.duplicate_of,
    runId: r.run_id,
  }));
}

export interface Receipt {
  datanet: string;
  /** Arrival order within the Datanet: 1, 2, 3... Credit goes by it, never by a signed time. */
  seq: number;
  entry: string;
  receivedAt: number;
  decidedAt: number | null;
  outcome: string | null;
}

function receiptFrom(r: Record<string, unknown>): Receipt {
  return {
    datanet: r.datanet as string,
    seq: num(r.seq as number),
    entry: r.entry as string,
    receivedAt: num(r.received_at as number),
    decidedAt: r.decided_at == null ? null : num(r.decided_at as number),
    outcome: (r.outcome as string | null) ?? null,
  };
}

/**
 * Takes an inbox entry in: gives it the next receipt number of the Datanet, or returns the open
 * receipt it already has (a run that stopped before deciding it). Safe under concurrent callers:
 * a taken number or an entry already open makes the insert a no-op, and it looks again.
 */
export async function takeReceipt(db: Kysely<any>, r: { datanet: string; entry: string; receivedAt: number }): Promise<Receipt> {
  // One numberer at a time per Datanet (a transaction-scoped advisory lock): under many concurrent
  // uploads an optimistic max+1 retried itself out; the lock makes each take one round. Under the
  // lock, one statement: the entry's open receipt, else a new one numbered max + 1. All of it is
  // one SQL function (registry migration 0003), so one round trip and, outside a transaction,
  // one commit.
  const { rows } = await sql<Record<string, unknown>>`
    select * from datanet_take_receipt(${r.datanet}::text, ${r.entry}::text, ${r.receivedAt}::int8)`.execute(db);
  if (rows[0]) return receiptFrom(rows[0]);
  return takeReceiptByRetry(db, r);
}

/**
 * takeReceipt for several entries of one Datanet, in their order, in one statement (one round
 * trip, one commit, the lock taken once): an upload server numbers the entries that arrive while
 * the previous batch commits together, so the lock is not held through one commit per entry.
 */
export async function takeReceipts(db: Kysely<any>, datanet: string, entries: { entry: string; receivedAt: number }[]): Promise<Receipt[]> {
  if (entries.length === 0) return [];
  const { rows } = await sql<Record<string, unknown>>`
    select * from datanet_take_receipts(${datanet}::text, ${entries.map((e) => e.entry)}::text[], ${entries.map((e) => e.receivedAt)}::int8[])`.execute(
    db,
  );
  const taken = new Map(rows.map((row) => [row.entry as string, receiptFrom(row)]));
  const out: Receipt[] = [];
  for (const e of entries) out.push(taken.get(e.entry) ?? (await takeReceiptByRetry(db, { datanet, ...e })));
  return out;
}

/** A writer that does not take the lock got in between: look again, one query at a time. */
async function takeReceiptByRetry(db: Kysely<any>, r: { datanet: string; entry: string; receivedAt: number }): Promise<Receipt> {
  const take = async (trx: Kysely<any>) => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const open = await trx
        .selectFrom('intake_receipts')
        .selectAll()
        .where('datanet', '=', r.datanet)
        .where('entry', '=', r.entry)
        .where('decided_at', 'is', null)
        .executeTakeFirst();
      if (open) return receiptFrom(open);
      const last = await trx
        .selectFrom('intake_receipts')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('datanet', '=', r.datanet)
        .executeTakeFirst();
      const seq = num((last?.seq as number | null) ?? 0) + 1;
      const inserted = await trx
        .insertInto('intake_receipts')
        .values({ datanet: r.datanet, seq, entry: r.entry, received_at: r.receivedAt, decided_at: null, outcome: null })
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return receiptFrom(inserted);
    }
    throw new Error(`could not number inbox entry ${r.entry} of Datanet ${r.datanet}: too many concurrent receipts`);
  };
  return db.isTransaction ? take(db) : db.transaction().execute(take);
}

/** Receipts taken but not yet decided, in arrival order. */
export async function openReceipts(db: Kysely<any>, datanet: string): Promise<Receipt[]> {
  const rows = await db
    .selectFrom('intake_receipts')
    .selectAll()
    .where('datanet', '=', datanet)
    .where('decided_at', 'is', null)
    .orderBy('seq')
    .execute();
  return rows.map(receiptFrom);
}

/** Marks a receipt decided (its entry has left the inbox); idempotent. */
export async function closeReceipt(
  db: Kysely<any>,
  r: { datanet: string; seq: number; outcome: string; decidedAt: number },
): Promise<void> {
  await db
    .updateTable('intake_receipts')
    .set({ decided_at: r.decidedAt, outcome: r.outcome })
    .where('datanet', '=', r.datanet)
    .where('seq', '=', r.seq)
    .where('decided_at', 'is', null)
    .execute();
}
