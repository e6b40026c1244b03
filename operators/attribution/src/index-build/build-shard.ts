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

  // Vocabulary: the sorted distinct hashes; a word's symbol is its rank + 2.
  const all = new Uint32Array(words);
  let at = 0;
  for (const d of docs) {
    all.set(d.tokens, at);
    at += d.tokens.length;
  }
  const sorted = all.slice().sort();
  let v = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[v++] = sorted[i];
  const vocab = sorted.slice(0, v);
  const K = v + 2;

  const s = new Int32Array(positions + 1); // + sentinel 0
  const starts = new Int32Array(docs.length);
  const docContrib = new Int32Array(docs.length);
  at = 0;
  let src = 0;
  docs.forEach((d, k) => {
    starts[k] = at;
    docContrib[k] = d.contribution;
    for (let i = 0; i < d.tokens.length; i++) {
      const h = all[src++];
      let lo = 0;
      let hi = v;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (vocab[mid] < h) lo = mid + 1;
        else hi = mid;
      }
      s[at++] = lo + 2;
    }
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
  const meta: ShardMeta = { format: 'datanet-span-shard/1', positions, words, docs: docs.length, vocab: v, tokenWidth, contributions: contributions.length };
  writeFileSync(join(dir, 'shard.json'), JSON.stringify(meta, null, 2));
  return meta;
}
