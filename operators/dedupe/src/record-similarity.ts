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

// Which tokens of each side are matched, reused across calls (the check runs for every candidate pair).
let scratch = new Uint8Array(256);

/** recordSimilarity of token lists already split into fields (fielded), for callers comparing one record many times. */
export function fieldedSimilarity(x: FieldedTokens, y: FieldedTokens, atLeast = 0): number {
  const [short, long] = x.tokens.length <= y.tokens.length ? [x, y] : [y, x];
  const st = short.tokens;
  const lt = long.tokens;
  if (st.length === 0) return lt.length === 0 ? 1 : 0;
  if (scratch.length < lt.length + st.length) scratch = new Uint8Array(2 * (lt.length + st.length));
  const used = scratch.subarray(0, lt.length).fill(0);
  const usedShort = scratch.subarray(lt.length, lt.length + st.length).fill(0);
  let pendingCount = 0;
  // Equal tokens first, so that a fuzzy match never takes a token an exact one needed.
  const si = short.ids;
  const li = long.ids;
  // A token that occurs more than once ("2" of a version and of "Apache-2.0") takes an unused
  // occurrence with the same token before it, else the first unused one.
  for (let i = 0; i < st.length; i++) {
    let first = -1;
    let chosen = -1;
    for (let k = 0; k < lt.length; k++) {
      if (used[k] || (si && li ? li[k] !== si[i] : lt[k] !== st[i])) continue;
      if (first < 0) first = k;
      if (i > 0 && k > 0 && (si && li ? li[k - 1] === si[i - 1] : lt[k - 1] === st[i - 1])) {
        chosen = k;
        break;
      }
    }
    if (chosen < 0) chosen = first;
    if (chosen >= 0) {
      used[chosen] = 1;
      usedShort[i] = 1;
    }
  }
  for (let i = 0; i < st.length; i++) if (!usedShort[i]) pendingCount++;
  const deleted = lt.length - st.length;
  // Typo-matched tokens are matched, and pay for their edits (editCost, in token units).
  let editCost = 0;
  if (pendingCount) {
    // A slip of the space bar splits or joins words ("affecte dby", "ar eaffected", "syndrom.e"):
    // exact joins of unmatched neighbours, before prefixes and typos could take the pieces.
    joinSplits(st, usedShort, lt, used);
    // Initials written together before single-letter ones take the names ("JA" / "John A.").
    initialRuns(st, usedShort, lt, used);
    initialRuns(lt, used, st, usedShort);
    let failed = 0;
    let matched = 0;
    for (let i = 0; i < st.length; i++) if (usedShort[i]) matched++;
    const pending: number[] = [];
    for (let i = 0; i < st.length; i++) if (!usedShort[i]) pending.push(i);
    for (let p = 0; p < pending.length; p++) {
      const t = st[pending[p]];
      // The closest unused token within the typo budget (fewest edits per letter).
      let best = -1;
      let bestCost = Infinity;
      for (let k = 0; k < lt.length && bestCost > 0; k++) {
        if (used[k]) continue;
        const c = fuzzyCost(t, short.kinds[pending[p]], lt[k], long.kinds[k]);
        if (c < bestCost) {
          bestCost = c;
          best = k;
        }
      }
      if (best >= 0) {
        used[best] = 1;
        usedShort[pending[p]] = 1;
        matched++;
        editCost += bestCost;
      } else {
        failed++;
        // The best the rest can do is all match, and the failed ones be stray letters: below
        // `atLeast` already, stop (most look-alike pairs stop here).
        const rest = matched + pending.length - p - 1;
        const bound = rest / (rest + editCost + STRAY_COST * failed + DELETION_COST * deleted);
        if (bound < atLeast) return bound;
      }
    }
  }
  // Unmatched tokens of the shorter side are changed words. Unmatched tokens of the longer side
  // pair with them first; the rest, if nothing of their field matched, are a field left out
  // (cheap), else words left out of a field that is still there (as dear as a change). A stray
  // letter left over on one side (a slip: "protein  deficiency", "Sentr.y") is one edit.
  let changed = 0;
  for (let i = 0; i < st.length; i++) if (!usedShort[i]) changed++;
  const fieldMatched = new Uint8Array(long.fields);
  for (let k = 0; k < lt.length; k++) if (used[k]) fieldMatched[long.field[k]] = 1;
  // Fields whose numbers matched: a number left over there is a shortened version or date
  // ("v1.4" / "1.4.0", "2019" / "2019-05"), a lost digit of precision rather than another record.
  const numberMatched = new Uint8Array(long.fields);
  for (let k = 0; k < lt.length; k++) if (used[k] && long.kinds[k] === KIND_DIGITS) numberMatched[long.field[k]] = 1;
  let inKeptFields = 0;
  let inLostFields = 0;
  let strayKept = 0;
  let precisionKept = 0;
  for (let k = 0; k < lt.length; k++) {
    if (used[k]) continue;
    if (!fieldMatched[long.field[k]]) inLostFields++;
    else {
      inKeptFields++;
      if (isStray(lt[k])) strayKept++;
      else if (long.kinds[k] === KIND_DIGITS && numberMatched[long.field[k]]) precisionKept++;
    }
  }
  const pairedKept = Math.min(changed, inKeptFields);
  const pairedLost = Math.min(changed - pairedKept, inLostFields);
  let strayShort = 0;
  if (changed > pairedKept + pairedLost) for (let i = 0; i < st.length; i++) if (!usedShort[i] && isStray(st[i])) strayShort++;
  // Unpaired leftovers: stray letters are one edit each, other tokens a word added or removed.
  const unpairedKept = inKeptFields - pairedKept;
  const unpairedShort = changed - pairedKept - pairedLost;
  const strays = Math.min(unpairedKept, strayKept) + Math.min(unpairedShort, strayShort);
  const precision = Math.min(unpairedKept - Math.min(unpairedKept, strayKept), precisionKept);
  const m = st.length - changed;
  const cost =
    editCost +
    SUBSTITUTION_COST * (changed + unpairedKept) -
    (SUBSTITUTION_COST - STRAY_COST) * strays -
    (SUBSTITUTION_COST - PRECISION_COST) * precision +
    DELETION_COST * (inLostFields - pairedLost);
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

/** Whether a[i] + a[i + 1] (or a[i] alone, `two` false) spells the same as b[j] (+ b[j + 1]). */
function joinedEqual(a: string[], i: number, aTwo: boolean, b: string[], j: number, bTwo: boolean): boolean {
  const a0 = a[i];
  const b0 = b[j];
  const aLen = a0.length + (aTwo ? a[i + 1].length : 0);
  const bLen = b0.length + (bTwo ? b[j + 1].length : 0);
  if (aLen !== bLen) return false;
  for (let k = 0; k < aLen; k++) {
    const ca = k < a0.length ? a0.charCodeAt(k) : a[i + 1].charCodeAt(k - a0.length);
    const cb = k < b0.length ? b0.charCodeAt(k) : b[j + 1].charCodeAt(k - b0.length);
    if (ca !== cb) return false;
  }
  return true;
}

/**
 * Matches split or joined words between the unmatched tokens of two sides, by exact equality of
 * the joined forms ("affecte" + "dby" = "affectedby"): two neighbours against one token or two.
 */
function joinSplits(a: string[], usedA: Uint8Array, b: string[], usedB: Uint8Array): void {
  for (let i = 0; i + 1 < a.length; i++) {
    if (usedA[i] || usedA[i + 1]) continue;
    for (let j = 0; j < b.length; j++) {
      if (usedB[j]) continue;
      const bTwo = j + 1 < b.length && !usedB[j + 1] && joinedEqual(a, i, true, b, j, true);
      if (bTwo || joinedEqual(a, i, true, b, j, false)) {
        usedA[i] = usedA[i + 1] = 1;
        usedB[j] = 1;
        if (bTwo) usedB[j + 1] = 1;
        break;
      }
    }
  }
  for (let j = 0; j + 1 < b.length; j++) {
    if (usedB[j] || usedB[j + 1]) continue;
    for (let i = 0; i < a.length; i++) {
      if (usedA[i] || !joinedEqual(b, j, true, a, i, false)) continue;
      usedB[j] = usedB[j + 1] = 1;
      usedA[i] = 1;
      break;
    }
  }
}

export interface FieldedTokens {
  tokens: string[];
  /** Per token: a word, a number or a Roman numeral (numbers match only when equal). */
  kinds: Uint8Array;
  /** Token ids (equal tokens, equal ids) when the tokens were interned with one shared map. */
  ids?: Int32Array;
  field: Int32Array;
  fields: number;
}

/** Tokens without FIELD_MARKs, with the field each belongs to. */
export function fielded(tokens: readonly string[], intern?: Map<string, number>): FieldedTokens {
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
  const ids = intern && Int32Array.from(out, (t) => intern.get(t) ?? (intern.set(t, intern.size), intern.size - 1));
  return { tokens: out, field: Int32Array.from(field), fields: f + 1, kinds: Uint8Array.from(out, kindOf), ...(ids ? { ids } : {}) };
}

// A changed token costs three matched ones: one changed word in a 15-token record gives
// 14/17 = 0.824, under the 0.83 default. A token of a field left out costs 0.15: a copy that kept
// only half of the record's tokens, losing whole fields, still gives 1/1.15 = 0.87. Both chosen
// on the project's short-record set (bench/results/dedupe.json, shortRecords).
const SUBSTITUTION_COST = 3;
const DELETION_COST = 0.15;
// A stray letter is one edit of a word of about 5 letters (the mean token length of the set).
const STRAY_COST = SUBSTITUTION_COST / 5;
// A number part left out where the rest of the number matched is one dropped component of three.
const PRECISION_COST = SUBSTITUTION_COST / 3;

const DIGITS = /^\d+$/;
// Roman numerals number things ("type VI", "part II"): like digits, they match only when equal.
const ROMAN = /^(?=[ivxlc])(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$/;
const LETTER = /^\p{L}$/u;
const KIND_WORD = 0;
const KIND_DIGITS = 1;
const KIND_ROMAN = 2;
// A single letter is an initial before a numeral ("C." of "Douglas C. Wilson").
const kindOf = (t: string) => (DIGITS.test(t) ? KIND_DIGITS : t.length > 1 && ROMAN.test(t) ? KIND_ROMAN : KIND_WORD);

/** A single letter left over on one side: a slip of the space bar or a dropped letter, not a word. */
function isStray(t: string): boolean {
  return t.length === 1 && LETTER.test(t);
}

/**
 * What matching x with y costs, in tokens (0: the same word, Infinity: no match): a prefix
 * abbreviation is free, a typo costs SUBSTITUTION_COST x edits / letters of the longer token, so
 * that a token rewritten through costs what a changed word does. The typo budget grows with the
 * length: one edit from 3 letters (a 2-letter token may gain one letter: "ar" / "are"), two from
 * 6, three from 10. An abbreviation with a typo ("prto." / "protuberans") is an abbreviation plus
 * the edit.
 */
function fuzzyCost(x: string, kx: number, y: string, ky: number): number {
  const dx = kx === KIND_DIGITS;
  const dy = ky === KIND_DIGITS;
  // Numbers identify a record and match only when equal, except the shortened end of a page
  // range or year ("301-9" for "301-309", "'19" for "2019"): the last digits of a number of three
  // digits or more.
  if (dx || dy) {
    if (!(dx && dy)) return Infinity;
    const [s, l] = x.length <= y.length ? [x, y] : [y, x];
    return l.length >= 3 && s.length < l.length && l.endsWith(s) ? 0 : Infinity;
  }
  if (kx === KIND_ROMAN || ky === KIND_ROMAN) return Infinity;
  const [s, l] = x.length <= y.length ? [x, y] : [y, x];
  // An initial abbreviates a name of 3 letters or more ("j" / "john", not "i" / "iv"); other
  // abbreviations keep 3 letters or more ("med" / "medicinal").
  if ((s.length === 1 ? l.length >= 3 : s.length >= 3) && l.startsWith(s)) return 0;
  if (s.length < 2) return Infinity;
  // A slip or two leaves one of the first two letters in place (or swaps them): a cheap exit.
  if (s[0] !== l[0] && s[1] !== l[1] && s[0] !== l[1] && s[1] !== l[0]) return Infinity;
  const budget = s.length === 2 ? (l.length === 3 ? 1 : 0) : l.length >= 10 ? 3 : l.length >= 6 ? 2 : 1;
  if (!budget) return Infinity;
  const d = editsWithin(s, l, budget);
  if (d <= budget) return (SUBSTITUTION_COST * d) / l.length;
  // Abbreviated with a slip: the prefix of the long token as long as the short one, one edit.
  if (s.length >= 4 && l.length > s.length + 1 && editsWithin(s, l.slice(0, s.length), 1) <= 1) return SUBSTITUTION_COST / l.length;
  return Infinity;
}

// Three DP rows reused across calls: the typo check runs for every pending token pair.
let rows = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/** The optimal-string-alignment distance of s and l when at most k, else k + 1 (k small, strings short). */
function editsWithin(s: string, l: string, k: number): number {
  if (l.length - s.length > k) return k + 1;
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
    if (rowMin > k) return k + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return Math.min(prev[w - 1], k + 1);
}

/** The tokens recordSimilarity compares, from raw text (fields marked). */
export function recordTokens(text: string): string[] {
  return structuredTokens(text, true);
}
