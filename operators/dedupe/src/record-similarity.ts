import { FIELD_MARK, structuredTokens } from './structured-text.js';

/**
 * How much two short records agree token by token, allowing for the edits people make when they
 * enter the same record twice, and not for the ones that make it another record:
 *
 * - a token matches an equal token, a token it abbreviates (a prefix: "med" / "medicinal", the
 *   initial "j" / "john"), or, from 4 letters on, one with a single typo (one letter replaced,
 *   dropped, added, or two swapped); numbers match only when equal (volumes, versions, years
 *   identify a record);
 * - a field left out of the longer side (a dropped field, a left-out author: nothing of it
 *   matched) costs little; tokens left over on both sides are substituted words ("symptoms" for
 *   "causes", "metrics" for "resources", "1" for "2"), and words left out of a field that is
 *   still there ("train data" / "train data with metadata", "@tanstack/store" /
 *   "@tanstack/react-store"), which make another record, cost much.
 *
 * similarity = matched / (matched + 3 x changed + 0.15 x fieldsLeftOut), in [0, 1], counting
 * tokens; token order does not matter. Fields are marked by FIELD_MARK in the token lists.
 * With `atLeast`, it may stop early once that cannot be reached, returning a value below it.
 */
export function recordSimilarity(a: readonly string[], b: readonly string[], atLeast = 0): number {
  return fieldedSimilarity(fielded(a), fielded(b), atLeast);
}

/** recordSimilarity of token lists already split into fields (fielded), for callers comparing one record many times. */
export function fieldedSimilarity(x: FieldedTokens, y: FieldedTokens, atLeast = 0): number {
  const [short, long] = x.tokens.length <= y.tokens.length ? [x, y] : [y, x];
  const st = short.tokens;
  const lt = long.tokens;
  if (st.length === 0) return lt.length === 0 ? 1 : 0;
  const used = new Uint8Array(lt.length);
  const pending: number[] = [];
  let matched = 0;
  // Equal tokens first, so that a fuzzy match never takes a token an exact one needed.
  for (let i = 0; i < st.length; i++) {
    const t = st[i];
    let k = 0;
    while (k < lt.length && (used[k] || lt[k] !== t)) k++;
    if (k < lt.length) {
      used[k] = 1;
      matched++;
    } else pending.push(i);
  }
  const deleted = lt.length - st.length;
  // Optimistic while matching (every extra token of the longer side a dropped field), exact after.
  const score = (m: number, substituted: number, fieldDeleted: number) =>
    m / (m + SUBSTITUTION_COST * (substituted + deleted - fieldDeleted) + DELETION_COST * fieldDeleted);
  let failed = 0;
  const usedShort = new Uint8Array(st.length).fill(1);
  for (const i of pending) usedShort[i] = 0;
  // Initials written together before single-letter ones take the names ("JA" / "John A.").
  initialRuns(st, usedShort, lt, used);
  initialRuns(lt, used, st, usedShort);
  const rest = pending.filter((i) => !usedShort[i]);
  matched += pending.length - rest.length;
  pending.length = 0;
  pending.push(...rest);
  for (let p = 0; p < pending.length; p++) {
    const t = st[pending[p]];
    let k = 0;
    while (k < lt.length && (used[k] || !fuzzyEqual(t, lt[k]))) k++;
    if (k < lt.length) {
      used[k] = 1;
      usedShort[pending[p]] = 1;
      matched++;
    } else {
      failed++;
      // The best the rest can do is all match, and the failed ones be rejoined split words: below
      // `atLeast` already, stop (most look-alike pairs stop here).
      const best = score(matched + failed + pending.length - p - 1, 0, deleted);
      if (best < atLeast) return best;
    }
  }
  // A slip of the space bar splits or joins words ("affecte dby", "ar eaffected"): two unmatched
  // neighbours on one side that join into an unmatched token (or pair) of the other side match.
  // A few per record at most: more unmatched tokens than that are another record anyway.
  if (failed && failed <= 4) {
    joinSplits(st, usedShort, lt, used);
  }
  // Unmatched tokens of the shorter side are changed words. Unmatched tokens of the longer side
  // pair with them first; the rest, if nothing of their field matched, are a field left out
  // (cheap), else words left out of a field that is still there (as dear as a change).
  let changed = 0;
  for (let i = 0; i < st.length; i++) if (!usedShort[i]) changed++;
  const fieldMatched = new Uint8Array(long.fields);
  for (let k = 0; k < lt.length; k++) if (used[k]) fieldMatched[long.field[k]] = 1;
  let inKeptFields = 0;
  let inLostFields = 0;
  for (let k = 0; k < lt.length; k++) if (!used[k]) fieldMatched[long.field[k]] ? inKeptFields++ : inLostFields++;
  const pairedKept = Math.min(changed, inKeptFields);
  const pairedLost = Math.min(changed - pairedKept, inLostFields);
  const m = st.length - changed;
  const cost = SUBSTITUTION_COST * (changed + inKeptFields - pairedKept) + DELETION_COST * (inLostFields - pairedLost);
  return m / (m + cost);
}

