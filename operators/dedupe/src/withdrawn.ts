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

/**
 * Whether a stored result of a step with a persistent index still holds: none of the index
 * records it credited (`column` of the `credited` table: duplicate_of, source_id) has been
 * withdrawn since. The step decided against the index as it was; when a record that took the
 * credit from a row of this batch has since been dropped or revoked, a fresh run decides that row
 * again (the rightful author of a text keeps it), so the stored result must not be served. Ids of
 * the batch itself (`batchIds`) are not index records and are not asked about.
 */
export async function creditsStillStand(
  db: Kysely<any>,
  credited: Table,
  column: string,
  batchIds: Iterable<unknown>,
  datanet?: string,
): Promise<boolean> {
  const col = credited.getChild(column);
  if (!col || credited.numRows === 0) return true;
  const batch = new Set<string>();
  for (const id of batchIds) if (id !== null && id !== undefined) batch.add(String(id));
  const sources = new Set<string>();
  for (let i = 0; i < col.length; i++) {
    const v = col.get(i);
    if (v !== null && v !== undefined && !batch.has(String(v))) sources.add(String(v));
  }
  if (sources.size === 0) return true;
  const check = await withdrawnCheck(db, datanetsOf(credited, datanet));
  if (!check) return true;
  return (await db.transaction().execute((tx) => check(tx, [...sources]))).size === 0;
}

/** creditsStillStand for a dedupe step's stored `duplicates` (duplicate_of) and `clusters` (every id of the batch). */
export async function dedupeCreditsStillStand(
  db: Kysely<any>,
  outputs: Record<string, { path: string }>,
  datanet?: string,
): Promise<boolean> {
  const { readParquetFile } = await import('@datanet/pipelines');
  const duplicates = await readParquetFile(outputs.duplicates.path);
  if (duplicates.numRows === 0) return true;
  const ids = (await readParquetFile(outputs.clusters.path)).getChild('id')?.toArray() ?? [];
  return creditsStillStand(db, duplicates, 'duplicate_of', ids, datanet);
}
