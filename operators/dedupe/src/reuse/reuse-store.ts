import { sql, type Kysely } from 'kysely';
import { checkScopeSettings, chunks, migrateDedupeIndex, toNumber, withScopeLock } from '../index-store.js';
import type { ReuseSettings } from './reuse-matcher.js';
import type { WithdrawnCheck } from '../withdrawn.js';

export interface IndexedSource {
  id: string;
  text: string;
}

/** The settings that make two runs' shingles comparable; a scope refuses others. */
export function reuseIndexSettings(s: Pick<ReuseSettings, 'k' | 'mod'>): string {
  return JSON.stringify({ k: s.k, mod: s.mod, words: 'unicode-letters-digits/lower', hash: 'fnv1a-murmur3/v1' });
}

/**
 * Runs `decide` under the scope's lock with the accepted records that share a sampled shingle with
 * the batch (in acceptance order), then stores the records it returns as kept, so that two runs
 * cannot both accept copies of each other.
 */
export async function withReuseIndex(
  db: Kysely<any>,
  scope: string,
  settings: ReuseSettings,
  batch: { ids: string[]; texts: string[]; samples: Uint32Array[] },
  runId: string | undefined,
  decide: (accepted: IndexedSource[]) => Promise<{ keep: number[] }>,
  withdrawn?: WithdrawnCheck,
): Promise<{ indexSources: number; added: number }> {
  await migrateDedupeIndex(db);
  return withScopeLock(db, scope, 'reuse', async (tx) => {
    await checkScopeSettings(tx, scope, 'reuse', reuseIndexSettings(settings));
    const keys = new Set<number>();
    for (const sample of batch.samples) for (const h of sample) keys.add(h);
    const hitIds = new Set<string>();
    for (const part of chunks([...keys], 10000)) {
      const found = await sql<{ record_id: string }>`
        select distinct record_id from datanet_dedupe_reuse_keys
        where scope = ${scope} and key = any(array(select json_array_elements_text(${JSON.stringify(part)}::json)::bigint))`.execute(tx);
      for (const r of found.rows) hitIds.add(r.record_id);
    }
    // A re-run of this batch: its records already accepted are sources like any other (and keep
    // their acceptance: an id already in the index is never rejected, see the operator).
    for (const part of chunks(batch.ids, 10000)) {
      const found = await sql<{ record_id: string }>`
        select record_id from datanet_dedupe_reuse_records
        where scope = ${scope} and record_id = any(array(select json_array_elements_text(${JSON.stringify(part)}::json)))`.execute(tx);
      for (const r of found.rows) hitIds.add(r.record_id);
    }
    // Records that no longer stand (dropped by a later step, revoked) are no one's source; the
    // batch's own (a re-run) stay as they were, so a re-run decides the same.
    if (withdrawn) {
      const own = new Set(batch.ids);
      for (const id of await withdrawn(tx, [...hitIds])) if (!own.has(id)) hitIds.delete(id);
    }
    const rows: { record_id: string; seq: unknown; text: string }[] = [];
    for (const part of chunks([...hitIds], 2000)) {
      const found = await sql<{ record_id: string; seq: unknown; text: string }>`
        select record_id, seq, text from datanet_dedupe_reuse_records
        where scope = ${scope} and record_id = any(array(select json_array_elements_text(${JSON.stringify(part)}::json)))`.execute(tx);
      rows.push(...found.rows);
    }
    rows.sort((a, b) => toNumber(a.seq) - toNumber(b.seq));
    const accepted = rows.map((r) => ({ id: r.record_id, text: r.text }));
    const known = new Set(accepted.map((a) => a.id));
    const { keep } = await decide(accepted);
    const fresh = keep.filter((row) => !known.has(batch.ids[row]));
    for (const part of chunks(fresh, 500)) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const recs = JSON.stringify(part.map((row) => [batch.ids[row], batch.texts[row]]));
      await sql`
        insert into datanet_dedupe_reuse_records (scope, record_id, text, run_id)
        select ${scope}, e->>0, e->>1, ${runId ?? null} from json_array_elements(${recs}::json) e
        on conflict do nothing`.execute(tx);
      const k: [number, string][] = [];
      for (const row of part) for (const h of batch.samples[row]) k.push([h, batch.ids[row]]);
      await sql`
        insert into datanet_dedupe_reuse_keys (scope, key, record_id)
        select ${scope}, (e->>0)::bigint, e->>1 from json_array_elements(${JSON.stringify(k)}::json) e`.execute(tx);
    }
    return { indexSources: accepted.length, added: fresh.length };
  });
}
