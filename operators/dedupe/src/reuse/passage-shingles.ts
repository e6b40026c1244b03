import { fmix32, murmurMix } from '../hash.js';

/** A text's words (letters and digits, lowercased) with their character offsets (UTF-16 code units, as JS and Arrow strings index). */
export interface Words {
  hashes: Uint32Array;
  starts: Int32Array;
  ends: Int32Array;
}

const WORD = /[\p{L}\p{N}]+/gu;

export function words(text: string): Words {
  const hashes: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (const m of text.toLowerCase().matchAll(WORD)) {
    const w = m[0];
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
    hashes.push(fmix32(h ^ w.length));
    starts.push(m.index);
    ends.push(m.index + w.length);
  }
  return { hashes: Uint32Array.from(hashes), starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}

/**
 * Hashes of the word k-grams (shingle s covers words s .. s+k-1). A text of fewer than k words
 * gives one shingle of all of them.
 */
export function passageShingles(w: Words, k: number): Uint32Array {
  const n = w.hashes.length;
  if (n === 0) return new Uint32Array(0);
  const width = Math.min(k, n);
  const out = new Uint32Array(n < k ? 1 : n - k + 1);
  for (let s = 0; s < out.length; s++) {
    let h = 0x2f1a3c5d | 0;
    for (let j = 0; j < width; j++) h = murmurMix(h, w.hashes[s + j]);
    out[s] = fmix32(h ^ width);
  }
  return out;
}

/**
 * Broder's mod-m sample: the shingles whose hash is 0 mod m. The same shingle is sampled in every
 * text, so |sample(A) ∩ sample(B)| / |sample(A)| estimates how much of A is contained in B
 * without looking at B's other shingles: what the candidate index stores.
 */
export function sampled(shingles: Uint32Array, mod: number): Uint32Array {
  const out: number[] = [];
  for (const h of shingles) if (h % mod === 0) out.push(h);
  return Uint32Array.from(new Set(out));
}
