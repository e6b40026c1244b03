import { FIELD_MARK, structuredTokens } from './structured-text.js';
import { fmix32 } from './hash.js';

/**
 * How much two short records agree token by token, allowing for the edits people make when they
 * enter the same record twice, and not for the ones that make it another record:
 *
 * - a token matches an equal token, a token it abbreviates (a prefix: "med" / "medicinal", the
 *   initial "j" / "john"), or, from 4 letters on, one with a single typo (one letter replaced,
 *   dropped, added, or two swapped); numbers match only when equal (volumes, versions, years
 *   identify a record); initials written together match them written apart ("OH" / "O. H.",
 *   "US" / "U.S.": a token of 2-4 letters and as many single letters in a row that spell it);
 * - "et al." stands for authors left out: it is no token of the record (the authors it replaces
 *   are then fields left out of the other side);
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
  const intern = new TokenInterner();
  return fieldedSimilarity(fielded(a, intern), fielded(b, intern), atLeast);
}

// Which tokens of each side are matched, and the pending ones, reused across calls (the check
// runs for every candidate pair; views or fresh arrays per call were most of its garbage).
let usedLongScratch = new Uint8Array(256);
let usedShortScratch = new Uint8Array(256);
let pendingScratch = new Int32Array(256);
let fieldScratch = new Uint8Array(64);
let numberScratch = new Uint8Array(64);
let deferredScratch = new Int32Array(256);

// Per pair: the first position of each token id on the long side, and of each first letter on
// either side, valid where the stamp array holds the current pair's stamp.
let stamp = 0;
// (Stamp and head of an id side by side: one cache line a lookup.)
let idSlots = new Int32Array(2048);
const firstStampShort = new Int32Array(65536);
const firstHeadShort = new Int32Array(65536);
const firstStampLong = new Int32Array(65536);
const firstHeadLong = new Int32Array(65536);

function growIds(id: number): void {
  const size = Math.max(2 * idSlots.length, 2 * (id + 1));
  const s = new Int32Array(size);
  s.set(idSlots);
  idSlots = s;
}

// Each side's unmatched positions (ascending) once exact matching is done: joins, initials and
// typos only ever take unmatched tokens, so they walk these rather than every token.
let openShortScratch = new Int32Array(256);
let openLongScratch = new Int32Array(256);

/** The positions [0, n) that `used` leaves open, in order, into `out`; returns how many. */
function openPositions(used: Uint8Array, n: number, out: Int32Array): number {
  let count = 0;
  // (Branch-free: whether a token is open is not predictable.)
  for (let k = 0; k < n; k++) {
    out[count] = k;
    count += used[k] ^ 1;
  }
  return count;
}

/**
 * The first open position of each first unit (stamps/heads): the NEXT_FIRST chains go on from it.
 * (Positions before it with that unit are matched already, and every walk skips matched ones.)
 */
function indexFirst(x: FieldedTokens, open: Int32Array, openCount: number, stamps: Int32Array, heads: Int32Array): void {
  const now = stamp;
  const n = x.n;
  const d = x.data;
  // Backwards, so that the first position is written last (no test per position).
  for (let q = openCount - 1; q >= 0; q--) {
    const k = open[q];
    const c = d[FIRST * n + k];
    stamps[c] = now;
    heads[c] = k;
  }
}

