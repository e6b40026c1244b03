import type { TextBytes } from '@datanet/connector-duckdb';
import { fmix32, murmurMix, mulberry32 } from './hash.js';
import { countWords, functionWordShare, Shingler } from './shingles.js';
import { asciiJoinedTokens, lastJoinedGramHashes, structuredGramHashes, structuredTokens } from './structured-text.js';
import { ShingleSets } from './shingle-sets.js';

export interface MinHashSpec {
  /** `auto`: word n-grams for long records, character n-grams of the structured normal form for short ones. */
  shingles: { unit: 'word' | 'char' | 'auto'; n: number };
  permutations: number;
  /** Banding of word-shingled (or all, outside auto) records. */
  bands: number;
  rows: number;
  seed: number;
  /** Auto mode only: what makes a record short, and how short records are banded and judged. */
  short?: ShortSpec;
}

export interface ShortSpec {
  /** Records with fewer words than this are short. */
  maxWords: number;
  bands: number;
  rows: number;
  /** recordSimilarity (token alignment allowing abbreviations, typos and dropped fields) a short pair needs. */
  threshold: number;
  /**
   * Records from maxWords up to (not including) this many words are medium: banded and judged as
   * short ones, and also duplicates when their word n-gram sets reach the long records' Jaccard
   * threshold. Undefined: none (an index built before medium records keeps its rule).
   */
  mediumWords?: number;
}

/**
 * Unit each record was judged by in auto mode (the `units` array of signAll): UNIT_CHAR records
 * use the short-record banding and threshold. Outside auto mode every record is UNIT_WORD, the
 * spec's own banding, whichever unit the spec names.
 */
export const UNIT_WORD = 0;
export const UNIT_CHAR = 1;

const NO_SHINGLES = new Uint32Array(0);
/**
 * Function-word share (functionWordShare) from which a record of short.maxWords words or more is
 * prose, not medium: where structured records (npm metadata: median 0.09, 95th percentile 0.23;
 * references 0.08-0.14) and prose (MedQuAD's answers of 50-99 words: median 0.39, 5th percentile
 * 0.18) meet. At 0.2, 370 of those 3,731 answers are medium (lists of resources, mostly).
 */
export const PROSE_SHARE = 0.2;
// Densification probes tabled per bin (a record fills at least a third of its bins, so more than
// a few attempts are rare; past them the hash is computed as before).
const PROBES = 16;

/** datatrove's defaults: 5-gram word shingles, 14 buckets x 8 hashes = 112 permutations. */
export const DEFAULT_MINHASH: MinHashSpec = { shingles: { unit: 'word', n: 5 }, permutations: 112, bands: 14, rows: 8, seed: 1 };

/**
 * Short records in auto mode: under 50 words a word 5-gram set has at most 45 members, so one
 * edited word already costs it 0.1 of Jaccard, and a typo or an abbreviation costs as much as a
 * rewritten word. They are banded on character 5-grams with rows of 3, putting the LSH threshold
 * (1/b)^(1/3) near 0.3 (37 x 3 of 112 permutations): duplicates made by typical edits keep a
 * character Jaccard above 0.4, where a pair becomes a candidate with probability ~0.9; the
 * candidates are then judged by recordSimilarity (record-similarity.ts) against `threshold`.
 */
