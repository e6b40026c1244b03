import { fmix32, murmurMix } from '../hash.js';

/** A text's words (letters and digits, lowercased) with their character offsets (UTF-16 code units, as JS and Arrow strings index). */
export interface Words {
  hashes: Uint32Array;
  /** Hashes of the words less a trailing -s, -ing/-ed and -e (cause, causes, caused, causing): what the gap-tolerant alignment compares. */
  stems: Uint32Array;
  starts: Int32Array;
  ends: Int32Array;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;
/** ASCII letters and digits. */
const ASCII_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_WORD[c] = WORD_CHAR.test(String.fromCharCode(c)) ? 1 : 0;

/** UTF-16 units of the letter or digit at i (2 for one outside the BMP), 0 if none there. */
function wordUnits(t: string, i: number): number {
  const c = t.charCodeAt(i);
  if (c < 128) return ASCII_WORD[c];
  if (c >= 0xd800 && c < 0xdc00 && i + 1 < t.length) {
    const d = t.charCodeAt(i + 1);
    if (d >= 0xdc00 && d < 0xe000) return WORD_CHAR.test(t.slice(i, i + 2)) ? 2 : 0;
  }
  return WORD_CHAR.test(t[i]) ? 1 : 0;
}

let scratch = { hashes: new Uint32Array(256), stems: new Uint32Array(256), starts: new Int32Array(256), ends: new Int32Array(256) };

/** The words of a text: maximal runs of Unicode letters and digits (as /[\p{L}\p{N}]+/gu) of its lowercased form. */
export function words(text: string): Words {
  const t = text.toLowerCase();
  const len = t.length;
  const most = (len >> 1) + 1;
  if (scratch.hashes.length < most) {
    const cap = Math.max(most, scratch.hashes.length * 2);
    scratch = { hashes: new Uint32Array(cap), stems: new Uint32Array(cap), starts: new Int32Array(cap), ends: new Int32Array(cap) };
  }
  const { hashes, stems, starts, ends } = scratch;
  let n = 0;
  for (let i = 0; i < len;) {
    let u = wordUnits(t, i);
    if (!u) {
      i++;
      continue;
    }
    const start = i;
    let h = 0x811c9dc5 | 0;
    while (u) {
      for (const end = i + u; i < end; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
      u = i < len ? wordUnits(t, i) : 0;
    }
    const wlen = i - start;
    const stem = stemLengthAt(t, start, i);
    let hs = h;
    if (stem < wlen) {
      hs = 0x811c9dc5 | 0;
      for (let j = start; j < start + stem; j++) hs = Math.imul(hs ^ t.charCodeAt(j), 0x01000193);
    }
    hashes[n] = fmix32(h ^ wlen);
    stems[n] = (hs ^ stem) >>> 0;
    starts[n] = start;
    ends[n] = i;
    n++;
  }
  return { hashes: hashes.slice(0, n), stems: stems.slice(0, n), starts: starts.slice(0, n), ends: ends.slice(0, n) };
}

const [S, E, I, N, G, D] = [...'seingd'].map((c) => c.charCodeAt(0));

/**
 * Length of the lowercase word t[start, end) less -s (not -ss), then -ing or -ed, then -e: a crude
 * stem that makes a change of number or tense compare equal.
 */
function stemLengthAt(t: string, start: number, end: number): number {
  let n = end - start;
  if (n > 3 && t.charCodeAt(start + n - 1) === S && t.charCodeAt(start + n - 2) !== S) n--;
  if (n > 4 && t.charCodeAt(start + n - 3) === I && t.charCodeAt(start + n - 2) === N && t.charCodeAt(start + n - 1) === G) n -= 3;
  else if (n > 3 && t.charCodeAt(start + n - 2) === E && t.charCodeAt(start + n - 1) === D) n -= 2;
  if (n > 3 && t.charCodeAt(start + n - 1) === E) n--;
  return n;
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
  // h % mod for a power of two mod is its low bits (and a bitwise and is cheaper on values over 2^31).
  const mask = (mod & (mod - 1)) === 0 ? mod - 1 : -1;
  const keep = (h: number) => (mask >= 0 ? (h & mask) === 0 : h % mod === 0);
  let n = 0;
  for (let i = 0; i < shingles.length; i++) if (keep(shingles[i])) n++;
  const out = new Uint32Array(n);
  n = 0;
  for (let i = 0; i < shingles.length; i++) if (keep(shingles[i])) out[n++] = shingles[i];
  // Distinct, in ascending order.
  out.sort();
  let m = 0;
  for (let i = 0; i < n; i++) if (i === 0 || out[i] !== out[i - 1]) out[m++] = out[i];
  return m === n ? out : out.slice(0, m);
}