/** recordSimilarity of token lists already split into fields (fielded), for callers comparing one record many times. */
export function fieldedSimilarity(x: FieldedTokens, y: FieldedTokens, atLeast = 0): number {
  const swap = x.n > y.n;
  const short = swap ? y : x;
  const long = swap ? x : y;
  // Token strings by id (the records compared share their interner).
  const strings = short.strings;
  const sn = short.n;
  const ln = long.n;
  if (sn === 0) return ln === 0 ? 1 : 0;
  if (usedLongScratch.length < ln) usedLongScratch = new Uint8Array(2 * ln);
  if (usedShortScratch.length < sn) {
    usedShortScratch = new Uint8Array(2 * sn);
    pendingScratch = new Int32Array(2 * sn);
  }
  const used = usedLongScratch;
  const usedShort = usedShortScratch;
  // (Loops: fill() is a builtin call, dearer than a few stores for a short record.)
  for (let k = 0; k < ln; k++) used[k] = 0;
  for (let i = 0; i < sn; i++) usedShort[i] = 0;
  // Equal tokens first (exactMatch), so that a fuzzy match never takes a token an exact one needed.
  // Ids sit first in each record's data: si[i], li[k].
  const si = short.data;
  const li = long.data;
  let matched = 0;
  stamp = (stamp + 1) | 0;
  if (stamp === 0x7fffffff) {
    idSlots.fill(0);
    firstStampShort.fill(0);
    firstStampLong.fill(0);
    stamp = 1;
  }
  // The long side's occurrences of each token, by the first one and each one's next (ascending).
  const lNextAt = NEXT_SAME * ln;
  // (Module bindings copied to locals: the loops below read them for every token.)
  const now = stamp;
  if (2 * long.maxId + 1 >= idSlots.length) growIds(long.maxId);
  const ids = idSlots;
  // Backwards, so that each id's first position is written last.
  for (let k = ln - 1; k >= 0; k--) {
    const id = li[k];
    ids[2 * id] = now;
    ids[2 * id + 1] = k;
  }
  // Single letters (initials) last: initials written together ("OH", "US") first take the runs of
  // single letters that spell them ("O. H.", "U.S."), which an equal letter elsewhere ("J" of "J Biol
  // Chem", "S" of "S Ct") would otherwise take from the run.
  const sf = FLAGS * sn;
  let singles = 0;
  let gluedMissed = 0;
  if (deferredScratch.length < sn) deferredScratch = new Int32Array(2 * sn);
  const deferred = deferredScratch;
  for (let i = 0; i < sn; i++) {
    if (si[sf + i] & STRAY_FLAG) {
      deferred[singles++] = i;
      continue;
    }
    if (exactMatch(i, si, li, used, lNextAt, ids, now)) {
      usedShort[i] = 1;
      matched++;
    } else if (si[sf + i] & GLUED_FLAG) gluedMissed++;
  }
  // Glued initials left unmatched on one side, two single letters or more on the other: the runs,
  // before the single letters match equal ones.
  const shortRuns = gluedMissed > 0 && long.singles > 1;
  let longRuns = false;
  if (singles > 1) for (let k = 0; k < ln && !longRuns; k++) longRuns = !used[k] && (li[FLAGS * ln + k] & GLUED_FLAG) !== 0;
  const runsDone = shortRuns || longRuns;
  if (openShortScratch.length < sn) openShortScratch = new Int32Array(2 * sn);
  if (openLongScratch.length < ln) openLongScratch = new Int32Array(2 * ln);
  const openShort = openShortScratch;
  const openLong = openLongScratch;
  if (runsDone) {
    const sOpen = openPositions(usedShort, sn, openShort);
    const lOpen = openPositions(used, ln, openLong);
    indexFirst(short, openShort, sOpen, firstStampShort, firstHeadShort);
    indexFirst(long, openLong, lOpen, firstStampLong, firstHeadLong);
    if (shortRuns) letterRuns(short, usedShort, openShort, sOpen, long, used, firstHeadLong, firstStampLong, 4, STRAY_FLAG);
    if (longRuns) letterRuns(long, used, openLong, lOpen, short, usedShort, firstHeadShort, firstStampShort, 4, STRAY_FLAG);
    matched = 0;
    for (let i = 0; i < sn; i++) matched += usedShort[i];
  }
  for (let q = 0; q < singles; q++) {
    const i = deferred[q];
    if (usedShort[i] || !exactMatch(i, si, li, used, lNextAt, ids, now)) continue;
    usedShort[i] = 1;
    matched++;
  }
  // Most candidate pairs share a template and little else: a token that nothing on the other side
  // can match (checked before the joins and initials are worked out) already bounds the result.
  if (atLeast > 0 && matched < sn) {
    const bound = missBound(short, usedShort, long, used, matched, atLeast);
    if (bound < atLeast - BOUND_SLACK) return bound;
  }
  const deleted = ln - sn;
  // Typo-matched tokens are matched, and pay for their edits (editCost, in token units).
  let editCost = 0;
  if (matched < sn) {
    // Each side's tokens by their first letter (the first one, then each one's next): joins and
    // initials need equal first letters, so only those are compared.
    const sOpen = openPositions(usedShort, sn, openShort);
    let lOpen = openPositions(used, ln, openLong);
    if (!runsDone) {
      indexFirst(short, openShort, sOpen, firstStampShort, firstHeadShort);
      indexFirst(long, openLong, lOpen, firstStampLong, firstHeadLong);
    }
    // A slip of the space bar splits or joins words ("affecte dby", "ar eaffected", "syndrom.e"):
    // exact joins of unmatched neighbours, before prefixes and typos could take the pieces.
    joinSplits(
      short,
      usedShort,
      openShort,
      sOpen,
      firstHeadShort,
      firstStampShort,
      long,
      used,
      openLong,
      lOpen,
      firstHeadLong,
      firstStampLong,
    );
    // Initials written together before single-letter ones take the names ("JA" / "John A.").
    letterRuns(short, usedShort, openShort, sOpen, long, used, firstHeadLong, firstStampLong, 3, 0);
    letterRuns(long, used, openLong, lOpen, short, usedShort, firstHeadShort, firstStampShort, 3, 0);
    // What the tokens that find no match will cost at least (see the bound below).
    let failedCost = 0;
    const pending = pendingScratch;
    let pendingCount = 0;
    for (let q = 0; q < sOpen; q++) {
      pending[pendingCount] = openShort[q];
      pendingCount += usedShort[openShort[q]] ^ 1;
    }
    matched = sn - pendingCount;
    // The long side's open positions, now that joins and initials took theirs.
    let w = 0;
    for (let q = 0; q < lOpen; q++) {
      openLong[w] = openLong[q];
      w += used[openLong[q]] ^ 1;
    }
    lOpen = w;
    const usedLong = ln - lOpen;
    const costs = short.costs;
    // Long tokens left over beyond the short side's changed ones cost DELETION_COST at least each
    // (joins and initials may have used more long tokens than short ones: they count against it).
    const leftOver = Math.max(0, deleted - (usedLong - matched));
    for (let p = 0; p < pendingCount; p++) {
      const i = pending[p];
      const t = strings[si[i]];
      const kt = si[FLAGS * sn + i] & KIND_MASK;
      // The closest unused token within the typo budget (fewest edits per letter).
      // A word is read as the initial of another ("i" / "information", of a left-out author "I.")
      // only when no abbreviation of more letters fits ("inf"): ranked just above a free match.
      const single = si[FLAGS * sn + i] & STRAY_FLAG;
      const first = si[FIRST * sn + i];
      const second = si[SECOND * sn + i];
      let best = -1;
      let bestCost = Infinity;
      let bestRank = Infinity;
      for (let q = 0; q < lOpen && bestRank > 0; q++) {
        const k = openLong[q];
        if (used[k]) continue;
        const lk = li[FLAGS * ln + k] & KIND_MASK;
        // (No match: rank Infinity, which never beats bestRank.)
        if (kt === KIND_WORD && lk === KIND_WORD && apart(first, second, li[FIRST * ln + k], li[SECOND * ln + k])) continue;
        const c = fuzzyCost(t, kt, strings[li[k]], lk, costs, si[i], li[k]);
        const rank = c === 0 && !single && li[FLAGS * ln + k] & STRAY_FLAG ? INITIAL_RANK : c;
        if (rank < bestRank) {
          bestRank = rank;
          bestCost = c;
          best = k;
        }
      }
      if (best >= 0) {
        used[best] = 1;
        usedShort[i] = 1;
        matched++;
        editCost += bestCost;
      } else {
        // A token left unmatched is a changed word (SUBSTITUTION_COST) or, a single letter, a
        // stray one (STRAY_COST) in the final count. The best the rest can do is all match: when
        // even that is below `atLeast`, stop (most look-alike pairs stop at their first failure).
        failedCost += si[FLAGS * sn + i] & STRAY_FLAG ? STRAY_COST : SUBSTITUTION_COST;
        const rest = matched + pendingCount - p - 1;
        const bound = rest / (rest + editCost + failedCost + DELETION_COST * leftOver);
        if (bound < atLeast - BOUND_SLACK) return bound;
      }
    }
  }
  // Unmatched tokens of the shorter side are changed words. Unmatched tokens of the longer side
  // pair with them first; the rest, if nothing of their field matched, are a field left out
  // (cheap), else words left out of a field that is still there (as dear as a change). A stray
  // letter left over on one side (a slip: "protein  deficiency", "Sentr.y") is one edit.
  let changed = 0;
  for (let i = 0; i < sn; i++) if (!usedShort[i]) changed++;
  if (fieldScratch.length < long.fields) {
    fieldScratch = new Uint8Array(2 * long.fields);
    numberScratch = new Uint8Array(2 * long.fields);
  }
  const fieldMatched = fieldScratch;
  for (let f = 0; f < long.fields; f++) fieldMatched[f] = 0;
  // Fields whose numbers matched: a number left over there is a shortened version or date
  // ("v1.4" / "1.4.0", "2019" / "2019-05"), a lost digit of precision rather than another record.
  const numberMatched = numberScratch;
  for (let f = 0; f < long.fields; f++) numberMatched[f] = 0;
  const lf = FIELD * ln;
  const lk = FLAGS * ln;
  for (let k = 0; k < ln; k++) {
    if (!used[k]) continue;
    fieldMatched[li[lf + k]] = 1;
    if ((li[lk + k] & KIND_MASK) === KIND_DIGITS) numberMatched[li[lf + k]] = 1;
  }
  let inKeptFields = 0;
  let inLostFields = 0;
  let strayKept = 0;
  let precisionKept = 0;
  for (let k = 0; k < ln; k++) {
    if (used[k]) continue;
    if (!fieldMatched[li[lf + k]]) inLostFields++;
    else {
      inKeptFields++;
      if (li[lk + k] & STRAY_FLAG) strayKept++;
      else if ((li[lk + k] & KIND_MASK) === KIND_DIGITS && numberMatched[li[lf + k]]) precisionKept++;
    }
  }
  const pairedKept = Math.min(changed, inKeptFields);
  const pairedLost = Math.min(changed - pairedKept, inLostFields);
  let strayShort = 0;
  if (changed > pairedKept + pairedLost) for (let i = 0; i < sn; i++) if (!usedShort[i] && si[FLAGS * sn + i] & STRAY_FLAG) strayShort++;
  // Unpaired leftovers: stray letters are one edit each, other tokens a word added or removed.
  const unpairedKept = inKeptFields - pairedKept;
  const unpairedShort = changed - pairedKept - pairedLost;
  const strays = Math.min(unpairedKept, strayKept) + Math.min(unpairedShort, strayShort);
  const precision = Math.min(unpairedKept - Math.min(unpairedKept, strayKept), precisionKept);
  const m = sn - changed;
  const cost =
    editCost +
    SUBSTITUTION_COST * (changed + unpairedKept) -
    (SUBSTITUTION_COST - STRAY_COST) * strays -
    (SUBSTITUTION_COST - PRECISION_COST) * precision +
    DELETION_COST * (inLostFields - pairedLost);
  return m / (m + cost);
}

