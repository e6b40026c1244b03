import type { Kysely } from 'kysely';
import type { DisputeReason } from '@datanet/datanet';
import { migrateAccountability } from '../store/migrations.js';

export type DisputeStatus = 'open' | 'upheld' | 'dismissed';

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

export async function listDisputes(
  db: Kysely<any>,
  q: { datanet: string; status?: DisputeStatus; contributionId?: string; filer?: string },
): Promise<Dispute[]> {
  await migrateAccountability(db);
  let query = db.selectFrom('disputes').selectAll().where('datanet', '=', q.datanet);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.contributionId) query = query.where('contribution_id', '=', q.contributionId);
  if (q.filer) query = query.where('filer', '=', q.filer.toLowerCase());
  return (await query.orderBy('opened_at').orderBy('id').execute()).map(disputeFromRow);
}