export function shortSpecFor(permutations: number, maxWords = 50, threshold = 0.83): ShortSpec {
  const rows = 3;
  return { maxWords, bands: Math.floor(permutations / rows), rows, threshold, mediumWords: 2 * maxWords };
}

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
  if (spec.shingles.unit === 'auto' && !spec.short) throw new Error('auto shingles need the short-record settings (spec.short)');
  if (spec.short && spec.short.bands * spec.short.rows > spec.permutations) {
    throw new Error(
      `short-record bands x rows (${spec.short.bands} x ${spec.short.rows}) must not exceed permutations (${spec.permutations})`,
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
  private charBuf = new Uint32Array(1024);
  private bins: Int32Array;
  // Empty bins of the record being signed (signOnePermutation).
  private empties: Int32Array;
  private decoder = new TextDecoder();
  private probeTable: Int32Array | undefined;
  /** Documents whose text gave no shingle (empty or punctuation only). */
  empty = 0;
  /** Unit of the last signed document (UNIT_WORD or UNIT_CHAR). */
  lastUnit = UNIT_WORD;
  /** Whether the last document was medium (auto mode, short.mediumWords): UNIT_CHAR, word shingles kept too. */
  lastMedium = false;
  /** Structured tokens of the last document, joined by spaces, when it was short (auto mode), else undefined. */
  lastJoined: string | undefined;
  // The joined tokens of the last ASCII short record as bytes (asciiJoinedTokens).
  private joinedBuf = Buffer.alloc(1024);

  /** Structured tokens of the last document when it was short (auto mode), else undefined. */
  get lastTokens(): string[] | undefined {
    return this.lastJoined === undefined ? undefined : this.lastJoined === '' ? [] : this.lastJoined.split(' ');
  }

  constructor(readonly spec: MinHashSpec) {
    validateMinHashSpec(spec);
    const unit = spec.shingles.unit === 'auto' ? 'word' : spec.shingles.unit;
    this.shingler = new Shingler({ unit, n: spec.shingles.n });
    this.bins = new Int32Array(spec.permutations);
    this.empties = new Int32Array(spec.permutations);
    if (spec.permutations > 65536) throw new Error(`at most 65536 permutations, got ${spec.permutations}`);
    const rand = mulberry32(spec.seed);
    this.a = new Uint32Array(spec.permutations);
    this.b = new Uint32Array(spec.permutations);
    for (let j = 0; j < spec.permutations; j++) {
      this.a[j] = rand() | 1;
      this.b[j] = rand();
    }
  }

  /**
   * The shingle hashes of document [start, end) (a view, valid until the next call). In auto mode
   * a document with fewer than short.maxWords words is re-read as text in its structured normal
   * form and shingled by characters; `lastUnit` says which.
   */
  shingles(bytes: Uint8Array, start: number, end: number): Uint32Array {
    const count = this.shortShingles(bytes, start, end);
    return count < 0 ? this.shingler.shingle(bytes, start, end) : this.charBuf.subarray(0, count);
  }

  /**
   * A short record's n-gram hashes (auto mode) into charBuf, returning how many (no view made: a
   * short record is signed straight from the buffer); -1 for a record the Shingler shingles, with
   * lastUnit UNIT_WORD.
   */
  private shortShingles(bytes: Uint8Array, start: number, end: number): number {
    // Outside auto mode every record is banded by the spec (class UNIT_WORD, whatever its unit).
    this.lastUnit = UNIT_WORD;
    this.lastJoined = undefined;
    this.lastMedium = false;
    const short = this.spec.short;
    if (this.spec.shingles.unit !== 'auto' || !short) return -1;
    // Auto mode counts the words first: a short record's word shingles would be thrown away.
    const limit = Math.max(short.maxWords, short.mediumWords ?? 0);
    const words = countWords(bytes, start, end, limit);
    if (words >= limit) return -1;
    // From maxWords on, only a structured record is medium: prose (a short answer, a paragraph)
    // stays a long record, judged by its word n-grams alone. recordSimilarity prices a left-out
    // field at 0.15 a token, which is right for a citation and wrong for a sentence left out of a
    // templated answer about another disease.
    if (words >= short.maxWords && functionWordShare(bytes, start, end) >= PROSE_SHARE) return -1;
    this.lastUnit = UNIT_CHAR;
    this.lastMedium = words >= short.maxWords;
    const n = this.spec.shingles.n;
    // ASCII records (most): tokens joined straight from the bytes, n-grams hashed from those.
    const need = 3 * (end - start) + 4;
    if (this.joinedBuf.length < need) this.joinedBuf = Buffer.alloc(need * 2);
    const len = asciiJoinedTokens(bytes, start, end, this.joinedBuf);
    if (len >= 0) {
      this.lastJoined = this.joinedBuf.toString('latin1', 0, len);
      if (this.charBuf.length < len + 1) this.charBuf = new Uint32Array((len + 1) * 2);
      return lastJoinedGramHashes(n, this.charBuf);
    }
    const tokens = structuredTokens(this.decoder.decode(bytes.subarray(start, end)), true);
    this.lastJoined = tokens.join(' ');
    // The normal form has at most one code point per UTF-16 unit of the tokens, plus spaces.
    let room = 1;
    for (const t of tokens) room += t.length + 1;
    if (this.charBuf.length < room) this.charBuf = new Uint32Array(room * 2);
    return structuredGramHashes(tokens, n, this.charBuf);
  }

  /** Writes document [start, end) 's signature into sig[at .. at + P); returns false when it has no shingle. */
  signInto(bytes: Uint8Array, start: number, end: number, sig: Uint32Array, at: number): boolean {
    const shingles = this.shingles(bytes, start, end);
    return this.lastUnit === UNIT_CHAR ? this.signOnePermutation(shingles, sig, at) : this.signShingles(shingles, sig, at);
  }

  /**
   * Short records' signature (auto mode): one-permutation hashing with optimal densification
   * (Shrivastava, ICML 2017) instead of P permutations. Each shingle is hashed once more and falls
   * into one of P bins by its high bits, where the smallest value stays; a bin no shingle fell into
   * copies the bin that a seeded probe sequence (its index, then attempt 1, 2, ...) reaches first
   * among the filled ones. Two records agree at a position with probability their Jaccard
   * similarity, as with P permutations, at one hash per shingle instead of P: a 150-byte record
   * has ~150 character shingles and 112 bins. Deterministic: the probes depend only on the seed.
   */
  signOnePermutation(shingles: Uint32Array, sig: Uint32Array, at: number, n = shingles.length): boolean {
    const P = this.spec.permutations;
    if (n === 0) {
      sig.fill(0xffffffff, at, at + P);
      return false;
    }
    const seed = this.a[0] | 0;
    // Values in int32 with the sign bit flipped, as in signShingles; 0x7fffffff marks an empty bin.
    // (Loops rather than fill(): a builtin call costs more than 112 stores.)
    const bins = this.bins;
    for (let j = 0; j < P; j++) bins[j] = 0x7fffffff;
    for (let s = 0; s < n; s++) {
      const h = fmix32(shingles[s] ^ seed);
      // The bin from the high 16 bits (P <= 65536), the value from the whole hash.
      const bin = ((h >>> 16) * P) >>> 16;
      const v = (h ^ 0x80000000) | 0;
      const old = bins[bin];
      bins[bin] = v < old ? v : old;
    }
    // Filled bins are copied as they are, and the empty ones listed (about half of them for a short
    // record: whether a bin is empty is a coin toss, so both are done without a branch on it).
    const empties = this.empties;
    let emptyCount = 0;
    for (let j = 0; j < P; j++) {
      const v = bins[j];
      const x = v ^ 0x7fffffff;
      empties[emptyCount] = j;
      // (x | -x) >> 31: -1 when x is not 0, 0 when it is (the bin is empty).
      emptyCount += 1 + ((x | -x) >> 31);
      sig[at + j] = v ^ 0x80000000;
    }
    const probes = this.probes;
    for (let q = 0; q < emptyCount; q++) {
      const j = empties[q];
      // Optimal densification: probe h(j, attempt) until a filled bin; at least one is filled.
      // The first PROBES attempts of every bin are tabled (they depend on the seed alone); the
      // first four are taken without a branch (the first filled: each step keeps v when filled,
      // else reads the next probe), the rest (one bin in twenty) in a loop.
      const base = j * PROBES;
      let v = bins[probes[base]];
      let x = v ^ 0x7fffffff;
      let keep = (x | -x) >> 31;
      v = (v & keep) | (bins[probes[base + 1]] & ~keep);
      x = v ^ 0x7fffffff;
      keep = (x | -x) >> 31;
      v = (v & keep) | (bins[probes[base + 2]] & ~keep);
      x = v ^ 0x7fffffff;
      keep = (x | -x) >> 31;
      v = (v & keep) | (bins[probes[base + 3]] & ~keep);
      for (let attempt = 5; v === 0x7fffffff; attempt++) {
        const k = attempt <= PROBES ? probes[base + attempt - 1] : ((fmix32(murmurMix(seed ^ j, attempt)) >>> 16) * P) >>> 16;
        v = bins[k];
      }
      sig[at + j] = v ^ 0x80000000;
    }
    return true;
  }

  /** The densification's first PROBES bins for each bin: probes[j * PROBES + attempt - 1]. */
  private get probes(): Int32Array {
    if (this.probeTable) return this.probeTable;
    const P = this.spec.permutations;
    const seed = this.a[0] | 0;
    const t = new Int32Array(P * PROBES);
    for (let j = 0; j < P; j++)
      for (let attempt = 1; attempt <= PROBES; attempt++)
        t[j * PROBES + attempt - 1] = ((fmix32(murmurMix(seed ^ j, attempt)) >>> 16) * P) >>> 16;
    return (this.probeTable = t);
  }

  /** The signature of a set of shingle hashes, into sig[at .. at + P); false when the set is empty. */
  signShingles(shingles: Uint32Array, sig: Uint32Array, at: number): boolean {
    const P = this.spec.permutations;
    const a = this.a;
    const b = this.b;
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

  /**
   * Signatures of every row, P values per row; `hasShingles[i]` is 0 for rows with no text,
   * `units[i]` the unit row i was shingled by. With `keepSets`, each row's distinct shingles
   * too, so that candidate pairs can be verified by their exact Jaccard.
   */
  signAll(
    text: TextBytes,
    onProgress?: (done: number) => void,
    keepSets = false,
  ): { signatures: Uint32Array; hasShingles: Uint8Array; units: Uint8Array; sets?: ShingleSets; tokens: string[] } {
    const P = this.spec.permutations;
    const signatures = new Uint32Array(text.length * P);
    const hasShingles = new Uint8Array(text.length);
    const units = new Uint8Array(text.length);
    const sets = keepSets ? new ShingleSets(text.length) : undefined;
    const tokens: string[] = new Array(text.length).fill('');
    for (let i = 0; i < text.length; i++) {
      const count = this.shortShingles(text.bytes, text.offsets[i], text.offsets[i + 1]);
      units[i] = this.lastUnit;
      let signed: boolean;
      if (count >= 0) {
        tokens[i] = this.lastJoined ?? '';
        signed = this.signOnePermutation(this.charBuf, signatures, i * P, count);
        // Short records are judged by their tokens, never by shingle sets: theirs stay empty
        // (sorting ~100 hashes per record was a fifth of signing them). A medium record keeps its
        // word n-grams too: it is also a duplicate by their Jaccard, as a long record is.
        sets?.add(this.lastMedium ? this.shingler.shingle(text.bytes, text.offsets[i], text.offsets[i + 1]) : NO_SHINGLES);
      } else {
        const shingles = this.shingler.shingle(text.bytes, text.offsets[i], text.offsets[i + 1]);
        signed = this.signShingles(shingles, signatures, i * P);
        sets?.add(shingles);
      }
      if (signed) hasShingles[i] = 1;
      else this.empty++;
      if (onProgress && (i & 4095) === 4095) onProgress(i + 1);
    }
    return { signatures, hasShingles, units, sets, tokens };
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
  unit = UNIT_WORD,
): Float64Array {
  // Short (char-shingled) records band in their own key space: they never share a bucket with a
  // word-shingled record, whose signature hashes other things. Word keys are unchanged from v1.
  const space = unit === UNIT_CHAR ? 1024 : 0;
  for (let t = 0; t < bands; t++) {
    let h = 0x3c6ef372 ^ t;
    const base = at + t * rows;
    for (let k = 0; k < rows; k++) h = murmurMix(h, sig[base + k]);
    out[t] = (space + t) * 4294967296 + fmix32(h ^ rows);
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
  units: Uint8Array;
  /** Distinct shingles per row (flat, with offsets), for exact verification. */
  setValues: Uint32Array;
  setOffsets: Int32Array;
  /** Short records' structured tokens, space-separated ('' for word-shingled rows): what short pairs are judged by. */
  tokens: string[];
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
  const { signatures, hasShingles, units, sets, tokens } = hasher.signAll(args.text, (done) => ctx.progress(done), true);
  const { values, offsets } = sets!.finish();
  return { signatures, hasShingles, units, setValues: values, setOffsets: offsets, tokens, empty: hasher.empty };
}