/**
 * An upper bound on fieldedSimilarity from the short side's unmatched tokens (after exact matching)
 * that no later step can match, or 1 when too few are found to bring it under `atLeast`. A token
 * counts when it is neither a single letter nor glued letters (initials), is not the first letter
 * of any unmatched glued token of the long side (initials spelt by a run of words), can join
 * neither an unmatched neighbour nor two unmatched long neighbours into an unmatched token of equal
 * length (joinSplits needs equal joined forms, so equal lengths and first letters), and has no
 * finite fuzzyCost against any unmatched long token (the typo step). Joins and initials only ever
 * take unmatched tokens, so what is unmatched now is all they could take. Each such token is a
 * changed word at the end: at least SUBSTITUTION_COST that no stray or precision discount offsets
 * (those discount single letters and long-side leftovers), so with F of them the result is at
 * most (sn - F) / (sn - F + SUBSTITUTION_COST x F).
 */
/**
 * An early exit is taken only when its bound is clearly under the bar: a bound is computed by
 * another formula than the exact value, so one equal to it can round a unit below, and a pair
 * exactly at the bar was then judged under it (24 of the edited-copy pairs in the tests).
 */
const BOUND_SLACK = 1e-9;

function missBound(
  short: FieldedTokens,
  usedShort: Uint8Array,
  long: FieldedTokens,
  used: Uint8Array,
  matched: number,
  atLeast: number,
): number {
  const sn = short.n;
  const ln = long.n;
  const sd = short.data;
  const ld = long.data;
  const strings = short.strings;
  const costs = short.costs;
  // Certain misses needed to bring the bound under atLeast; give up when fewer remain possible.
  let need = 1;
  while (need <= sn && (sn - need) / (sn - need + SUBSTITUTION_COST * need) >= atLeast - BOUND_SLACK) need++;
  if (need > sn - matched) return 1;
  let misses = 0;
  let left = sn - matched;
  for (let i = 0; i < sn; i++) {
    if (usedShort[i]) continue;
    left--;
    if (!missed(i, short, usedShort, long, used, sd, ld, sn, ln, strings, costs)) {
      if (misses + left < need) return 1;
      continue;
    }
    if (++misses >= need) return (sn - misses) / (sn - misses + SUBSTITUTION_COST * misses);
  }
  return 1;
}

