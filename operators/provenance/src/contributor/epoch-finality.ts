import { sql, type Kysely } from 'kysely';

export interface EpochFinality {
  datanet: string;
  epoch: string;
  version: number;
  status: 'proposed' | 'superseded' | 'final';
  finalAt: number;
}

/**
 * The settlement state of an epoch (by its leaf number) as the run store records it, read through
 * settlement's `settlement_proposals` table; undefined when the store has none (settled elsewhere,
 * or before proposals existed).
 */
export async function epochFinality(db: Kysely<any>, epochNumber: number, datanet?: string): Promise<EpochFinality | undefined> {
  const has = await sql<{ t: boolean }>`select to_regclass('settlement_proposals') is not null as t`.execute(db);
  if (!has.rows[0]?.t) return undefined;
  const rows = await sql<{ datanet: string; epoch: string; version: number; status: EpochFinality['status']; final_at: unknown }>`
    select datanet, epoch, version, status, final_at from settlement_proposals
     where epoch_number = ${String(epochNumber)} ${datanet ? sql`and datanet = ${datanet}` : sql``}
     order by (status = 'final') desc, version desc limit 1`.execute(db);
  const r = rows.rows[0];
  return r ? { datanet: r.datanet, epoch: r.epoch, version: Number(r.version), status: r.status, finalAt: Number(r.final_at) } : undefined;
}

/** Thrown for a claim on an epoch whose rewards are only proposed. */
export class EpochNotFinalError extends Error {
  override name = 'EpochNotFinalError';
}
