import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One shard of the span index, as files in its folder:
 *   tokens.u16 | tokens.u32  dense symbol per position (2.. = words by hash order, 1 = end of document)
 *   sa.i32                   suffix array over word positions only (document ends dropped)
 *   vocab.u32                sorted token hashes; symbol = rank + 2
 *   docs.i32                 start position of each document
 *   doc-contrib.i32          index into contributions.json of each document
 *   contributions.json       [contribution_id, contributor] pairs
 *   shard.json               counts and widths
 * A shard holds fewer than 2^31 positions so that int32 suffix entries suffice.
 */
export interface ShardMeta {
  format: 'datanet-span-shard/1';
  positions: number;
  words: number;
  docs: number;
  vocab: number;
  tokenWidth: 16 | 32;
  contributions: number;
}

export const MAX_SHARD_POSITIONS = 2 ** 31 - 2;

/**
 * Positions per shard unless configured: large enough that a query visits few shards (each shard
 * costs binary searches per query position: a billion tokens are 4 shards), small enough that
 * shards build in parallel, one per core, in a few GB each (about 14 bytes per position).
 */
export const DEFAULT_SHARD_POSITIONS = 2 ** 28;

export function writeTyped(path: string, arr: ArrayBufferView): void {
  writeFileSync(path, new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
}

/** The whole file as a typed array without copying when the buffer is aligned (it is for files > 4 KiB). */
function readTyped<T>(path: string, Ctor: { new (b: ArrayBuffer, o: number, l: number): T; BYTES_PER_ELEMENT: number }): T {
  const buf = readFileSync(path);
  const size = Ctor.BYTES_PER_ELEMENT;
  if (buf.byteOffset % size === 0) return new Ctor(buf.buffer as ArrayBuffer, buf.byteOffset, buf.byteLength / size);
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new Ctor(copy.buffer, 0, buf.byteLength / size);
}

/**
 * Where each symbol's suffixes start in the suffix array (word positions only, symbols >= 2): the
 * first step of every query without a binary search. One pass over the tokens at load, so the
 * files stay as they were.
 */
function symbolBuckets(tokens: Uint16Array | Uint32Array, K: number): Int32Array {
  const b = new Int32Array(K + 1);
  for (let i = 0; i < tokens.length; i++) b[tokens[i] + 1]++;
  b[1] = b[2] = 0; // document ends and the sentinel are not in the suffix array
  for (let c = 2; c <= K; c++) b[c] += b[c - 1];
  return b;
}

export class Shard {
  readonly meta: ShardMeta;
  private loaded?: {
    tokens: Uint16Array | Uint32Array;
    sa: Int32Array;
    vocab: Uint32Array;
    docs: Int32Array;
    docContrib: Int32Array;
    contributions: [string, string][];
    /** Suffix-array range [buckets[c], buckets[c + 1]) of the suffixes that start with symbol c. */
    buckets: Int32Array;
  };

  constructor(readonly dir: string) {
    this.meta = JSON.parse(readFileSync(join(dir, 'shard.json'), 'utf8'));
    if (this.meta.format !== 'datanet-span-shard/1') throw new Error(`${dir}/shard.json: unknown shard format ${this.meta.format}`);
  }

  /** Loads the files on first use; queries never rebuild anything. */
  get data() {
    if (!this.loaded) {
      const d = this.dir;
      const tokens =
        this.meta.tokenWidth === 16 ? readTyped(join(d, 'tokens.u16'), Uint16Array) : readTyped(join(d, 'tokens.u32'), Uint32Array);
      this.loaded = {
        tokens,
        sa: readTyped(join(d, 'sa.i32'), Int32Array),
        vocab: readTyped(join(d, 'vocab.u32'), Uint32Array),
        docs: readTyped(join(d, 'docs.i32'), Int32Array),
        docContrib: readTyped(join(d, 'doc-contrib.i32'), Int32Array),
        contributions: JSON.parse(readFileSync(join(d, 'contributions.json'), 'utf8')),
        buckets: symbolBuckets(tokens, this.meta.vocab + 2),
      };
    }
    return this.loaded;
  }

  /** Dense symbol of a token hash in this shard, or -1 when the shard never saw it. */
  symbolOf(hash: number): number {
    const v = this.data.vocab;
    let lo = 0;
    let hi = v.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v[mid] < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo < v.length && v[lo] === hash ? lo + 2 : -1;
  }

  /** Document holding position p (binary search over document starts). */
  docAt(p: number): number {
    const starts = this.data.docs;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= p) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