/** Whether unmatched short token i can be matched by no step after exact matching (missBound). */
function missed(
  i: number,
  short: FieldedTokens,
  usedShort: Uint8Array,
  long: FieldedTokens,
  used: Uint8Array,
  sd: Int32Array,
  ld: Int32Array,
  sn: number,
  ln: number,
  strings: string[],
  costs: PairCosts,
): boolean {
  const flags = sd[FLAGS * sn + i];
  if (flags & (STRAY_FLAG | GLUED_FLAG)) return false;
  const first = sd[FIRST * sn + i];
  const second = sd[SECOND * sn + i];
  const len = sd[LEN * sn + i];
  // Joined lengths this token could take part in: with its unmatched neighbours (as either piece).
  const withNext = i + 1 < sn && !usedShort[i + 1] ? len + sd[LEN * sn + i + 1] : -1;
  const withPrev = i > 0 && !usedShort[i - 1] ? len + sd[LEN * sn + i - 1] : -1;
  const prevFirst = i > 0 ? sd[FIRST * sn + i - 1] : -1;
  const t = strings[sd[IDS * sn + i]];
  const kt = flags & KIND_MASK;
  for (let k = 0; k < ln; k++) {
    if (used[k]) continue;
    const lFlags = ld[FLAGS * ln + k];
    const lFirst = ld[FIRST * ln + k];
    const lLen = ld[LEN * ln + k];
    // Initials spelt by a run of words of this side (letterRuns of the long side's glued tokens).
    if (lFlags & GLUED_FLAG) {
      const g = strings[ld[IDS * ln + k]];
      for (let c = 0; c < g.length; c++) if (g.charCodeAt(c) === first) return false;
    }
    // Joins: the long token alone or with its unmatched next one, against this token with a
    // neighbour (starting with the pair's first letter), or this token alone against the long pair.
    const pair = k + 1 < ln && !used[k + 1] ? lLen + ld[LEN * ln + k + 1] : -2;
    if (lFirst === first && (lLen === withNext || pair === withNext || pair === len)) return false;
    if (lFirst === prevFirst && (lLen === withPrev || pair === withPrev)) return false;
    const lk = lFlags & KIND_MASK;
    if (kt === KIND_WORD && lk === KIND_WORD && apart(first, second, lFirst, ld[SECOND * ln + k])) continue;
    if (fuzzyCost(t, kt, strings[ld[IDS * ln + k]], lk, costs, sd[IDS * sn + i], ld[IDS * ln + k]) !== Infinity) return false;
  }
  return true;
}

/**
 * Matches short token i with an unused equal token of the long side, returning whether it found
 * one. A token that occurs more than once ("2" of a version and of "Apache-2.0") takes an unused
 * occurrence with the same token before it, else the first unused one.
 */
function exactMatch(i: number, si: Int32Array, li: Int32Array, used: Uint8Array, lNextAt: number, ids: Int32Array, now: number): boolean {
  const id = si[i];
  let first = -1;
  for (let k = 2 * id < ids.length && ids[2 * id] === now ? ids[2 * id + 1] : -1; k >= 0; k = li[lNextAt + k]) {
    if (used[k]) continue;
    if (first < 0) first = k;
    if (i > 0 && k > 0 && li[k - 1] === si[i - 1]) {
      used[k] = 1;
      return true;
    }
  }
  if (first < 0) return false;
  used[first] = 1;
  return true;
}

/**
 * Initials written together: an unmatched glued token of side a (2 to `maxLen` letters) matches a
 * run of as many adjacent unmatched tokens of side b whose first letters spell it in order (the
 * first such run: b's tokens starting with its first letter are walked in order), each carrying
 * `bFlag` when it is not 0. Two uses:
 * - initials against initials written apart ("OH" / "O. H.", "US" / "U.S."): up to 4 letters,
 *   b's run of single letters only (STRAY_FLAG);
 * - initials against the words they stand for ("JA" for "John A."): up to 3 letters, any tokens.
 */
function letterRuns(
  x: FieldedTokens,
  usedA: Uint8Array,
  openA: Int32Array,
  openACount: number,
  y: FieldedTokens,
  usedB: Uint8Array,
  bHeads: Int32Array,
  bStamps: Int32Array,
  maxLen: number,
  bFlag: number,
): void {
  const strings = x.strings;
  const an = x.n;
  const bn = y.n;
  const ad = x.data;
  const bd = y.data;
  const bFirst = FIRST * bn;
  const bNext = NEXT_FIRST * bn;
  const bFlags = FLAGS * bn;
  const now = stamp;
  for (let q = 0; q < openACount; q++) {
    const i = openA[q];
    if (usedA[i] || !(ad[FLAGS * an + i] & GLUED_FLAG) || ad[LEN * an + i] > maxLen) continue;
    const t = strings[ad[i]];
    const c0 = t.charCodeAt(0);
    for (let j = bStamps[c0] === now ? bHeads[c0] : -1; j >= 0 && j + t.length <= bn; j = bd[bNext + j]) {
      let ok = true;
      for (let k = 0; k < t.length && ok; k++) {
        ok = !usedB[j + k] && (bFlag === 0 || (bd[bFlags + j + k] & bFlag) !== 0) && bd[bFirst + j + k] === t.charCodeAt(k);
      }
      if (!ok) continue;
      usedA[i] = 1;
      for (let k = 0; k < t.length; k++) usedB[j + k] = 1;
      break;
    }
  }
}

/**
 * Whether tokens i and i + 1 of ids `a` (or token i alone, `aTwo` false) spell the same as tokens
 * j (and j + 1) of ids `b` (ids first in each record's data; `strings` the interner's).
 */
