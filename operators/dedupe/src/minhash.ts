import type { TextBytes } from '@datanet/connector-duckdb';
import { fmix32, murmurMix, mulberry32 } from './hash.js';
import { Shingler, type ShingleSpec } from './shingles.js';

export interface MinHashSpec {
  shingles: ShingleSpec;
  permutations: number;
  bands: number;
  rows: number;
  seed: number;
}

/** datatrove's defaults: 5-gram word shingles, 14 buckets x 8 hashes = 112 permutations. */
export const DEFAULT_MINHASH: MinHashSpec = { shingles: { unit: 'word', n: 5 }, permutations: 112, bands: 14, rows: 8, seed: 1 };

/** The Jaccard similarity at which a pair has a 50% chance of sharing a band: (1/b)^(1/r). */
export function impliedThreshold(bands: number, rows: number): number {
  return Math.pow(1 / bands, 1 / rows);
}

/** Probability that a pair with Jaccard `s` becomes a candidate: 1 - (1 - s^r)^b. */
export function candidateProbability(s: number, bands: number, rows: number): number {
  return 1 - Math.pow(1 - Math.pow(s, rows), bands);
}

export function validateMinHashSpec(spec: MinHashSpec): void {
  if (spec.bands * spec.rows > spec.permutations) {
    throw new Error(
      `bands x rows (${spec.bands} x ${spec.rows} = ${spec.bands * spec.rows}) must not exceed permutations (${spec.permutations})`,
    );
  }
}

/**
 * MinHash signatures with P hash functions h_j(x) = (a_j * x + b_j) mod 2^32 applied to 32-bit
 * shingle hashes that are already well mixed (murmur finaliser). Working modulo 2^32 with odd a_j
 * keeps the hot loop to one Math.imul, one add and one compare per shingle and permutation; the
 * estimator's accuracy against exact Jaccard is checked by tests and the benchmark.
 */
export class MinHasher {
  readonly a: Uint32Array;
  readonly b: Uint32Array;
  private shingler: Shingler;
  /** Documents whose text gave no shingle (empty or punctuation only). */
  empty = 0;

  constructor(readonly spec: MinHashSpec) {
    validateMinHashSpec(spec);
    this.shingler = new Shingler(spec.shingles);
    const rand = mulberry32(spec.seed);
    this.a = new Uint32Array(spec.permutations);
    this.b = new Uint32Array(spec.permutations);
    for (let j = 0; j < spec.permutations; j++) {
      this.a[j] = rand() | 1;
      this.b[j] = rand();
    }
  }

  /** Writes document [start, end) 's signature into sig[at .. at + P); returns false when it has no shingle. */
  signInto(bytes: Uint8Array, start: number, end: number, sig: Uint32Array, at: number): boolean {
    const P = this.spec.permutations;
    const a = this.a;
    const b = this.b;
    const shingles = this.shingler.shingle(bytes, start, end);
    const n = shingles.length;
    // Permutation-outer order keeps a_j, b_j and the running minimum in registers while the
    // shingles stream through the cache; two shingles per step halve the loop overhead. Values
    // stay int32 (sign bit flipped so signed order equals unsigned order): V8 keeps them in
    // integer registers, where uint32 values above 2^31 would fall back to doubles.
    const odd = n & 1;
    for (let j = 0; j < P; j++) {
      const aj = a[j] | 0;
      const bj = (b[j] ^ 0x80000000) | 0;
      let min = 0x7fffffff;
      for (let s = 0; s < n - odd; s += 2) {
        const v0 = (Math.imul(aj, shingles[s]) + bj) | 0;
        const v1 = (Math.imul(aj, shingles[s + 1]) + bj) | 0;
        if (v0 < min) min = v0;
        if (v1 < min) min = v1;
      }
      if (odd) {
        const v = (Math.imul(aj, shingles[n - 1]) + bj) | 0;
        if (v < min) min = v;
      }
      sig[at + j] = min ^ 0x80000000;
    }
    return n > 0;
  }

  /** Signatures of every row, P values per row; `hasShingles[i]` is 0 for rows with no text. */
  signAll(text: TextBytes, onProgress?: (done: number) => void): { signatures: Uint32Array; hasShingles: Uint8Array } {
    const P = this.spec.permutations;
    const signatures = new Uint32Array(text.length * P);
    const hasShingles = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      if (this.signInto(text.bytes, text.offsets[i], text.offsets[i + 1], signatures, i * P)) hasShingles[i] = 1;
      else this.empty++;
      if (onProgress && (i & 4095) === 4095) onProgress(i + 1);
    }
    return { signatures, hasShingles };
  }
}

/**
 * LSH bucket keys of one signature: band t's r values hashed to 32 bits, tagged with t so that
 * equal values in different bands never collide. Keys stay below 2^53 (exact JS numbers).
 */
export function bandKeys(
  sig: Uint32Array,
  at: number,
  bands: number,
  rows: number,
  out: Float64Array = new Float64Array(bands),
): Float64Array {
  for (let t = 0; t < bands; t++) {
    let h = 0x3c6ef372 ^ t;
    const base = at + t * rows;
    for (let k = 0; k < rows; k++) h = murmurMix(h, sig[base + k]);
    out[t] = t * 4294967296 + fmix32(h ^ rows);
  }
  return out;
}

/** Fraction of equal signature positions: the MinHash estimate of Jaccard similarity. */
export function estimateJaccard(x: Uint32Array, xAt: number, y: Uint32Array, yAt: number, P: number): number {
  let same = 0;
  for (let j = 0; j < P; j++) if (x[xAt + j] === y[yAt + j]) same++;
  return same / P;
}

export interface SignedTexts {
  signatures: Uint32Array;
  hasShingles: Uint8Array;
  /** Rows with no shingle. */
  empty: number;
}

/**
 * signAll as a kernel of @datanet/pipelines' thread pool (runKernel(url, 'signTexts', ...)): the
 * text's buffers in, signatures out, so a large table is signed off the engine's event loop.
 * Progress arrives as (rows done).
 */
export function signTexts(args: { spec: MinHashSpec; text: TextBytes }, ctx: { progress(...values: unknown[]): void }): SignedTexts {
  const hasher = new MinHasher(args.spec);
  const { signatures, hasShingles } = hasher.signAll(args.text, (done) => ctx.progress(done));
  return { signatures, hasShingles, empty: hasher.empty };
}
