import { structuredTokens } from './structured-text.js';

/**
 * How much two short records agree token by token, allowing for the edits people make when they
 * enter the same record twice, and not for the ones that make it another record:
 *
 * - a token matches an equal token, a token it abbreviates (a prefix: "med" / "medicinal", the
 *   initial "j" / "john"), or, from 4 letters on, one with a single typo (one letter replaced,
 *   dropped, added, or two swapped); numbers match only when equal (volumes, versions, years
 *   identify a record);
 * - tokens left over on the longer side only (a dropped field, a left-out author) cost little;
 *   tokens left over on both sides are substituted words ("symptoms" for "causes", "metrics"
 *   for "resources", "1" for "2"), which make another record, and cost much.
 *
 * similarity = matched / (matched + 3 x substituted + 0.25 x deleted), in [0, 1], where
 * substituted = shorter - matched and deleted = longer - shorter; token order does not matter.
 * With `atLeast`, it may stop early once that cannot be reached, returning a value below it.
 */
export function recordSimilarity(a: readonly string[], b: readonly string[], atLeast = 0): number {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length === 0) return long.length === 0 ? 1 : 0;
  const used = new Uint8Array(long.length);
  const pending: number[] = [];
  let matched = 0;
  // Equal tokens first, so that a fuzzy match never takes a token an exact one needed.
  for (let i = 0; i < short.length; i++) {
    const t = short[i];
    let k = 0;
    while (k < long.length && (used[k] || long[k] !== t)) k++;
    if (k < long.length) {
      used[k] = 1;
      matched++;
    } else pending.push(i);
  }
  // Unmatched on both sides: substitutions; unmatched on the longer side beyond them: deletions.
  const deleted = long.length - short.length;
  const score = (m: number, substituted: number) => m / (m + SUBSTITUTION_COST * substituted + DELETION_COST * deleted);
  let failed = 0;
  for (let p = 0; p < pending.length; p++) {
    const t = short[pending[p]];
    let k = 0;
    while (k < long.length && (used[k] || !fuzzyEqual(t, long[k]))) k++;
    if (k < long.length) {
      used[k] = 1;
      matched++;
    } else {
      failed++;
      // The best the rest can do is all match: below `atLeast` already, stop (most look-alike pairs).
      const best = score(matched + pending.length - p - 1, failed);
      if (best < atLeast) return best;
    }
  }
  return score(matched, failed);
}

// A substituted token costs three matched ones: one substitution in a 15-token record gives
// 14/17 = 0.82, under the 0.85 default. A deleted token costs a quarter: a dropped tail field of
// a third of the record still gives 0.92.
const SUBSTITUTION_COST = 3;
const DELETION_COST = 0.25;

const DIGITS = /^\d+$/;

function fuzzyEqual(x: string, y: string): boolean {
  if (DIGITS.test(x) || DIGITS.test(y)) return false;
  const [s, l] = x.length <= y.length ? [x, y] : [y, x];
  // An initial abbreviates a name of 3 letters or more ("j" / "john", not "i" / "iv"); other
  // abbreviations keep 3 letters or more ("med" / "medicinal").
  if ((s.length === 1 ? l.length >= 3 : s.length >= 3) && l.startsWith(s)) return true;
  // A slip or two leaves one of the first two letters in place (or swaps them): a cheap exit.
  if (s[0] !== l[0] && s[1] !== l[1] && s[0] !== l[1] && s[1] !== l[0]) return false;
  // Typos: one slip from 3 letters on, two from 8 (a swapped pair and a doubled letter in a long name).
  return s.length >= 3 && withinEdits(s, l, l.length >= 8 ? 2 : 1);
}

// Three DP rows reused across calls: the typo check runs for every pending token pair.
let rows = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/** Whether the optimal-string-alignment distance of s and l is at most k (k small, strings short). */
function withinEdits(s: string, l: string, k: number): boolean {
  if (l.length - s.length > k) return false;
  const w = l.length + 1;
  if (rows[0].length < w) rows = [new Int32Array(w * 2), new Int32Array(w * 2), new Int32Array(w * 2)];
  let [prev2, prev, cur] = rows;
  for (let j = 0; j < w; j++) prev[j] = j;
  for (let i = 1; i <= s.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const si = s.charCodeAt(i - 1);
    for (let j = 1; j < w; j++) {
      const lj = l.charCodeAt(j - 1);
      let v = prev[j - 1] + (si === lj ? 0 : 1);
      if (prev[j] + 1 < v) v = prev[j] + 1;
      if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
      if (i > 1 && j > 1 && si === l.charCodeAt(j - 2) && s.charCodeAt(i - 2) === lj && prev2[j - 2] + 1 < v) v = prev2[j - 2] + 1;
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > k) return false;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[w - 1] <= k;
}

/** The tokens recordSimilarity compares, from raw text. */
export function recordTokens(text: string): string[] {
  return structuredTokens(text);
}