function joinedEqual(strings: string[], a: Int32Array, i: number, aTwo: boolean, b: Int32Array, j: number, bTwo: boolean): boolean {
  const a0 = strings[a[i]];
  const b0 = strings[b[j]];
  const a1 = aTwo ? strings[a[i + 1]] : '';
  const b1 = bTwo ? strings[b[j + 1]] : '';
  const aLen = a0.length + a1.length;
  const bLen = b0.length + b1.length;
  if (aLen !== bLen) return false;
  for (let k = 0; k < aLen; k++) {
    const ca = k < a0.length ? a0.charCodeAt(k) : a1.charCodeAt(k - a0.length);
    const cb = k < b0.length ? b0.charCodeAt(k) : b1.charCodeAt(k - b0.length);
    if (ca !== cb) return false;
  }
  return true;
}

/**
 * Matches split or joined words between the unmatched tokens of two sides, by exact equality of
 * the joined forms ("affecte" + "dby" = "affectedby"): two neighbours against one token or two.
 * Equal joined forms start with the same letter and have the same length: only tokens with that
 * first letter are visited (in order), and lengths are checked first.
 */
function joinSplits(
  x: FieldedTokens,
  usedA: Uint8Array,
  openA: Int32Array,
  openACount: number,
  aHeads: Int32Array,
  aStamps: Int32Array,
  y: FieldedTokens,
  usedB: Uint8Array,
  openB: Int32Array,
  openBCount: number,
  bHeads: Int32Array,
  bStamps: Int32Array,
): void {
  const strings = x.strings;
  const an = x.n;
  const bn = y.n;
  const ad = x.data;
  const bd = y.data;
  const aFirst = FIRST * an;
  const bFirst = FIRST * bn;
  const aNext = NEXT_FIRST * an;
  const bNext = NEXT_FIRST * bn;
  const aLens = LEN * an;
  const bLens = LEN * bn;
  const now = stamp;
  for (let q = 0; q < openACount; q++) {
    const i = openA[q];
    if (i + 1 >= an || usedA[i] || usedA[i + 1]) continue;
    const aLen = ad[aLens + i] + ad[aLens + i + 1];
    const f = ad[aFirst + i];
    for (let j = bStamps[f] === now ? bHeads[f] : -1; j >= 0; j = bd[bNext + j]) {
      if (usedB[j]) continue;
      const bOne = bd[bLens + j];
      const bTwo = j + 1 < bn && !usedB[j + 1] && bOne + bd[bLens + j + 1] === aLen && joinedEqual(strings, ad, i, true, bd, j, true);
      if (bTwo || (bOne === aLen && joinedEqual(strings, ad, i, true, bd, j, false))) {
        usedA[i] = usedA[i + 1] = 1;
        usedB[j] = 1;
        if (bTwo) usedB[j + 1] = 1;
        break;
      }
    }
  }
  for (let q = 0; q < openBCount; q++) {
    const j = openB[q];
    if (j + 1 >= bn || usedB[j] || usedB[j + 1]) continue;
    const bLen = bd[bLens + j] + bd[bLens + j + 1];
    const f = bd[bFirst + j];
    for (let i = aStamps[f] === now ? aHeads[f] : -1; i >= 0; i = ad[aNext + i]) {
      if (usedA[i] || ad[aLens + i] !== bLen || !joinedEqual(strings, bd, j, true, ad, i, false)) continue;
      usedB[j] = usedB[j + 1] = 1;
      usedA[i] = 1;
      break;
    }
  }
}

export interface FieldedTokens {
  /** How many tokens. */
  n: number;
  /** The interner's strings by id (shared by the records read with it: a token is strings[id]). */
  strings: string[];
  /**
   * Per token, in blocks of n values (one block of int32 per record, a view of the interner's
   * chunks: the similarity reads it for every pair, and thousands of small arrays per batch were
   * most of the garbage): IDS the token's id from the interner the record was read with (equal
   * tokens, equal ids); FIELD the field it belongs to; FIRST its first UTF-16 unit; NEXT_FIRST and
   * NEXT_SAME the next position with the same first unit and with the same id (-1: none); FLAGS its
   * kind (a word, a number or a Roman numeral: numbers match only when equal) in KIND_MASK,
   * LETTERS_FLAG when it is letters only, STRAY_FLAG when it is one letter (a stray when left
   * over); LEN its length in UTF-16 units; SECOND its second unit (-1: none).
   */
  data: Int32Array;
  fields: number;
  /** How many tokens are single letters (STRAY_FLAG). */
  singles: number;
  /** The largest token id (-1: no token). */
  maxId: number;
  /** The interner's typo costs of token pairs (records compared share their interner). */
  costs: PairCosts;
}

/**
 * Typo costs (fuzzyCost) of token id pairs already worked out with edit distances: records made
 * from one template meet the same pairs of words over and over ("how" / "what"). Open addressing
 * over (x, y) id pairs.
 */
export class PairCosts {
  private keys = new Int32Array(2048).fill(-1);
  private values = new Float64Array(1024);
  private size = 0;

  private slotOf(x: number, y: number): number {
    const mask = this.values.length - 1;
    let slot = fmix32(Math.imul(x, 0x9e3779b1) ^ y) & mask;
    while (this.keys[2 * slot] !== -1 && (this.keys[2 * slot] !== x || this.keys[2 * slot + 1] !== y)) slot = (slot + 1) & mask;
    return slot;
  }

  /** The cost stored for (x, y), NaN when none is. */
  get(x: number, y: number): number {
    const slot = this.slotOf(x, y);
    return this.keys[2 * slot] === -1 ? NaN : this.values[slot];
  }

