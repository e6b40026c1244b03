import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sais } from './sais.js';
import { MAX_SHARD_POSITIONS, writeTyped, type ShardMeta } from './shard-files.js';

/** One shard's documents, flat, so that a pool thread receives them as transferable buffers. */
export interface ShardInput {
  /** Word hashes (never 0) of every document, one document after another. */
  tokens: Uint32Array;
  /** Words of each document. */
  docLengths: Int32Array;
  /** Index into `contributions` of each document. */
  docContrib: Int32Array;
  /** [contribution_id, contributor] pairs. */
  contributions: [string, string][];
}

/**
 * Bytes of typed arrays a shard build holds at its peak (input, symbols, token file, suffix array,
 * and the reduced string's bucket table: at most one entry per LMS position, half the positions).
 */
export function shardBuildBytes(words: number, docs: number): number {
  const positions = words + docs;
  return 4 * words + 8 * docs + 12 * (positions + 1) + 4 * docs + 16 * 2 ** 17;
}

/**
 * Builds one shard's files in `dir`. `timings`, when given, receives the wall milliseconds of each
 * phase: vocab (hashing every token), symbols (ranks), writeTokens, sais, writeRest.
 */
export function buildShard(dir: string, input: ShardInput, timings?: Record<string, number>): ShardMeta {
  let mark = performance.now();
  const lap = (phase: string) => {
    if (!timings) return;
    const now = performance.now();
    timings[phase] = (timings[phase] ?? 0) + Math.round(now - mark);
    mark = now;
  };
  const { tokens, docLengths, docContrib } = input;
  const words = tokens.length;
  const docs = docLengths.length;
  const positions = words + docs; // one end-of-document symbol after each document
  if (positions > MAX_SHARD_POSITIONS) throw new Error(`shard of ${positions} positions exceeds 2^31; split the input`);

  // Vocabulary: the sorted distinct hashes; a word's symbol is its rank + 2. Distinct hashes are
  // found with an open-addressing table (O(n)), so only the vocabulary is sorted, not every token.
  // One pass over the tokens: each position first gets its word's first-seen number, which a
  // sequential pass then turns into the rank (a table of the vocabulary's size, in cache).
  const s = new Int32Array(positions + 1); // + sentinel 0
  const starts = new Int32Array(docs);
  const seen = new DistinctHashes();
  let at = 0;
  let from = 0;
  for (let k = 0; k < docs; k++) {
    starts[k] = at;
    const end = from + docLengths[k];
    if (end > words) break;
    for (let i = from; i < end; i++) {
      const h = tokens[i];
      if (h === 0) throw new Error(`shard input: token ${i} is 0, which marks an empty slot; hashes must be non-zero`);
      s[at++] = seen.idOf(h);
    }
    s[at++] = -1;
    from = end;
  }
  if (from !== words || at !== positions)
    throw new Error(`shard input: document lengths sum to ${docLengths.reduce((a, b) => a + b, 0)}, but there are ${words} tokens`);
  const { vocab, rankOfId } = seen.sorted();
  const K = vocab.length + 2;
  lap('vocab');
  for (let i = 0; i < positions; i++) {
    const id = s[i];
    s[i] = id < 0 ? 1 : rankOfId[id] + 2;
  }
  lap('symbols');

  // The token file is written before the sort so that its copy is gone when the sort needs memory.
  mkdirSync(dir, { recursive: true });
  const tokenWidth = K <= 65_536 ? 16 : 32;
  writeTyped(
    join(dir, tokenWidth === 16 ? 'tokens.u16' : 'tokens.u32'),
    tokenWidth === 16 ? narrow(s.subarray(0, positions)) : new Uint32Array(s.buffer, 0, positions),
  );
  lap('writeTokens');
  const SA = new Int32Array(positions + 1);
  sais(s, SA, positions + 1, K);
  lap('sais');
  // SA[0] is the sentinel and the next `docs` entries start at document ends: queries never begin
  // there, so only word positions are kept.
  writeTyped(join(dir, 'sa.i32'), SA.subarray(1 + docs));
  writeTyped(join(dir, 'vocab.u32'), vocab);
  writeTyped(join(dir, 'docs.i32'), starts);
  writeTyped(join(dir, 'doc-contrib.i32'), docContrib);
  writeFileSync(join(dir, 'contributions.json'), JSON.stringify(input.contributions));
  const meta: ShardMeta = {
    format: 'datanet-span-shard/1',
    positions,
    words,
    docs,
    vocab: vocab.length,
    tokenWidth,
    contributions: input.contributions.length,
  };
  writeFileSync(join(dir, 'shard.json'), JSON.stringify(meta, null, 2));
  lap('writeRest');
  return meta;
}

/** Int32 symbols below 2^16 as a Uint16Array (one native copy; TypedArray.from iterates). */
function narrow(a: Int32Array): Uint16Array {
  const out = new Uint16Array(a.length);
  out.set(a);
  return out;
}

/** Distinct token hashes, numbered as first seen, in an open-addressing table; 0 marks an empty slot. */
class DistinctHashes {
  private cap = 1 << 16;
  /** Slot of hash h: the top bits of h times the golden ratio (Fibonacci hashing). */
  private shift = 16;
  private keys = new Uint32Array(this.cap);
  private ids = new Int32Array(this.cap);
  private count = 0;

  idOf(h: number): number {
    const mask = this.cap - 1;
    const keys = this.keys;
    let i = Math.imul(h, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const k = keys[i];
      if (k === h) return this.ids[i];
      if (k === 0) break;
      i = (i + 1) & mask;
    }
    keys[i] = h;
    this.ids[i] = this.count;
    if (++this.count * 2 > this.cap) this.grow();
    return this.count - 1;
  }

  private grow(): void {
    const { keys, ids } = this;
    this.cap *= 2;
    this.shift--;
    this.keys = new Uint32Array(this.cap);
    this.ids = new Int32Array(this.cap);
    const mask = this.cap - 1;
    for (let j = 0; j < keys.length; j++) {
      const h = keys[j];
      if (h === 0) continue;
      let i = Math.imul(h, 0x9e3779b1) >>> this.shift;
      while (this.keys[i] !== 0) i = (i + 1) & mask;
      this.keys[i] = h;
      this.ids[i] = ids[j];
    }
  }

  /** The hashes in ascending order, and each first-seen number's rank among them. */
  sorted(): { vocab: Uint32Array; rankOfId: Int32Array } {
    const byId = new Uint32Array(this.count);
    for (let j = 0; j < this.cap; j++) if (this.keys[j] !== 0) byId[this.ids[j]] = this.keys[j];
    const vocab = byId.slice().sort();
    const rankOfId = new Int32Array(this.count);
    // Ranks by binary search: the vocabulary is small next to the tokens.
    for (let id = 0; id < this.count; id++) {
      const h = byId[id];
      let lo = 0;
      let hi = vocab.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (vocab[mid] < h) lo = mid + 1;
        else hi = mid;
      }
      rankOfId[id] = lo;
    }
    return { vocab, rankOfId };
  }
}
