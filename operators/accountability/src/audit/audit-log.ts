import { sql, type Kysely } from 'kysely';
import { migrateAccountability } from '../store/migrations.js';
import { GENESIS_HASH, canonicalJson, entryHash, sha256Hex } from './audit-hash.js';

/** Kinds of decision that change who gets what; others may be added (the log stores any kind). */
export type AuditKind =
  | 'review.decided'
  | 'dispute.opened'
  | 'dispute.upheld'
  | 'dispute.dismissed'
  | 'contribution.revoked'
  | 'standing.changed'
  | 'settlement.proposed'
  | 'settlement.finalised'
  | 'role.changed'
  | (string & {});

export interface AuditEntry {
  datanet: string;
  seq: number;
  /** Idempotency key: appending the same key again returns the stored entry and writes nothing. */
  key: string | null;
  at: number;
  actor: string;
  kind: AuditKind;
  subject: string;
  payload: unknown;
  payloadHash: string;
  prevHash: string;
  hash: string;
}

export interface AppendRequest {
  datanet: string;
  actor: string;
  kind: AuditKind;
  /** What the decision is about: a contribution id, an epoch, a dispute id, an address. */
  subject: string;
  payload: unknown;
  key?: string;
  at?: number;
}

const n = (v: unknown) => Number(v); // int8: number on PGlite, string on pg

export function entryFromRow(r: Record<string, any>): AuditEntry {
  return {
    datanet: r.datanet,
    seq: n(r.seq),
    key: r.key ?? null,
    at: n(r.at),
    actor: r.actor,
    kind: r.kind,
    subject: r.subject,
    payload: JSON.parse(r.payload),
    payloadHash: r.payload_hash,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * Appends one entry to the Datanet's chain. Call it inside the transaction that makes the decision,
 * so the decision and its entry commit together or not at all; outside one, it opens its own.
 * Appenders of one Datanet are serialised by a transaction-scoped advisory lock, so two processes
 * never both take seq n. With a `key` that is already in the log, nothing is written and the
 * stored entry is returned (a retried or resumed decision is logged once).
 */
export async function appendAudit(db: Kysely<any>, req: AppendRequest): Promise<AuditEntry> {
  await migrateAccountability(db);
  if (!db.isTransaction) return db.transaction().execute((trx) => appendAudit(trx, req));
  await sql`select pg_advisory_xact_lock(hashtext(${`datanet-audit:${req.datanet}`}))`.execute(db);
  if (req.key) {
    const existing = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('datanet', '=', req.datanet)
      .where('key', '=', req.key)
      .executeTakeFirst();
    if (existing) return entryFromRow(existing);
  }
  const head = await db.selectFrom('audit_heads').selectAll().where('datanet', '=', req.datanet).executeTakeFirst();
  const payloadText = canonicalJson(req.payload ?? null);
  const fields = {
    datanet: req.datanet,
    seq: head ? n(head.seq) + 1 : 1,
    key: req.key ?? null,
    at: req.at ?? Date.now(),
    actor: req.actor,
    kind: req.kind,
    subject: req.subject,
    payloadHash: sha256Hex(payloadText),
    prevHash: head ? head.hash : GENESIS_HASH,
  };
  const hash = entryHash(fields);
  await db
    .insertInto('audit_log')
    .values({
      datanet: fields.datanet,
      seq: fields.seq,
      key: fields.key,
      at: fields.at,
      actor: fields.actor,
      kind: fields.kind,
      subject: fields.subject,
      payload: payloadText,
      payload_hash: fields.payloadHash,
      prev_hash: fields.prevHash,
      hash,
    })
    .execute();
  await db
    .insertInto('audit_heads')
    .values({ datanet: req.datanet, seq: fields.seq, hash })
    .onConflict((oc) => oc.column('datanet').doUpdateSet({ seq: fields.seq, hash }))
    .execute();
  return { ...fields, payload: JSON.parse(payloadText), hash };
}

export interface AuditQuery {
  datanet: string;
  kind?: string;
  subject?: string;
  afterSeq?: number;
  limit?: number;
}

/** Entries of a Datanet's log in chain order (optionally of one kind or subject). */
export async function listAudit(db: Kysely<any>, q: AuditQuery): Promise<AuditEntry[]> {
  await migrateAccountability(db);
  let query = db.selectFrom('audit_log').selectAll().where('datanet', '=', q.datanet);
  if (q.kind) query = query.where('kind', '=', q.kind);
  if (q.subject) query = query.where('subject', '=', q.subject);
  if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq);
  const rows = await query
    .orderBy('seq')
    .limit(q.limit ?? 1_000_000)
    .execute();
  return rows.map(entryFromRow);
}

/** The stored entry with this idempotency key, if any. */
export async function auditEntryByKey(db: Kysely<any>, datanet: string, key: string): Promise<AuditEntry | undefined> {
  await migrateAccountability(db);
  const row = await db.selectFrom('audit_log').selectAll().where('datanet', '=', datanet).where('key', '=', key).executeTakeFirst();
  return row ? entryFromRow(row) : undefined;
}