  set(x: number, y: number, cost: number): void {
    if (2 * (this.size + 1) > this.values.length) {
      const keys = this.keys;
      const values = this.values;
      this.keys = new Int32Array(keys.length * 2).fill(-1);
      this.values = new Float64Array(values.length * 2);
      for (let k = 0; k < values.length; k++) {
        if (keys[2 * k] === -1) continue;
        const slot = this.slotOf(keys[2 * k], keys[2 * k + 1]);
        this.keys[2 * slot] = keys[2 * k];
        this.keys[2 * slot + 1] = keys[2 * k + 1];
        this.values[slot] = values[k];
      }
    }
    const slot = this.slotOf(x, y);
    if (this.keys[2 * slot] === -1) this.size++;
    this.keys[2 * slot] = x;
    this.keys[2 * slot + 1] = y;
    this.values[slot] = cost;
  }
}

const IDS = 0;
const FIELD = 1;
const FIRST = 2;
const NEXT_FIRST = 3;
const NEXT_SAME = 4;
const FLAGS = 5;
const LEN = 6;
const SECOND = 7;
const BLOCKS = 8;
const KIND_MASK = 3;
const LETTERS_FLAG = 4;
const STRAY_FLAG = 8;
// Letters only, 2-4 of them: may be initials written together ("OH", "JRR", "US").
const GLUED_FLAG = 16;

/**
 * Token ids shared by the records compared with each other, and what the similarity needs to know
 * of each distinct token (kind, first unit, letters only), worked out once per token rather than
 * once per occurrence. An open-addressing table over FNV-1a hashes of the token's UTF-16 units.
 */
export class TokenInterner {
  strings: string[] = [];
  /** Typo costs of the id pairs compared so far. */
  readonly costs = new PairCosts();
  /** Per id: the FLAGS of its tokens (kind, letters only, a single letter, 2-4 letters), worked out once. */
  flags = new Uint8Array(256);
  first = new Int32Array(256);
  /** Second UTF-16 unit of each id's token (-1: one unit long). */
  second = new Int32Array(256);
  /** Length of each token in UTF-16 units (build reads it without touching the strings). */
  length = new Int32Array(256);
  private hashes = new Int32Array(256);
  private table = new Int32Array(1024);
  // Records' data blocks are views of shared chunks: a typed array of its own per record (over
  // 64 bytes, so off V8's heap) cost 1.5-2 us to allocate and was most of reading a record.
  private chunk = new Int32Array(0);
  private chunkUsed = 0;
  /** The ids of "et" and "al": "et al." stands for authors left out, and is no part of a record's identity. */
  readonly etId: number;
  readonly alId: number;

  constructor() {
    this.etId = this.idIn('et', 0, 2);
    this.alId = this.idIn('al', 0, 2);
  }

  /** A block of `size` int32 for one record's data (its contents are whatever the chunk held: write every value). */
  block(size: number): Int32Array {
    if (this.chunkUsed + size > this.chunk.length) {
      this.chunk = new Int32Array(Math.max(size, 1 << 16));
      this.chunkUsed = 0;
    }
    const view = new Int32Array(this.chunk.buffer, 4 * this.chunkUsed, size);
    this.chunkUsed += size;
    return view;
  }

