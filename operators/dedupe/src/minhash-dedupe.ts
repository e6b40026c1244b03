import { sql, type Kysely } from 'kysely';
import { checkScopeSettings, chunks, migrateDedupeIndex, toNumber, toUint32, withScopeLock } from './index-store.js';
import { bandKeys, estimateJaccard, UNIT_CHAR, UNIT_WORD, type MinHashSpec } from './minhash.js';
import { jaccardSorted } from './shingle-sets.js';
import { fieldedJoined, fieldedSimilarity, TokenInterner, type FieldedTokens } from './record-similarity.js';
import { clusterSignatures } from './lsh-cluster.js';
import type { DedupeDecision } from './dedupe-outputs.js';
import type { WithdrawnCheck } from './withdrawn.js';

export interface MinHashDedupeInput {
  ids: string[];
  order: Int32Array;
  signatures: Uint32Array;
  hasShingles: Uint8Array;
  /** Unit per row (UNIT_WORD / UNIT_CHAR); absent: the spec's unit for all. */
  units?: Uint8Array;
  /** Distinct sorted shingles per row: candidate pairs are then judged by exact Jaccard. */
  sets?: { values: Uint32Array; offsets: Int32Array };
  /** Short rows' structured tokens, space-separated (auto mode): short pairs are judged by recordSimilarity. */
  tokens?: string[];
  spec: MinHashSpec;
  jaccardThreshold: number;
  index?: { db: Kysely<any>; scope: string; runId?: string; withdrawn?: WithdrawnCheck };
}

export interface MinHashDedupeResult extends DedupeDecision {
  /** Unit each row was judged by, and the threshold it had to reach. */
  units: Uint8Array;
  /** 1 for a medium row (UNIT_CHAR with its word n-gram set: judged by either measure). */
  medium: Uint8Array;
  thresholds: Float64Array;
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
    // Only auto mode has short-record settings; word and char scopes keep their v1 string.
    ...(spec.short
      ? {
          // mediumWords only when set: an index built before medium records keeps its settings string.
          short: {
            maxWords: spec.short.maxWords,
            bands: spec.short.bands,
            rows: spec.short.rows,
            ...(spec.short.mediumWords ? { mediumWords: spec.short.mediumWords } : {}),
          },
          normal: 'structured/v1',
          signature: 'one-permutation-densified/v1',
        }
      : {}),
  });
}

/**
 * The spec a step uses with the persistent index `scope`: its own, unless the scope was built
 * before medium records (its stored settings have short settings without mediumWords); then
 * without them, so that its records stay comparable and its settings check passes.
 */
export async function specForScope(db: Kysely<any>, scope: string, spec: MinHashSpec): Promise<MinHashSpec> {
  if (!spec.short?.mediumWords) return spec;
  await migrateDedupeIndex(db);
  const row = await db
    .selectFrom('datanet_dedupe_scopes')
    .select('settings')
    .where('scope', '=', scope)
    .where('kind', '=', 'minhash')
    .executeTakeFirst();
  if (!row) return spec;
  const stored = JSON.parse(String(row.settings)) as { short?: { mediumWords?: number } };
  if (!stored.short || stored.short.mediumWords !== undefined) return spec;
  return { ...spec, short: { ...spec.short, mediumWords: undefined } };
}

interface Accepted {
  ids: string[];
  signatures: Uint32Array;
  units: Uint8Array;
  /** Sorted distinct shingles of accepted records that have them stored (null: judged by estimate). */
  sets: (Uint32Array | null)[];
  tokens: (string | null)[];
}

/** Bands, rows and threshold a record of this unit is judged by. */
function bandingOf(spec: MinHashSpec, unit: number, jaccardThreshold: number) {
  return unit === UNIT_CHAR && spec.short ? spec.short : { bands: spec.bands, rows: spec.rows, threshold: jaccardThreshold };
}

/**
 * Near-duplicate clustering of a batch, against the batch itself and, with an index, against
 * every record the scope accepted before (those always keep the credit: they were accepted first).
 * A batch record already in the index (a re-run) is recognised by id and kept as it was.
 */
