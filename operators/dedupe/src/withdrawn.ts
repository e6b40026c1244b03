import type { Table } from 'apache-arrow';
import { sql, type Kysely } from 'kysely';
import { migrateRegistry } from '@datanet/datanet';
import { chunks } from './index-store.js';

/** Which of `ids` (records of a persistent index) no longer stand; read inside the index's transaction. */
export type WithdrawnCheck = (tx: Kysely<any>, ids: readonly string[]) => Promise<Set<string>>;

/**
 * The Datanets a batch's records belong to: its `datanet` column (intake's `accepted` output has
 * one) and the step's `datanet:`.
 */
export function datanetsOf(table: Table, datanet?: string): string[] {
  const out = new Set<string>();
  if (datanet) out.add(datanet);
  const col = table.getChild('datanet');
  if (col) {
    for (let i = 0; i < col.length; i++) {
      const v = col.get(i);
      if (v !== null && v !== undefined) out.add(String(v));
    }
  }
  return [...out];
}

/**
 * A persistent index holds what was kept when it was written. A record a later step dropped (a
 * quality or review rejection) or a dispute revoked is in no dataset version and earns nothing, so
 * it must not take the credit from a new record like it: judged against it, the rightful author of
 * a text a copier got revoked would be refused as a "duplicate" of the revoked copy. The check
 * names index records that the registry holds as contributions of these Datanets and that stand
 * in none of them. Undefined when the batch names no Datanet or the store has no registry: then
 * every index record counts, as before.
 */
export async function withdrawnCheck(db: Kysely<any>, datanets: string[]): Promise<WithdrawnCheck | undefined> {
  if (datanets.length === 0) return undefined;
  const has = await sql<{ t: boolean }>`select to_regclass('contributions') is not null as t`.execute(db);
  if (!has.rows[0]?.t) return undefined;
  await migrateRegistry(db);
  return async (tx, ids) => {
    const out = new Set<string>();
    for (const part of chunks([...new Set(ids)], 5000)) {
      const { rows } = await sql<{ id: string }>`
        select id from contributions
         where datanet = any(${datanets}::text[]) and id = any(${part}::text[])
         group by id having bool_and(dropped_at is not null or revoked_at is not null)`.execute(tx);
      for (const r of rows) out.add(r.id);
    }
    return out;
  };
}