/**
 * Initials written together ("JA" for "John A."): an unmatched token of 2-3 letters on side a
 * matches a run of as many unmatched tokens of side b that start with those letters.
 */
function initialRuns(a: string[], usedA: Uint8Array, b: string[], usedB: Uint8Array): void {
  for (let i = 0; i < a.length; i++) {
    const t = a[i];
    if (usedA[i] || t.length < 2 || t.length > 3 || !/^\p{L}+$/u.test(t)) continue;
    for (let j = 0; j + t.length <= b.length; j++) {
      let ok = true;
      for (let k = 0; k < t.length && ok; k++) ok = !usedB[j + k] && b[j + k][0] === t[k];
      if (!ok) continue;
      usedA[i] = 1;
      for (let k = 0; k < t.length; k++) usedB[j + k] = 1;
      break;
    }
  }
}

/**
 * Matches split or joined words between the unmatched tokens of two sides, by exact equality of
 * the joined forms ("affecte" + "dby" = "affectedby").
 */
function joinSplits(a: string[], usedA: Uint8Array, b: string[], usedB: Uint8Array): void {
  const forms = (xs: string[], used: Uint8Array) => {
    const out = new Map<string, { at: number; two: boolean }>();
    for (let i = 0; i < xs.length; i++) {
      if (used[i]) continue;
      if (!out.has(xs[i])) out.set(xs[i], { at: i, two: false });
      if (i + 1 < xs.length && !used[i + 1] && !out.has(xs[i] + xs[i + 1])) out.set(xs[i] + xs[i + 1], { at: i, two: true });
    }
    return out;
  };
  const fb = forms(b, usedB);
  for (const [joined, x] of forms(a, usedA)) {
    const y = fb.get(joined);
    // Single against single was tried already; each token is used once.
    if (!y || (!x.two && !y.two) || usedA[x.at] || (x.two && usedA[x.at + 1]) || usedB[y.at] || (y.two && usedB[y.at + 1])) continue;
    usedA[x.at] = 1;
    if (x.two) usedA[x.at + 1] = 1;
    usedB[y.at] = 1;
    if (y.two) usedB[y.at + 1] = 1;
  }
}

export interface FieldedTokens {
  tokens: string[];
  field: Int32Array;
  fields: number;
}

/** Tokens without FIELD_MARKs, with the field each belongs to. */
export function fielded(tokens: readonly string[]): FieldedTokens {
  const out: string[] = [];
  const field: number[] = [];
  let f = 0;
  for (const t of tokens) {
    if (t === FIELD_MARK) {
      f++;
      continue;
    }
    out.push(t);
    field.push(f);
  }
  return { tokens: out, field: Int32Array.from(field), fields: f + 1 };
}

// A changed token costs three matched ones: one changed word in a 15-token record gives
// 14/17 = 0.82, under the 0.85 default. A token of a field left out costs 0.15: a copy that kept
// only half of the record's tokens, losing whole fields, still gives 1/1.15 = 0.87. Both chosen
// on the project's short-record set (bench/results/dedupe.json, shortRecords).
const SUBSTITUTION_COST = 3;
const DELETION_COST = 0.15;

const DIGITS = /^\d+$/;

function fuzzyEqual(x: string, y: string): boolean {
  const dx = DIGITS.test(x);
  const dy = DIGITS.test(y);
  // Numbers identify a record and match only when equal, except the shortened end of a page
  // range or year ("301-9" for "301-309", "'19" for "2019"): the last digits of a number of three
  // digits or more.
  if (dx || dy) {
    if (!(dx && dy)) return false;
    const [s, l] = x.length <= y.length ? [x, y] : [y, x];
    return l.length >= 3 && s.length < l.length && l.endsWith(s);
  }
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

/** The tokens recordSimilarity compares, from raw text (fields marked). */
export function recordTokens(text: string): string[] {
  return structuredTokens(text, true);
}