  /** The id of text[s, e) (added when new). */
  idIn(text: string, s: number, e: number): number {
    let h = 0x811c9dc5 | 0;
    for (let k = s; k < e; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
    return this.idHashed(text, s, e, h);
  }

  /** idIn with the FNV-1a hash of text[s, e) worked out by the caller (fieldedJoined, while it looks for the token's end). */
  idHashed(text: string, s: number, e: number, h: number): number {
    let mask = this.table.length - 1;
    let slot = h & mask;
    for (let v = this.table[slot]; v !== 0; v = this.table[slot]) {
      const id = v - 1;
      if (this.hashes[id] === h && this.length[id] === e - s) {
        // (Unit by unit: startsWith was a builtin call per token, dearer than a short token's units.)
        const str = this.strings[id];
        let k = 0;
        while (k < e - s && str.charCodeAt(k) === text.charCodeAt(s + k)) k++;
        if (k === e - s) return id;
      }
      slot = (slot + 1) & mask;
    }
    const id = this.strings.length;
    const t = s === 0 && e === text.length ? text : text.slice(s, e);
    if (id === this.hashes.length) {
      const grow = <T extends Uint8Array | Int32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.hashes = grow(this.hashes);
      this.flags = grow(this.flags);
      this.first = grow(this.first);
      this.second = grow(this.second);
      this.length = grow(this.length);
    }
    this.strings.push(t);
    this.length[id] = t.length;
    this.hashes[id] = h;
    this.first[id] = t.charCodeAt(0);
    this.second[id] = t.length > 1 ? t.charCodeAt(1) : -1;
    const letters = isLetters(t);
    this.flags[id] =
      kindOf(t) |
      (letters ? LETTERS_FLAG : 0) |
      (letters && t.length === 1 ? STRAY_FLAG : 0) |
      (letters && t.length >= 2 && t.length <= 4 ? GLUED_FLAG : 0);
    this.table[slot] = id + 1;
    if (2 * this.strings.length > this.table.length) {
      // Rehash into a table twice the size.
      this.table = new Int32Array(this.table.length * 2);
      mask = this.table.length - 1;
      for (let k = 0; k < this.strings.length; k++) {
        let x = this.hashes[k] & mask;
        while (this.table[x] !== 0) x = (x + 1) & mask;
        this.table[x] = k + 1;
      }
    }
    return id;
  }
}

// Per record: the last position seen of each id and first unit, valid where stamped.
let readStamp = 0;
let lastIdStamp = new Int32Array(1024);
let lastIdPos = new Int32Array(1024);
const lastFirstStamp = new Int32Array(65536);
const lastFirstPos = new Int32Array(65536);

/**
 * Tokens without FIELD_MARKs, with the field each belongs to, and without "et al" (in one field or
 * across one field mark: "et al.", "et. al."): a reference that lists its first authors and
 * "et al." is the same reference as one that lists them all, whose other authors are then fields
 * left out. "al" alone stays (the initials of "Farr AL").
 */
export function fielded(tokens: readonly string[], intern: TokenInterner = new TokenInterner()): FieldedTokens {
  const ids: number[] = [];
  const fieldOf: number[] = [];
  let f = 0;
  for (const t of tokens) {
    if (t === FIELD_MARK) f++;
    else {
      const id = intern.idIn(t, 0, t.length);
      if (id === intern.alId && ids[ids.length - 1] === intern.etId && f - fieldOf[fieldOf.length - 1] <= 1) {
        ids.pop();
        fieldOf.pop();
        continue;
      }
      ids.push(id);
      fieldOf.push(f);
    }
  }
  const pairs = new Int32Array(2 * ids.length);
  ids.forEach((id, k) => {
    pairs[2 * k] = id;
    pairs[2 * k + 1] = fieldOf[k];
  });
  return build(pairs, ids.length, f + 1, intern);
}

// Token boundaries of a joined record, reused across calls.
let spans = new Int32Array(256);

/** fielded (et al dropped too) of a record's tokens joined by single spaces (as signAll keeps them), without splitting the string. */
export function fieldedJoined(joined: string, intern: TokenInterner): FieldedTokens {
  const etId = intern.etId;
  const alId = intern.alId;
  let n = 0;
  let f = 0;
  const len = joined.length;
  for (let s = 0; s < len;) {
    // The token's end and its FNV-1a hash (TokenInterner.idIn's) in one pass (indexOf was a builtin call a token).
    let e = s;
    let h = 0x811c9dc5 | 0;
    while (e < len) {
      const c = joined.charCodeAt(e);
      if (c === 0x20) break;
      h = Math.imul(h ^ c, 0x01000193);
      e++;
    }
    if (e > s) {
      if (e - s === 1 && joined.charCodeAt(s) === 0x7c) f++;
      else {
        if (2 * n + 2 > spans.length) {
          const next = new Int32Array(spans.length * 2);
          next.set(spans);
          spans = next;
        }
        const id = intern.idHashed(joined, s, e, h);
        if (id === alId && n > 0 && spans[2 * n - 2] === etId && f - spans[2 * n - 1] <= 1) n--;
        else {
          spans[2 * n] = id;
          spans[2 * n + 1] = f;
          n++;
        }
      }
    }
    s = e + 1;
  }
  return build(spans, n, f + 1, intern);
}

/** A record's FieldedTokens from its n (id, field) pairs. */
function build(pairs: Int32Array, n: number, fields: number, intern: TokenInterner): FieldedTokens {
  const data = intern.block(BLOCKS * n);
  readStamp = (readStamp + 1) | 0;
  if (readStamp === 0x7fffffff) {
    lastIdStamp.fill(0);
    lastFirstStamp.fill(0);
    readStamp = 1;
  }
  if (lastIdStamp.length < intern.strings.length) {
    lastIdStamp = new Int32Array(intern.strings.length * 2);
    lastIdPos = new Int32Array(intern.strings.length * 2);
  }
  // (Module bindings copied to locals for the loop.)
  const now = readStamp;
  const idStamps = lastIdStamp;
  const idPos = lastIdPos;
  const firstStamps = lastFirstStamp;
  const firstPos = lastFirstPos;
  const strings = intern.strings;
  const firstOf = intern.first;
  const secondOf = intern.second;
  const flagsOf = intern.flags;
  const lengthOf = intern.length;
  let singles = 0;
  let maxId = -1;
  for (let k = n - 1; k >= 0; k--) {
    const id = pairs[2 * k];
    if (id > maxId) maxId = id;
    data[LEN * n + k] = lengthOf[id];
    const c = firstOf[id];
    const flags = flagsOf[id];
    data[IDS * n + k] = id;
    data[FIELD * n + k] = pairs[2 * k + 1];
    data[FIRST * n + k] = c;
    data[SECOND * n + k] = secondOf[id];
    data[FLAGS * n + k] = flags;
    if (flags & STRAY_FLAG) singles++;
    data[NEXT_SAME * n + k] = idStamps[id] === now ? idPos[id] : -1;
    idStamps[id] = now;
    idPos[id] = k;
    data[NEXT_FIRST * n + k] = firstStamps[c] === now ? firstPos[c] : -1;
    firstStamps[c] = now;
    firstPos[c] = k;
  }
  return { n, strings, data, fields, costs: intern.costs, singles, maxId };
}

/** Whether t is letters only (\p{L}+), with an ASCII fast path. */
function isLetters(t: string): boolean {
  for (let k = 0; k < t.length; k++) {
    const c = t.charCodeAt(k);
    if (c >= 0x80) return LETTERS.test(t);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a))) return false;
  }
  return t.length > 0;
}

// A changed token costs three matched ones: one changed word in a 15-token record gives
// 14/17 = 0.824, under the 0.83 default. A token of a field left out costs 0.15: a copy that kept
// only half of the record's tokens, losing whole fields, still gives 1/1.15 = 0.87. Both chosen
// on the project's short-record set (bench/results/dedupe.json, shortRecords).
const SUBSTITUTION_COST = 3;
// Not a cost: how a word's match with a single letter ranks against free matches (just behind).
const INITIAL_RANK = 1e-9;
const DELETION_COST = 0.15;
// A stray letter is one edit of a word of about 5 letters (the mean token length of the set).
const STRAY_COST = SUBSTITUTION_COST / 5;
// A number part left out where the rest of the number matched is one dropped component of three.
const PRECISION_COST = SUBSTITUTION_COST / 3;

