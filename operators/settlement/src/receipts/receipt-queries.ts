import type { Kysely } from 'kysely';
import { migrateProposals } from '../proposal/proposal-migrations.js';

/** Datanets whose inputs for the epoch were captured. */
export async function datanetsOfEpoch(db: Kysely<any>, epoch: string): Promise<string[]> {
  await migrateProposals(db);
  const rows = await db.selectFrom('settlement_epoch_inputs').select('datanet').where('epoch', '=', epoch).orderBy('datanet').execute();
  return rows.map((r: Record<string, any>) => r.datanet as string);
}
