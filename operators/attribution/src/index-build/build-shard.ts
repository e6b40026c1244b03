import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sais } from './sais.js';
import { MAX_SHARD_POSITIONS, writeTyped, type ShardMeta } from './shard-files.js';

export interface ShardDoc {
  tokens: Uint32Array;
  /** Index into `contributions`. */
  contribution: number;
}

/** Builds one shard's files in `dir` from tokenized documents. */
export function buildShard(dir: string, docs: readonly ShardDoc[], contributions: readonly [string, string][]): ShardMeta {
  let words = 0;
  for (const d of docs) words += d.tokens.length;
  const positions = words + docs.length; // one end-of-document symbol after each document
  if (positions > MAX_SHARD_POSITIONS) throw new Error(`shard of ${positions} positions exceeds 2^31; split the input`);

  // Vocabulary: the sorted distinct hashes; a word's symbol is its rank + 2. Distinct hashes are
  // found with an open-addressing table (O(n)), so only the vocabulary is sorted, not every token.
  const { vocab, slotOf, ranks } = distinctHashes(docs);
  const v = vocab.length;
  const K = v + 2;

  const s = new Int32Array(positions + 1); // + sentinel 0
  const starts = new Int32Array(docs.length);
  const docContrib = new Int32Array(docs.length);
  let at = 0;
  docs.forEach((d, k) => {
    starts[k] = at;
    docContrib[k] = d.contribution;
    const t = d.tokens;
    for (let i = 0; i < t.length; i++) s[at++] = ranks[slotOf(t[i])] + 2;
    s[at++] = 1;
  });
  const SA = new Int32Array(positions + 1);
  sais(s, SA, positions + 1, K);
  // SA[0] is the sentinel and the next docs.length entries start at document ends: queries never
  // begin there, so only word positions are kept.
  const sa = SA.subarray(1 + docs.length);

  mkdirSync(dir, { recursive: true });
  const tokenWidth = K <= 65_536 ? 16 : 32;
  const tokens = tokenWidth === 16 ? Uint16Array.from(s.subarray(0, positions)) : Uint32Array.from(s.subarray(0, positions));
  writeTyped(join(dir, tokenWidth === 16 ? 'tokens.u16' : 'tokens.u32'), tokens);
  writeTyped(join(dir, 'sa.i32'), sa);
  writeTyped(join(dir, 'vocab.u32'), vocab);
  writeTyped(join(dir, 'docs.i32'), starts);
  writeTyped(join(dir, 'doc-contrib.i32'), docContrib);
  writeFileSync(join(dir, 'contributions.json'), JSON.stringify(contributions));
  const meta: ShardMeta = {
    format: 'datanet-span-shard/1',
    positions,
    words,
    docs: docs.length,
    vocab: v,
    tokenWidth,
    contributions: contributions.length,
  };
  writeFileSync(join(dir, 'shard.json'), JSON.stringify(meta, null, 2));
  return meta;
}

/** Distinct token hashes in sorted order, and each hash's rank through a hash table slot. */
function distinctHashes(docs: readonly ShardDoc[]) {
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
  for (const d of docs) {
    const t = d.tokens;
    for (let i = 0; i < t.length; i++) {
      if (insert(keys, cap - 1, t[i])) count++;
      if (count * 2 > cap) {
        const old = keys;
        cap *= 2;
        keys = new Uint32Array(cap);
        for (const h of old) if (h !== 0) insert(keys, cap - 1, h);
      }
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
