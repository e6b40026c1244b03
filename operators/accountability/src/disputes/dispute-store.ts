import type { Kysely } from 'kysely';
import type { DisputeReason } from '@datanet/datanet';
import { migrateAccountability } from '../store/migrations.js';

import type { DisputeStatus } from './dispute-status.js';

export interface Dispute {
  id: string;
  datanet: string;
  contributionId: string;
  /** Owner of the disputed contribution. */
  contributor: string;
  filer: string;
  filerRole: string;
  reason: DisputeReason;
  duplicateOf: string | null;
  evidence: string;
  status: DisputeStatus;
  openedAt: number;
  resolvedAt: number | null;
  resolvedBy: string | null;
  /** `steward` or `quorum` (the review queue). */
  resolvedVia: string | null;
  resolutionNote: string | null;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function disputeFromRow(r: Record<string, any>): Dispute {
  return {
    id: r.id,
    datanet: r.datanet,
    contributionId: r.contribution_id,
    contributor: r.contributor,
    filer: r.filer,
    filerRole: r.filer_role,
    reason: r.reason,
    duplicateOf: r.duplicate_of ?? null,
    evidence: r.evidence,
    status: r.status,
    openedAt: Number(r.opened_at),
    resolvedAt: num(r.resolved_at),
    resolvedBy: r.resolved_by ?? null,
    resolvedVia: r.resolved_via ?? null,
    resolutionNote: r.resolution_note ?? null,
  };
}

export async function getDispute(db: Kysely<any>, id: string): Promise<Dispute | undefined> {
  await migrateAccountability(db);
  const row = await db.selectFrom('disputes').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? disputeFromRow(row) : undefined;
}

export interface DisputeQuery {
  datanet: string;
  status?: DisputeStatus;
  contributionId?: string;
  filer?: string;
  /** By opening time, then id (a stable order): asc, oldest first (the default), or desc. */
  order?: 'asc' | 'desc';
}

function disputeQuery(db: Kysely<any>, q: DisputeQuery) {
  let query = db.selectFrom('disputes').where('datanet', '=', q.datanet);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.contributionId) query = query.where('contribution_id', '=', q.contributionId);
  if (q.filer) query = query.where('filer', '=', q.filer.toLowerCase());
  return query;
}

export async function listDisputes(db: Kysely<any>, q: DisputeQuery): Promise<Dispute[]> {
  await migrateAccountability(db);
  const order = q.order ?? 'asc';
  return (await disputeQuery(db, q).selectAll().orderBy('opened_at', order).orderBy('id', order).execute()).map(disputeFromRow);
}

/** One page (from 1) of listDisputes' answer, and how many disputes match in all. */
export async function pageDisputes(
  db: Kysely<any>,
  q: DisputeQuery & { page: number; pageSize: number },
): Promise<{ disputes: Dispute[]; total: number }> {
  await migrateAccountability(db);
  const order = q.order ?? 'asc';
  const [rows, count] = await Promise.all([
    disputeQuery(db, q)
      .selectAll()
      .orderBy('opened_at', order)
      .orderBy('id', order)
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize)
      .execute(),
    disputeQuery(db, q)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { disputes: rows.map(disputeFromRow), total: Number(count.n) };
}
