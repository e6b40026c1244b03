/**
 * The span index's tokenizer ("words-v1"): NFKC, lower case, then every run of letters/digits is a
 * token and every other non-space character is a token of its own. A token's id is its 32-bit
 * FNV-1a hash (never 0, which marks document ends), so shards built at different times and the
 * queries agree on ids without a shared vocabulary. Deterministic, and independent of any model's
 * tokenizer on purpose: attribution must not change when the model does.
 */
export const TOKENIZER = 'words-v1';

const TOKEN = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0 || 1;
}

/** Token ids of a text. */
export function tokenIds(text: string): Uint32Array {
  const norm = text.normalize('NFKC').toLowerCase();
  const out: number[] = [];
  for (const m of norm.matchAll(TOKEN)) out.push(fnv1a(m[0]));
  return Uint32Array.from(out);
}

export interface TokenizedText {
  ids: Uint32Array;
  /** [start, end) character offsets of each token in the normalised text. */
  starts: Int32Array;
  ends: Int32Array;
  /** The normalised (NFKC, lower-case) text the offsets point into. */
  text: string;
}

/** Token ids with their character offsets, to show evidence spans. */
export function tokenizeWithOffsets(text: string): TokenizedText {
  const norm = text.normalize('NFKC').toLowerCase();
  const ids: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (const m of norm.matchAll(TOKEN)) {
    ids.push(fnv1a(m[0]));
    starts.push(m.index!);
    ends.push(m.index! + m[0].length);
  }
  return { ids: Uint32Array.from(ids), starts: Int32Array.from(starts), ends: Int32Array.from(ends), text: norm };
}
