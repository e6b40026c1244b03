import { sql, type Kysely } from 'kysely';
import { checkScopeSettings, chunks, migrateDedupeIndex, withScopeLock } from './index-store.js';
import { clusterSizes, type DedupeDecision } from './dedupe-outputs.js';
import type { WithdrawnCheck } from './withdrawn.js';

export interface ExactIndexOptions {
  db: Kysely<any>;
  scope: string;
  runId?: string;
  /** The normalisation settings, stored so an index never mixes hashes of different texts. */
  settings: string;
  /** Index records that no longer stand (dropped or revoked): they keep no hash (withdrawnCheck). */
  withdrawn?: WithdrawnCheck;
}

/**
 * Exact duplicates: rows sharing a normalised-text hash. Rows are visited in credit order; the
 * first of each hash (or the record already accepted under that hash in the index) keeps the
 * credit. With an index, new first occurrences are added to it in the same locked transaction.
 */
export async function exactDedupe(
  ids: string[],
  hashes: string[],
  order: Int32Array,
  index?: ExactIndexOptions,
): Promise<DedupeDecision & { fromIndex: number }> {
  const decide = (accepted: Map<string, string>): DedupeDecision & { fromIndex: number; fresh: number[] } => {
    const fromIndexCount = accepted.size;
    const owner = new Map(accepted);
    const representative = new Array<string>(ids.length);
    const fresh: number[] = [];
    for (const row of order) {
      const h = hashes[row];
      const rep = owner.get(h);
      if (rep === undefined) {
        owner.set(h, ids[row]);
        representative[row] = ids[row];
        fresh.push(row);
      } else representative[row] = rep;
    }
    const similarity = new Float64Array(ids.length).fill(1);
    return { ids, representative, clusterSize: clusterSizes(ids, representative), similarity, fromIndex: fromIndexCount, fresh };
  };
  if (!index) return decide(new Map());
  await migrateDedupeIndex(index.db);
  return withScopeLock(index.db, index.scope, 'exact', async (tx) => {
    await checkScopeSettings(tx, index.scope, 'exact', index.settings);
    const accepted = new Map<string, string>();
    for (const part of chunks([...new Set(hashes)])) {
      const found = await sql<{ hash: string; record_id: string }>`
        select hash, record_id from datanet_dedupe_exact
        where scope = ${index.scope} and hash = any(array(select json_array_elements_text(${JSON.stringify(part)}::json)))`.execute(tx);
      for (const r of found.rows) accepted.set(r.hash, r.record_id);
    }
    // A hash whose record no longer stands goes to the first new record with it.
    const gone = index.withdrawn ? await index.withdrawn(tx, [...accepted.values()]) : new Set<string>();
    for (const [hash, id] of accepted) if (gone.has(id)) accepted.delete(hash);
    const decision = decide(accepted);
    for (const part of chunks(decision.fresh, 5000)) {
      const rows = JSON.stringify(part.map((r) => [hashes[r], ids[r]]));
      await sql`
        insert into datanet_dedupe_exact (scope, hash, record_id, run_id)
        select ${index.scope}, e->>0, e->>1, ${index.runId ?? null} from json_array_elements(${rows}::json) e
        on conflict (scope, hash) do update set record_id = excluded.record_id, run_id = excluded.run_id
          where datanet_dedupe_exact.record_id = any(${[...gone]}::text[])`.execute(tx);
    }
    return decision;
  });
}