const DIGITS = /^\d+$/;
// Roman numerals number things ("type VI", "part II"): like digits, they match only when equal.
const ROMAN = /^(?=[ivxlc])(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$/;
const LETTERS = /^\p{L}+$/u;
const KIND_WORD = 0;
const KIND_DIGITS = 1;
const KIND_ROMAN = 2;
// A single letter is an initial before a numeral ("C." of "Douglas C. Wilson").
// (Regexes only where the first letter allows: the check runs for every token of every record.)
const kindOf = (t: string) => {
  const c = t.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39) return DIGITS.test(t) ? KIND_DIGITS : KIND_WORD;
  if (c === 0x69 || c === 0x76 || c === 0x78 || c === 0x6c || c === 0x63) return t.length > 1 && ROMAN.test(t) ? KIND_ROMAN : KIND_WORD;
  return KIND_WORD;
};

/**
 * Whether two words' first two units (second -1: a one-unit word) rule out every match fuzzyCost
 * allows: a prefix keeps the first letter, a typo one of the first two in place or both swapped.
 * Checked on the records' data before fuzzyCost, which reads the strings (a third of the
 * verification of look-alike pairs went to those calls).
 */
function apart(s0: number, s1: number, l0: number, l1: number): boolean {
  return s0 !== l0 && s1 !== l1 && s0 !== l1 && s1 !== l0;
}

/**
 * What matching x with y costs, in tokens (0: the same word, Infinity: no match): a prefix
 * abbreviation is free, a typo costs SUBSTITUTION_COST x edits / letters of the longer token, so
 * that a token rewritten through costs what a changed word does. The typo budget grows with the
 * length: one edit from 3 letters (a 2-letter token may gain one letter: "ar" / "are"), two from
 * 6, three from 10. An abbreviation with a typo ("prto." / "protuberans") is an abbreviation plus
 * the edit.
 */
function fuzzyCost(x: string, kx: number, y: string, ky: number, costs: PairCosts, idX: number, idY: number): number {
  const dx = kx === KIND_DIGITS;
  const dy = ky === KIND_DIGITS;
  // Numbers identify a record and match only when equal, except the shortened end of a page
  // range or year ("301-9" for "301-309", "'19" for "2019"): the last digits of a number of three
  // digits or more.
  const xShort = x.length <= y.length;
  const s = xShort ? x : y;
  const l = xShort ? y : x;
  if (dx || dy) {
    if (!(dx && dy)) return Infinity;
    return l.length >= 3 && s.length < l.length && l.endsWith(s) ? 0 : Infinity;
  }
  if (kx === KIND_ROMAN || ky === KIND_ROMAN) return Infinity;
  // An initial abbreviates a name of 3 letters or more ("j" / "john", not "i" / "iv"); other
  // abbreviations keep 3 letters or more ("med" / "medicinal").
  // (The first letters compared before startsWith, a builtin call: most pairs differ there.)
  const s0 = s.charCodeAt(0);
  const l0 = l.charCodeAt(0);
  if (s0 === l0 && (s.length === 1 ? l.length >= 3 : s.length >= 3) && l.startsWith(s)) return 0;
  if (s.length < 2) return Infinity;
  // A slip or two leaves one of the first two letters in place (or swaps them): a cheap exit.
  const s1 = s.charCodeAt(1);
  const l1 = l.charCodeAt(1);
  if (s0 !== l0 && s1 !== l1 && s0 !== l1 && s1 !== l0) return Infinity;
  const budget = s.length === 2 ? (l.length === 3 ? 1 : 0) : l.length >= 10 ? 3 : l.length >= 6 ? 2 : 1;
  if (!budget) return Infinity;
  // The edits within budget need lengths that differ by the budget at most; an abbreviation with
  // a slip, a long token two letters longer. Past those, the edit distances are looked up (the
  // same pair met before) or worked out and kept.
  const typo = l.length - s.length <= budget;
  const slip = s.length >= 4 && l.length > s.length + 1;
  if (!typo && !slip) return Infinity;
  const known = costs.get(idX, idY);
  if (known === known) return known;
  let cost = Infinity;
  const d = typo ? editsWithin(s, l, budget) : budget + 1;
  if (d <= budget) cost = (SUBSTITUTION_COST * d) / l.length;
  // Abbreviated with a slip: the prefix of the long token as long as the short one, one edit.
  else if (slip && editsWithin(s, l, 1, s.length) <= 1) cost = SUBSTITUTION_COST / l.length;
  costs.set(idX, idY, cost);
  return cost;
}

// Letter counts of editsWithin's lower bound (all 0 between calls).
const letterBag = new Int32Array(64);

// Three DP rows reused across calls: the typo check runs for every pending token pair.
let rows = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/** The optimal-string-alignment distance of s and l's first lLength units when at most k, else k + 1 (k small, strings short). */
function editsWithin(s: string, l: string, k: number, lLength = l.length): number {
  if (lLength - s.length > k) return k + 1;
  // Each edit brings at most one letter into either side that the other lacks (a transposition
  // none): more letters than k on either side without a counterpart on the other (counted by
  // their code's low 6 bits, which can only find too many counterparts) is more than k edits,
  // without the table of distances.
  const bag = letterBag;
  for (let i = 0; i < s.length; i++) bag[s.charCodeAt(i) & 63]++;
  let common = 0;
  for (let j = 0; j < lLength; j++) {
    const x = l.charCodeAt(j) & 63;
    if (bag[x] > 0) {
      bag[x]--;
      common++;
    }
  }
  for (let i = 0; i < s.length; i++) bag[s.charCodeAt(i) & 63] = 0;
  if (Math.max(s.length, lLength) - common > k) return k + 1;
  const w = lLength + 1;
  if (rows[0].length < w) rows = [new Int32Array(w * 2), new Int32Array(w * 2), new Int32Array(w * 2)];
  let prev2 = rows[0];
  let prev = rows[1];
  let cur = rows[2];
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
    const spare = prev2;
    prev2 = prev;
    prev = cur;
    cur = spare;
  }
  return Math.min(prev[w - 1], k + 1);
}

/** The tokens recordSimilarity compares, from raw text (fields marked). */
export function recordTokens(text: string): string[] {
  return structuredTokens(text, true);
}
