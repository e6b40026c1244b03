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
 * Exact containment of a record in one source: every word k-gram of the record that the source
 * also has covers its k words (in both texts). A light edit (a word replaced every sentence or
 * so) uncovers only the edited word, since the k-grams either side of it still match; a
 * paraphrase leaves few k-grams whole. Spans are the runs of covered record words, each with
 * the stretch of the source its k-grams came from.
 */
export function containmentIn(
  record: Words,
  recordShingles: Uint32Array,
  source: Words,
  sourceShingles: Uint32Array,
  k: number,
): Containment {
  const firstAt = new Map<number, number>();
  sourceShingles.forEach((h, s) => {
    if (!firstAt.has(h)) firstAt.set(h, s);
  });
  const n = record.hashes.length;
  const width = Math.min(k, n);
  const covered = new Uint8Array(n);
  // Per record word, the source word it was matched to (-1: none).
  const srcOf = new Int32Array(n).fill(-1);
  const srcCovered = new Uint8Array(source.hashes.length);
  recordShingles.forEach((h, s) => {
    const at = firstAt.get(h);
    if (at === undefined) return;
    for (let j = 0; j < width; j++) {
      covered[s + j] = 1;
      if (srcOf[s + j] < 0) srcOf[s + j] = at + j;
      srcCovered[at + j] = 1;
    }
  });
  const chars = (w: Words, mask?: Uint8Array) => {
    let total = 0;
    for (let i = 0; i < w.hashes.length; i++) if (!mask || mask[i]) total += w.ends[i] - w.starts[i];
    return total;
  };
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
  const total = chars(record);
  const sourceTotal = chars(source);
  return {
    containment: total ? chars(record, covered) / total : 0,
    sourceCoverage: sourceTotal ? chars(source, srcCovered) / sourceTotal : 0,
    spans,
  };
}