export async function minhashDedupe(input: MinHashDedupeInput): Promise<MinHashDedupeResult> {
  const { spec } = input;
  if (!input.index)
    return decide(input, { ids: [], signatures: new Uint32Array(0), units: new Uint8Array(0), sets: [], tokens: [] }).result;
  const index = input.index;
  await migrateDedupeIndex(index.db);
  return withScopeLock(index.db, index.scope, 'minhash', async (tx) => {
    await checkScopeSettings(tx, index.scope, 'minhash', minhashSettings(spec));
    const P = spec.permutations;
    const keys = new Set<number>();
    const unitOf = (row: number) => (input.units ? input.units[row] : UNIT_WORD);
    const keysOf = (row: number) => {
      const b = bandingOf(spec, unitOf(row), input.jaccardThreshold);
      return bandKeys(input.signatures, row * P, b.bands, b.rows, new Float64Array(b.bands), unitOf(row));
    };
    for (let i = 0; i < input.ids.length; i++) {
      if (!input.hasShingles[i]) continue;
      for (const k of keysOf(i)) keys.add(k);
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
    // Records that no longer stand (dropped by a later step, revoked) are no one's representative;
    // the batch's own (a re-run) stay as they were, so a re-run decides the same.
    if (index.withdrawn) {
      const own = new Set(input.ids);
      for (const id of await index.withdrawn(tx, [...hitIds])) if (!own.has(id)) hitIds.delete(id);
    }
    type Row = {
      record_id: string;
      seq: unknown;
      signature: Uint8Array;
      unit: unknown;
      shingles: Uint8Array | null;
      tokens: string | null;
    };
    const rows: Row[] = [];
    for (const part of chunks([...hitIds], 5000)) {
      const found = await sql<Row>`
        select record_id, seq, signature, unit, shingles, tokens from datanet_dedupe_minhash_records
        where scope = ${index.scope} and record_id = any(array(select json_array_elements_text(${JSON.stringify(part)}::json)))`.execute(
        tx,
      );
      rows.push(...found.rows);
    }
    rows.sort((a, b) => toNumber(a.seq) - toNumber(b.seq));
    const accepted: Accepted = {
      ids: rows.map((r) => r.record_id),
      signatures: new Uint32Array(rows.length * P),
      units: Uint8Array.from(rows, (r) => toNumber(r.unit)),
      sets: rows.map((r) => (r.shingles ? toUint32(r.shingles) : null)),
      tokens: rows.map((r) => r.tokens),
    };
    rows.forEach((r, k) => accepted.signatures.set(toUint32(r.signature), k * P));
    const { result, fresh } = decide(input, accepted);
    // 500 records (8k band rows at 16 bands) per statement, with a turn of the event loop between
    // statements: PGlite runs each statement on the main thread and its awaited queries chain as
    // microtasks, so without the yield the whole insert held the loop for ~1 s in the demo.
    for (const part of chunks(fresh, 500)) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const hex = (a: Uint32Array, from: number, to: number) =>
        Buffer.from(a.buffer, a.byteOffset + from * 4, (to - from) * 4).toString('hex');
      const recs = JSON.stringify(
        part.map((r) => [
          input.ids[r],
          hex(input.signatures, r * P, r * P + P),
          unitOf(r),
          input.sets ? hex(input.sets.values, input.sets.offsets[r], input.sets.offsets[r + 1]) : null,
          unitOf(r) === UNIT_CHAR ? (input.tokens?.[r] ?? null) : null,
        ]),
      );
      await sql`
        insert into datanet_dedupe_minhash_records (scope, record_id, signature, run_id, unit, shingles, tokens)
        select ${index.scope}, e->>0, decode(e->>1, 'hex'), ${index.runId ?? null}, (e->>2)::smallint, decode(e->>3, 'hex'), e->>4
        from json_array_elements(${recs}::json) e
        on conflict do nothing`.execute(tx);
      const bands: [number, string][] = [];
      for (const r of part) for (const k of keysOf(r)) bands.push([k, input.ids[r]]);
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
  const from = input.signatures;
  // A batch alone in row order is its own item order: its signatures are used as they are.
  let inOrder = m === 0 && from.length === n * P;
  for (let k = 0; k < order.length && inOrder; k++) inOrder = order[k] === k;
  const signatures = inOrder ? from : new Uint32Array(n * P);
  if (!inOrder) signatures.set(accepted.signatures, 0);
  const units = new Uint8Array(n);
  units.set(accepted.units, 0);
  const active = new Uint8Array(n).fill(1);
  const itemOfRow = new Int32Array(ids.length);
  for (let k = 0; k < order.length; k++) {
    const row = order[k];
    const item = m + k;
    itemOfRow[row] = item;
    // (Signatures copied value by value: a view per row was an allocation per record.)
    if (!inOrder) for (let j = 0, a = row * P, b = item * P; j < P; j++) signatures[b + j] = from[a + j];
    units[item] = input.units ? input.units[row] : UNIT_WORD;
    if (!input.hasShingles[row] || acceptedItem.has(ids[row])) active[item] = 0;
  }
  // Short (char) records keep no shingle set (they are judged by their tokens): an empty one there
  // means none, and the estimate stands in where tokens are missing too.
  const setOf = (item: number): [Uint32Array, number, number] | null => {
    if (item < m) {
      const s = accepted.sets[item];
      return s && (s.length || units[item] !== UNIT_CHAR) ? [s, 0, s.length] : null;
    }
    if (!input.sets) return null;
    const row = order[item - m];
    const from = input.sets.offsets[row];
    const to = input.sets.offsets[row + 1];
    return from < to || units[item] !== UNIT_CHAR ? [input.sets.values, from, to] : null;
  };
  // Each short record's tokens are read once, on its first comparison, with ids shared by all.
  const split: (FieldedTokens | undefined)[] = new Array(n);
  const intern = new TokenInterner();
  const tokensOf = (item: number): FieldedTokens | undefined => {
    let t = split[item];
    if (t) return t;
    const joined = item < m ? accepted.tokens[item] : input.tokens?.[order[item - m]];
    if (joined == null) return undefined;
    t = fieldedJoined(joined, intern);
    split[item] = t;
    return t;
  };
  // Short pairs: recordSimilarity of their tokens; two medium records (both with word n-gram
  // sets) the larger of that and their word Jaccard on the same scale (onShortScale). Others:
  // exact Jaccard of the shingle sets when both are at hand (always within a batch signed by the
  // operator); the MinHash estimate for index records stored before sets were kept.
  const short = spec.short;
  const onShortScale = short ? shortScale(input.jaccardThreshold, short.threshold) : undefined;
  const similarity = (i: number, j: number, atLeast = 0) => {
    if (units[i] !== units[j]) return 0;
    if (units[i] === UNIT_CHAR) {
      const ta = tokensOf(i);
      const tb = tokensOf(j);
      if (ta && tb) {
        const a = onShortScale && setOf(i);
        const b = a && setOf(j);
        if (!a || !b) return fieldedSimilarity(ta, tb, atLeast);
        const words = onShortScale(jaccardSorted(a[0], a[1], a[2], b[0], b[1], b[2]));
        return Math.max(words, fieldedSimilarity(ta, tb, Math.max(atLeast, words)));
      }
    }
    const a = setOf(i);
    const b = setOf(j);
    return a && b ? jaccardSorted(a[0], a[1], a[2], b[0], b[1], b[2]) : estimateJaccard(signatures, i * P, signatures, j * P, P);
  };
  const { uf, joinedWith, candidatePairs, mergedPairs } = clusterSignatures({
    signatures,
    permutations: P,
    bands: spec.bands,
    rows: spec.rows,
    threshold: input.jaccardThreshold,
    units,
    short: spec.short,
    similarity,
    active,
    acceptedCount: m,
  });
  const idOfItem = (item: number) => (item < m ? accepted.ids[item] : ids[order[item - m]]);
  const representative = new Array<string>(ids.length);
  const similarityOut = new Float64Array(ids.length);
  const rowUnits = new Uint8Array(ids.length);
  const medium = new Uint8Array(ids.length);
  const thresholds = new Float64Array(ids.length);
  const fresh: number[] = [];
  // Cluster sizes counted by the representative's item (clusterSizes of dedupe-outputs.ts without
  // a map of id strings): rows per representative, plus one for a representative accepted in an
  // earlier run that is not in this batch (a member too).
  const repItem = new Int32Array(ids.length);
  const members = new Int32Array(n);
  const inBatch = new Uint8Array(n);
  const wordThreshold = bandingOf(spec, UNIT_WORD, input.jaccardThreshold).threshold;
  const charThreshold = bandingOf(spec, UNIT_CHAR, input.jaccardThreshold).threshold;
  ids.forEach((id, row) => {
    const item = itemOfRow[row];
    rowUnits[row] = units[item];
    if (units[item] === UNIT_CHAR && setOf(item)) medium[row] = 1;
    thresholds[row] = units[item] === UNIT_CHAR ? charThreshold : wordThreshold;
    const acceptedAs = m ? acceptedItem.get(id) : undefined;
    if (acceptedAs !== undefined) {
      // Accepted by an earlier attempt of this very step: it stays accepted.
      representative[row] = id;
      similarityOut[row] = 1;
      repItem[row] = acceptedAs;
      members[acceptedAs]++;
      inBatch[acceptedAs] = 1;
      return;
    }
    const root = uf.find(item);
    repItem[row] = root;
    members[root]++;
    if (root >= m) inBatch[root] = 1;
    representative[row] = idOfItem(root);
    // The similarity it joined its root with (root linkage: the root never moves), else computed.
    similarityOut[row] = root === item ? 1 : Number.isNaN(joinedWith[item]) ? similarity(item, root) : joinedWith[item];
    if (root === item) fresh.push(row);
  });
  const result: MinHashDedupeResult = {
    ids,
    representative,
    clusterSize: Int32Array.from(repItem, (r) => members[r] + (inBatch[r] ? 0 : 1)),
    similarity: similarityOut,
    units: rowUnits,
    medium,
    thresholds,
    candidatePairs,
    mergedPairs,
    indexMatches: m,
    added: 0,
  };
  return { result, fresh };
}

/**
 * A word n-gram Jaccard on recordSimilarity's scale, for medium pairs: the long records' bar
 * (jaccardThreshold) lands on the short one (shortThreshold), linearly on each side of it, so
 * that either measure reaching its own bar makes a duplicate and clusters rank by one number.
 */
export function shortScale(jaccardThreshold: number, shortThreshold: number): (jaccard: number) => number {
  return (j) =>
    j >= jaccardThreshold
      ? shortThreshold + ((j - jaccardThreshold) * (1 - shortThreshold)) / (1 - jaccardThreshold)
      : (j * shortThreshold) / jaccardThreshold;
}
