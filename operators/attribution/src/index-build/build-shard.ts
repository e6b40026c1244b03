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

/** Bytes of typed arrays a shard build holds at its peak (input, symbols, token file, suffix array, tables). */
export function shardBuildBytes(words: number, docs: number): number {
  const positions = words + docs;
  return 4 * words + 8 * docs + 10 * (positions + 1) + 4 * docs + 16 * 2 ** 17;
}

/** Builds one shard's files in `dir`. */
export function buildShard(dir: string, input: ShardInput): ShardMeta {
  const { tokens, docLengths, docContrib } = input;
  const words = tokens.length;
  const docs = docLengths.length;
  const positions = words + docs; // one end-of-document symbol after each document
  if (positions > MAX_SHARD_POSITIONS) throw new Error(`shard of ${positions} positions exceeds 2^31; split the input`);

  // Vocabulary: the sorted distinct hashes; a word's symbol is its rank + 2. Distinct hashes are
  // found with an open-addressing table (O(n)), so only the vocabulary is sorted, not every token.
  const { vocab, slotOf, ranks } = distinctHashes(tokens);
  const K = vocab.length + 2;

  const s = new Int32Array(positions + 1); // + sentinel 0
  const starts = new Int32Array(docs);
  let at = 0;
  let from = 0;
  for (let k = 0; k < docs; k++) {
    starts[k] = at;
    const end = from + docLengths[k];
    for (let i = from; i < end; i++) s[at++] = ranks[slotOf(tokens[i])] + 2;
    s[at++] = 1;
    from = end;
  }
  if (from !== words) throw new Error(`shard input: document lengths sum to ${from}, but there are ${words} tokens`);

  // The token file is written before the sort so that its copy is gone when the sort needs memory.
  mkdirSync(dir, { recursive: true });
  const tokenWidth = K <= 65_536 ? 16 : 32;
  writeTyped(
    join(dir, tokenWidth === 16 ? 'tokens.u16' : 'tokens.u32'),
    tokenWidth === 16 ? Uint16Array.from(s.subarray(0, positions)) : new Uint32Array(s.buffer, 0, positions),
  );
  const SA = new Int32Array(positions + 1);
  sais(s, SA, positions + 1, K);
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
  return meta;
}

/** Distinct token hashes in sorted order, and each hash's rank through a hash table slot. */
function distinctHashes(tokens: Uint32Array) {
  let cap = 1 << 16;
  let keys = new Uint32Array(cap); // 0 = empty (token hashes are never 0)
  let count = 0;
  const mix = (h: number) => Math.imul(h, 0x9e3779b1) >>> 0;
  const insert = (table: Uint32Array, mask: number, h: number): boolean => {
    let i = mix(h) & mask;
    while (table[i] !== 0) {
      if (table[i] === h) return false;
      i = (i + 1) & mask;
    }
    table[i] = h;
    return true;
  };
  for (let i = 0; i < tokens.length; i++) {
    const h = tokens[i];
    if (h === 0) throw new Error(`shard input: token ${i} is 0, which marks an empty slot; hashes must be non-zero`);
    if (insert(keys, cap - 1, h)) count++;
    if (count * 2 > cap) {
      const old = keys;
      cap *= 2;
      keys = new Uint32Array(cap);
      for (const k of old) if (k !== 0) insert(keys, cap - 1, k);
    }
  }
  const vocab = new Uint32Array(count);
  let j = 0;
  for (const h of keys) if (h !== 0) vocab[j++] = h;
  vocab.sort();
  const mask = cap - 1;
  const slotOf = (h: number): number => {
    let i = mix(h) & mask;
    while (keys[i] !== h) i = (i + 1) & mask;
    return i;
  };
  const ranks = new Int32Array(cap);
  for (let r = 0; r < count; r++) ranks[slotOf(vocab[r])] = r;
  return { vocab, slotOf, ranks };
}
