import type { Words } from './passage-shingles.js';

/** A stretch of the new record found in a source: [start, end) in each text, in characters. */
export interface CopiedSpan {
  start: number;
  end: number;
  sourceStart: number;
  sourceEnd: number;
}

export interface Containment {
  /** Share of the record's word characters inside shingles the source also has. */
  containment: number;
  /** Share of the source's word characters that those shingles cover in the source. */
  sourceCoverage: number;
  spans: CopiedSpan[];
}

/**
 * Containment of a record in one source: every word k-gram of the record that the source also
 * has covers its k words (in both texts), and with gap > 0 each such match is walked on both
 * ways along the source, word stem by word stem, over edits of up to `gap` words in either text
 * (a word replaced, dropped or inserted, two swapped; a changed -s/-ed/-ing is no edit), in the
 * spirit of greedy string tiling. A sparse edit uncovers only the edited word since the k-grams
 * either side still match; a revision every few words leaves few k-grams whole but the walk
 * from those carries over the edits; a paraphrase leaves too few matches to resume on. Only
 * matched words are covered (a replaced word is not). Spans are the runs of covered record
 * words, each with the stretch of the source its matches came from.
 */
export function containmentIn(
  record: Words,
  recordShingles: Uint32Array,
  source: Words,
  sourceShingles: Uint32Array,
  k: number,
  gap = 0,
): Containment {
  return containmentAt(record, recordShingles, source, shingleTable(sourceShingles), k, gap);
}

/** A source's shingles, for lookup: open addressing over the (already mixed) hash, first position of each. */
export interface ShingleTable {
  keys: Uint32Array;
  /** Position + 1 (0: empty slot). */
  at: Int32Array;
  mask: number;
}

export function shingleTable(shingles: Uint32Array): ShingleTable {
  let cap = 16;
  while (cap < shingles.length * 2) cap *= 2;
  const keys = new Uint32Array(cap);
  const at = new Int32Array(cap);
  const mask = cap - 1;
  for (let s = 0; s < shingles.length; s++) {
    const h = shingles[s];
    let i = h & mask;
    while (at[i] && keys[i] !== h) i = (i + 1) & mask;
    if (!at[i]) {
      keys[i] = h;
      at[i] = s + 1;
    }
  }
  return { keys, at, mask };
}

function lookup(t: ShingleTable, h: number): number {
  let i = h & t.mask;
  while (t.at[i]) {
    if (t.keys[i] === h) return t.at[i] - 1;
    i = (i + 1) & t.mask;
  }
  return -1;
}

/** Scratch space, reused from one call to the next (a call leaves nothing in it that outlives it). */
const work = { covered: new Uint8Array(1024), srcOf: new Int32Array(1024), srcCovered: new Uint8Array(1024) };

