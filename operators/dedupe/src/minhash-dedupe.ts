import { sql, type Kysely } from 'kysely';
import { checkScopeSettings, chunks, migrateDedupeIndex, toNumber, toUint32, withScopeLock } from './index-store.js';
import { bandKeys, estimateJaccard, type MinHashSpec } from './minhash.js';
import { clusterSignatures } from './lsh-cluster.js';
import { clusterSizes, type DedupeDecision } from './dedupe-outputs.js';

export interface MinHashDedupeInput {
  ids: string[];
  order: Int32Array;
  signatures: Uint32Array;
  hasShingles: Uint8Array;
  spec: MinHashSpec;
  jaccardThreshold: number;
  index?: { db: Kysely<any>; scope: string; runId?: string };
}

export interface MinHashDedupeResult extends DedupeDecision {
  candidatePairs: number;
  mergedPairs: number;
  indexMatches: number;
  added: number;
}

/** The settings that make signatures comparable; an index refuses others. */
export function minhashSettings(spec: MinHashSpec): string {
  return JSON.stringify({
    shingles: spec.shingles,
    permutations: spec.permutations,
    bands: spec.bands,
    rows: spec.rows,
    seed: spec.seed,
    hash: 'murmur3-fnv1a/imul-mod2^32/v1',
  });
}

interface Accepted {
  ids: string[];
  signatures: Uint32Array;
}

/**
 * Near-duplicate clustering of a batch, against the batch itself and, with an index, against
 * every record the scope accepted before (those always keep the credit: they were accepted first).
 * A batch record already in the index (a re-run) is recognised by id and kept as it was.
 */
export async function minhashDedupe(input: MinHashDedupeInput): Promise<MinHashDedupeResult> {
  const { spec } = input;
  if (!input.index) return decide(input, { ids: [], signatures: new Uint32Array(0) }).result;
  const index = input.index;
  await migrateDedupeIndex(index.db);
  return withScopeLock(index.db, index.scope, 'minhash', async (tx) => {
    await checkScopeSettings(tx, index.scope, 'minhash', minhashSettings(spec));
    const P = spec.permutations;
    const keys = new Set<number>();
    const scratch = new Float64Array(spec.bands);
    for (let i = 0; i < input.ids.length; i++) {
      if (!input.hasShingles[i]) continue;
      bandKeys(input.signatures, i * P, spec.bands, spec.rows, scratch);
      for (const k of scratch) keys.add(k);
    }
    const hitIds = new Set<string>();
    for (const part of chunks([...keys], 10000)) {
      const found = await sql<{ record_id: string }>`
        select distinct record_id from datanet_dedupe_minhash_bands
        where scope = ${index.scope} and key = any(array(select json_array_elements_text(${JSON.stringify(part)}::json)::bigint))`.execute(
        tx,
      );
      for (const r of found.rows) hitIds.add(r.record_id);
    }
    for (const part of chunks(input.ids, 10000)) {
      const found = await sql<{ record_id: string }>`
        select record_id from datanet_dedupe_minhash_records
        where scope = ${index.scope} and record_id = any(array(select json_array_elements_text(${JSON.stringify(part)}::json)))`.execute(
        tx,
      );
      for (const r of found.rows) hitIds.add(r.record_id);
    }
    const rows: { record_id: string; seq: unknown; signature: Uint8Array }[] = [];
    for (const part of chunks([...hitIds], 5000)) {
      const found = await sql<{ record_id: string; seq: unknown; signature: Uint8Array }>`
        select record_id, seq, signature from datanet_dedupe_minhash_records
        where scope = ${index.scope} and record_id = any(array(select json_array_elements_text(${JSON.stringify(part)}::json)))`.execute(
        tx,
      );
      rows.push(...found.rows);
    }
    rows.sort((a, b) => toNumber(a.seq) - toNumber(b.seq));
    const accepted: Accepted = { ids: rows.map((r) => r.record_id), signatures: new Uint32Array(rows.length * P) };
    rows.forEach((r, k) => accepted.signatures.set(toUint32(r.signature), k * P));
    const { result, fresh } = decide(input, accepted);
    // 500 records (8k band rows at 16 bands) per statement, with a turn of the event loop between
    // statements: PGlite runs each statement on the main thread and its awaited queries chain as
    // microtasks, so without the yield the whole insert held the loop for ~1 s in the demo.
    for (const part of chunks(fresh, 500)) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const recs = JSON.stringify(
        part.map((r) => [
          input.ids[r],
          Buffer.from(input.signatures.buffer, input.signatures.byteOffset + r * P * 4, P * 4).toString('hex'),
        ]),
      );
      await sql`
        insert into datanet_dedupe_minhash_records (scope, record_id, signature, run_id)
        select ${index.scope}, e->>0, decode(e->>1, 'hex'), ${index.runId ?? null} from json_array_elements(${recs}::json) e
        on conflict do nothing`.execute(tx);
      const bands: [number, string][] = [];
      for (const r of part)
        for (const k of bandKeys(input.signatures, r * P, spec.bands, spec.rows, scratch)) bands.push([k, input.ids[r]]);
      await sql`
        insert into datanet_dedupe_minhash_bands (scope, key, record_id)
        select ${index.scope}, (e->>0)::bigint, e->>1 from json_array_elements(${JSON.stringify(bands)}::json) e`.execute(tx);
    }
    result.added = fresh.length;
    return result;
  });
}

function decide(input: MinHashDedupeInput, accepted: Accepted): { result: MinHashDedupeResult; fresh: number[] } {
  const { ids, order, spec } = input;
  const P = spec.permutations;
  const m = accepted.ids.length;
  const acceptedItem = new Map(accepted.ids.map((id, k) => [id, k]));
  // Items: accepted records first (seq order), then the batch in credit order.
  const n = m + ids.length;
  const signatures = new Uint32Array(n * P);
  signatures.set(accepted.signatures, 0);
  const active = new Uint8Array(n).fill(1);
  const itemOfRow = new Int32Array(ids.length);
  order.forEach((row, k) => {
    const item = m + k;
    itemOfRow[row] = item;
    signatures.set(input.signatures.subarray(row * P, row * P + P), item * P);
    if (!input.hasShingles[row] || acceptedItem.has(ids[row])) active[item] = 0;
  });
  const { uf, candidatePairs, mergedPairs } = clusterSignatures({
    signatures,
    permutations: P,
    bands: spec.bands,
    rows: spec.rows,
    threshold: input.jaccardThreshold,
    active,
    acceptedCount: m,
  });
  const idOfItem = (item: number) => (item < m ? accepted.ids[item] : ids[order[item - m]]);
  const representative = new Array<string>(ids.length);
  const similarity = new Float64Array(ids.length);
  const fresh: number[] = [];
  ids.forEach((id, row) => {
    const again = acceptedItem.get(id);
    const item = itemOfRow[row];
    if (again !== undefined) {
      // Accepted by an earlier attempt of this very step: it stays accepted.
      representative[row] = id;
      similarity[row] = 1;
      return;
    }
    const root = uf.find(item);
    representative[row] = idOfItem(root);
    similarity[row] = estimateJaccard(signatures, item * P, signatures, root * P, P);
    if (root === item) fresh.push(row);
  });
  const result: MinHashDedupeResult = {
    ids,
    representative,
    clusterSize: clusterSizes(ids, representative),
    similarity,
    candidatePairs,
    mergedPairs,
    indexMatches: m,
    added: 0,
  };
  return { result, fresh };
}