/** containmentIn with the source's shingles already in a table (a source verified against many records builds it once). */
export function containmentAt(
  record: Words,
  recordShingles: Uint32Array,
  source: Words,
  table: ShingleTable,
  k: number,
  gap = 0,
  /** Below this containment, spans and source coverage are left out (empty, 0): the caller drops the match. */
  minContainment = 0,
): Containment {
  const n = record.hashes.length;
  const width = Math.min(k, n);
  if (work.covered.length < n) work.covered = new Uint8Array(Math.max(n, 2 * work.covered.length));
  if (work.srcOf.length < n) work.srcOf = new Int32Array(Math.max(n, 2 * work.srcOf.length));
  if (work.srcCovered.length < source.hashes.length)
    work.srcCovered = new Uint8Array(Math.max(source.hashes.length, 2 * work.srcCovered.length));
  const covered = work.covered.subarray(0, n).fill(0);
  // Per record word, the source word it was matched to (-1: none).
  const srcOf = work.srcOf.subarray(0, n).fill(-1);
  const srcCovered = work.srcCovered.subarray(0, source.hashes.length).fill(0);
  for (let s = 0; s < recordShingles.length; s++) {
    const at = lookup(table, recordShingles[s]);
    if (at < 0) continue;
    for (let j = 0; j < width; j++) {
      covered[s + j] = 1;
      if (srcOf[s + j] < 0) srcOf[s + j] = at + j;
      srcCovered[at + j] = 1;
    }
    if (gap <= 0) continue;
    extend(record, source, s - 1, at - 1, -1, gap, covered, srcOf, srcCovered);
    extend(record, source, s + width, at + width, 1, gap, covered, srcOf, srcCovered);
  }
  const total = chars(record);
  const containment = total ? chars(record, covered) / total : 0;
  if (containment < minContainment) return { containment, sourceCoverage: 0, spans: [] };
  const spans: CopiedSpan[] = [];
  for (let i = 0; i < n;) {
    if (!covered[i]) {
      i++;
      continue;
    }
    let j = i;
    let lo = Infinity;
    let hi = -1;
    while (j < n && covered[j]) {
      if (srcOf[j] >= 0) {
        lo = Math.min(lo, srcOf[j]);
        hi = Math.max(hi, srcOf[j]);
      }
      j++;
    }
    spans.push({ start: record.starts[i], end: record.ends[j - 1], sourceStart: source.starts[lo], sourceEnd: source.ends[hi] });
    i = j;
  }
  const sourceTotal = chars(source);
  return {
    containment,
    sourceCoverage: sourceTotal ? chars(source, srcCovered) / sourceTotal : 0,
    spans,
  };
}

function chars(w: Words, mask?: Uint8Array): number {
  let total = 0;
  for (let i = 0; i < w.hashes.length; i++) if (!mask || mask[i]) total += w.ends[i] - w.starts[i];
  return total;
}

/** Skips tried to resume an alignment after a mismatch, pairs of (record words, source words), substitutions first. */
const RESYNC = [1, 1, 0, 1, 1, 0, 2, 2, 0, 2, 2, 0, 1, 2, 2, 1];

/**
 * Walks on from a matched k-gram (in direction d) along the source, comparing word stems, over
 * small edits: after a mismatch it resumes at the first (record, source) pair within `gap` words
 * of each that match, provided that word has 4 characters or more or the next pair matches as
 * well (so that a stray "the" or "of" does not carry an alignment into unrelated text). Marks
 * matched words covered in both texts.
 */
function extend(
  record: Words,
  source: Words,
  i: number,
  j: number,
  d: 1 | -1,
  gap: number,
  covered: Uint8Array,
  srcOf: Int32Array,
  srcCovered: Uint8Array,
): void {
  const rs = record.stems;
  const ss = source.stems;
  const n = rs.length;
  const m = ss.length;
  const starts = record.starts;
  const ends = record.ends;
  for (;;) {
    if (i < 0 || j < 0 || i >= n || j >= m) break;
    // Already aligned there (by a k-gram or an earlier walk): the rest was walked too.
    if (covered[i] && srcOf[i] === j) break;
    if (rs[i] === ss[j]) {
      covered[i] = 1;
      if (srcOf[i] < 0) srcOf[i] = j;
      srcCovered[j] = 1;
      i += d;
      j += d;
      continue;
    }
    let moved = false;
    for (let r = 0; r < RESYNC.length; r += 2) {
      const a = RESYNC[r];
      const b = RESYNC[r + 1];
      if (a > gap || b > gap) continue;
      const ii = i + d * a;
      const jj = j + d * b;
      if (ii < 0 || jj < 0 || ii >= n || jj >= m || rs[ii] !== ss[jj]) continue;
      const i2 = ii + d;
      const j2 = jj + d;
      if (ends[ii] - starts[ii] < 4 && !(i2 >= 0 && j2 >= 0 && i2 < n && j2 < m && rs[i2] === ss[j2] && ends[i2] - starts[i2] >= 4))
        continue;
      i = ii;
      j = jj;
      moved = true;
      break;
    }
    if (!moved) break;
  }
}
