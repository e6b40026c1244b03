/**
 * Suffix array by induced sorting (SA-IS; Nong, Zhang & Chan 2009): linear time, working in place
 * on typed arrays. `s` holds symbols in [0, K) and must end with a unique smallest symbol
 * (0, the sentinel); `SA` receives the n suffix start positions in lexicographic order. `s` is
 * used as scratch (each symbol's S/L type is kept in its sign bit while sorting) and restored.
 */
export function sais(s: Int32Array, SA: Int32Array, n: number, K: number): void {
  if (n === 1) {
    SA[0] = 0;
    return;
  }
  markTypes(s, n);
  try {
    sortMarked(s, SA, n, K);
  } finally {
    for (let i = 0; i < n; i++) s[i] &= SYMBOL;
  }
}

// Why the type bit lives in `s`: the induce passes read the symbol and the type of a random
// position; one read instead of two (a separate type array) saves about a cache miss per suffix,
// which is most of SA-IS's cost once the input outgrows the caches.
const S_TYPE = -0x80000000;
const SYMBOL = 0x7fffffff;

/** Sets the sign bit of every S-type position (s[i] < s[i+1], or equal and s[i+1] S-type). */
function markTypes(s: Int32Array, n: number): void {
  s[n - 1] |= S_TYPE;
  for (let i = n - 2; i >= 0; i--) {
    const a = s[i];
    const next = s[i + 1];
    if (a < (next & SYMBOL) || (a === (next & SYMBOL) && next < 0)) s[i] = a | S_TYPE;
  }
}

function sortMarked(s: Int32Array, SA: Int32Array, n: number, K: number): void {
  const counts = new Int32Array(K);
  for (let i = 0; i < n; i++) counts[s[i] & SYMBOL]++;
  const bkt = new Int32Array(K);

  // Stage 1: sort the LMS substrings by one induced pass.
  bucketEnds(counts, bkt, K);
  SA.fill(-1, 0, n);
  for (let i = 1; i < n; i++) if (s[i] < 0 && s[i - 1] >= 0) SA[--bkt[s[i] & SYMBOL]] = i;
  induceL(s, SA, counts, bkt, n, K);
  induceSMarkingLms(s, SA, counts, bkt, n, K);

  let n1 = 0;
  for (let i = 0; i < n; i++) {
    const v = SA[i];
    if (v < -1) SA[n1++] = ~v;
  }
  // Name the LMS substrings; equal substrings (symbols and types: the marked values) get equal
  // names. A name is the index of its group's first member in this sorted order (so names are
  // ordered, and the reduced string's alphabet is [0, n1)); groups of more than one are noted,
  // as prefix doubling starts from them.
  SA.fill(-1, n1, n);
  let name = 0;
  let prev = -1;
  let groupStart = 0;
  let ties = new Int32Array(64);
  let t = 0;
  for (let i = 0; i < n1; i++) {
    const pos = SA[i];
    let diff = prev < 0;
    for (let d = 0; !diff; d++) {
      if (s[pos + d] !== s[prev + d]) diff = true;
      // Equal so far, so both substrings end here or neither does.
      else if (d > 0 && s[pos + d] < 0 && s[pos + d - 1] >= 0) break;
    }
    if (diff) {
      if (i - groupStart > 1) {
        if (t + 2 > ties.length) ties = grow(ties);
        ties[t++] = groupStart;
        ties[t++] = i - 1;
      }
      name++;
      prev = pos;
      groupStart = i;
      SA[n1 + (pos >> 1)] = i;
    } else {
      // A tied group's members are marked ~name (never 0: the sentinel's substring is unique),
      // so that only they are counted into their group below.
      SA[n1 + (pos >> 1)] = ~groupStart;
      if (i - groupStart === 1) SA[n1 + (prev >> 1)] = ~groupStart;
    }
  }
  if (n1 - groupStart > 1) {
    if (t + 2 > ties.length) ties = grow(ties);
    ties[t++] = groupStart;
    ties[t++] = n1 - 1;
  }
  for (let i = n - 1, j = n - 1; i >= n1; i--) if (SA[i] !== -1) SA[j--] = SA[i];

  // Stage 2: sort the reduced string: by prefix doubling when most names are distinct (the
  // groups are those noted above), else recursively.
  const s1 = SA.subarray(n - n1, n);
  const SA1 = SA.subarray(0, n1);
  if (name === n1) for (let i = 0; i < n1; i++) SA1[s1[i]] = i;
  else if (name >= DOUBLING_SHARE * n1) {
    const filled = new Int32Array(n1);
    for (let i = 0; i < n1; i++) {
      const g = s1[i];
      if (g >= 0) SA1[g] = i;
      else {
        SA1[~g + filled[~g]++] = i;
        s1[i] = ~g;
      }
    }
    // Past its budget, doubling hands over to recursion on the ranks it has refined so far: a
    // rank stands for the first symbols of its suffix, so the rank string sorts as s1 does.
    if (!refineByDoubling(s1, SA1, ties, t, DOUBLING_BUDGET * n1)) {
      markTypes(s1, n1);
      sortMarked(s1, SA1, n1, n1);
    }
  } else {
    for (let i = 0; i < n1; i++) if (s1[i] < 0) s1[i] = ~s1[i];
    // s1 is scratch (overwritten below), so its marks need no restoring.
    markTypes(s1, n1);
    sortMarked(s1, SA1, n1, n1);
  }

  // Stage 3: induce the full order from the sorted LMS suffixes.
  for (let i = 1, j = 0; i < n; i++) if (s[i] < 0 && s[i - 1] >= 0) s1[j++] = i;
  for (let i = 0; i < n1; i++) SA1[i] = s1[SA1[i]];
  SA.fill(-1, n1, n);
  bucketEnds(counts, bkt, K);
  for (let i = n1 - 1; i >= 0; i--) {
    const j = SA[i];
    SA[i] = -1;
    SA[--bkt[s[j] & SYMBOL]] = j;
  }
  induceL(s, SA, counts, bkt, n, K);
  induceS(s, SA, counts, bkt, n, K);
}

function bucketStarts(counts: Int32Array, bkt: Int32Array, K: number): void {
  let sum = 0;
  for (let k = 0; k < K; k++) {
    bkt[k] = sum;
    sum += counts[k];
  }
}

function bucketEnds(counts: Int32Array, bkt: Int32Array, K: number): void {
  let sum = 0;
  for (let k = 0; k < K; k++) {
    sum += counts[k];
    bkt[k] = sum;
  }
}

function induceL(s: Int32Array, SA: Int32Array, counts: Int32Array, bkt: Int32Array, n: number, K: number): void {
  bucketStarts(counts, bkt, K);
  for (let i = 0; i < n; i++) {
    const j = SA[i] - 1;
    if (j >= 0) {
      const c = s[j];
      if (c >= 0) SA[bkt[c]++] = j;
    }
  }
}

/**
 * induceS that also marks each LMS suffix it passes (SA[i] = ~p), so that they are gathered by a
 * sequential pass rather than two random reads per suffix. p is LMS when its predecessor is L-type
 * (read here anyway) and p itself is S-type, which its slot tells: the S-type suffixes fill the end
 * of their bucket, so slot i is S-type once its bucket's S pointer has passed it. The bucket of
 * slot i is followed as i falls; the sentinel (slot 0) is marked at the end.
 */
function induceSMarkingLms(s: Int32Array, SA: Int32Array, counts: Int32Array, bkt: Int32Array, n: number, K: number): void {
  bucketEnds(counts, bkt, K);
  let c = K - 1;
  let cStart = n - counts[c];
  for (let i = n - 1; i > 0; i--) {
    while (i < cStart) cStart -= counts[--c];
    const p = SA[i];
    const j = p - 1;
    if (j >= 0) {
      const cj = s[j];
      if (cj < 0) SA[--bkt[cj & SYMBOL]] = j;
      else if (bkt[c] <= i) SA[i] = ~p;
    }
  }
  SA[0] = ~SA[0];
}

function induceS(s: Int32Array, SA: Int32Array, counts: Int32Array, bkt: Int32Array, n: number, K: number): void {
  bucketEnds(counts, bkt, K);
  for (let i = n - 1; i >= 0; i--) {
    const j = SA[i] - 1;
    if (j >= 0) {
      const c = s[j];
      if (c < 0) SA[--bkt[c & SYMBOL]] = j;
    }
  }
}

/**
 * Share of distinct names in the reduced string from which it is sorted by prefix doubling instead
 * of recursion. On natural text most LMS substrings are distinct (77-91% on the bench's Zipf text
 * from 32M to 250M tokens; the repeats come from copied passages), so SA-IS would recurse on a
 * string whose alphabet is nearly as long as itself: several levels, each with bucket tables of
 * millions of entries. Doubling only touches the positions whose names repeat, for as many rounds
 * as the longest repeat needs (log2 of its length).
 */
export const DOUBLING_SHARE = 0.5;

/**
 * Doubling's budget, in tied positions re-sorted (summed over rounds) per position of the reduced
 * string; past it (long periodic stretches need many rounds over many positions) the recursion
 * finishes the sort, so the whole stays linear. Natural text uses about a fifth of one.
 */
export const DOUBLING_BUDGET = 4;

/**
 * Suffix array of `s` (n symbols in [0, K), last one unique and smallest) by prefix doubling in
 * the manner of Larsson and Sadakane: positions are bucketed by their first symbol, then only the
 * groups that are still tied are re-sorted by the rank h positions on, h doubling each round.
 * `s` is overwritten with the final ranks (the inverse suffix array).
 */
export function doublingSort(s: Int32Array, SA: Int32Array, n: number, K: number): void {
  // Bucket by first symbol; a position's rank is the first index of its group.
  const bkt = new Int32Array(K);
  for (let i = 0; i < n; i++) bkt[s[i]]++;
  let groups = new Int32Array(64);
  let g = 0;
  for (let c = 0, sum = 0; c < K; c++) {
    const size = bkt[c];
    if (size > 1) {
      if (g + 2 > groups.length) groups = grow(groups);
      groups[g++] = sum;
      groups[g++] = sum + size - 1;
    }
    bkt[c] = sum;
    sum += size;
  }
  for (let i = 0; i < n; i++) SA[bkt[s[i]]++] = i;
  // Ranks in suffix-array order: sequential reads, the random accesses are writes.
  for (let c = 0, start = 0; c < K; c++) {
    const end = bkt[c];
    for (let x = start; x < end; x++) s[SA[x]] = start;
    start = end;
  }
  refineByDoubling(s, SA, groups, g, Infinity);
}

/**
 * Prefix doubling from a first order: SA sorted by a prefix of each suffix, `rank` holding each
 * position's group (the index of the group's first member in SA), `groups` the [first, last]
 * pairs of the groups of more than one. Tied groups are re-sorted by the rank h positions on,
 * h doubling each round, and split; ranks are refined in place (Larsson and Sadakane). Returns
 * false, with every round begun also finished, once `budget` tied positions have been re-sorted.
 */
function refineByDoubling(rank: Int32Array, SA: Int32Array, groups: Int32Array, g: number, budget: number): boolean {
  let keys = new Int32Array(64);
  let order = new Float64Array(64);
  for (let h = 1; g > 0; h *= 2) {
    // Tied suffixes share their first h symbols, which the unique last symbol bounds.
    if (h >= rank.length) throw new Error(`suffix sort: positions still tied after ${h} symbols of ${rank.length}`);
    for (let q = 0; q < g; q += 2) budget -= groups[q + 1] - groups[q] + 1;
    if (budget < 0) return false;
    let next = new Int32Array(Math.max(16, g));
    let ng = 0;
    for (let q = 0; q < g; q += 2) {
      const start = groups[q];
      const end = groups[q + 1];
      const size = end - start + 1;
      if (size > keys.length) {
        keys = new Int32Array(2 * size);
        order = new Float64Array(2 * size);
      }
      // Keys first, then ranks: a member's key may be a member of this same group. (Ties are
      // never at the last position, which is unique, so p + h < n.)
      for (let k = 0; k < size; k++) keys[k] = rank[SA[start + k] + h];
      sortGroup(SA, start, size, keys, order);
      for (let a = start; a <= end;) {
        const key = keys[a - start];
        let b = a;
        while (b < end && keys[b + 1 - start] === key) b++;
        for (let x = a; x <= b; x++) rank[SA[x]] = a;
        if (b > a) {
          if (ng + 2 > next.length) next = grow(next);
          next[ng++] = a;
          next[ng++] = b;
        }
        a = b + 1;
      }
    }
    groups = next;
    g = ng;
  }
  return true;
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Sorts SA[start, start + size) by keys[0, size), keys moving with their positions. */
function sortGroup(SA: Int32Array, start: number, size: number, keys: Int32Array, order: Float64Array): void {
  if (size <= 24) {
    for (let i = 1; i < size; i++) {
      const key = keys[i];
      const p = SA[start + i];
      let j = i - 1;
      while (j >= 0 && keys[j] > key) {
        keys[j + 1] = keys[j];
        SA[start + j + 1] = SA[start + j];
        j--;
      }
      keys[j + 1] = key;
      SA[start + j + 1] = p;
    }
    return;
  }
  // Key and position packed in one double (both below 2^31, and size * 2^31 stays exact for a
  // position offset below 2^22 per group; larger groups take the comparator).
  if (size < 2 ** 22) {
    const o = order.subarray(0, size);
    for (let k = 0; k < size; k++) o[k] = keys[k] * 4194304 + k;
    o.sort();
    const members = SA.slice(start, start + size);
    for (let k = 0; k < size; k++) {
      const from = o[k] % 4194304;
      SA[start + k] = members[from];
      keys[k] = (o[k] - from) / 4194304;
    }
    return;
  }
  const idx = Array.from({ length: size }, (_, k) => k);
  idx.sort((a, b) => keys[a] - keys[b]);
  const members = SA.slice(start, start + size);
  const k0 = keys.slice(0, size);
  idx.forEach((from, k) => {
    SA[start + k] = members[from];
    keys[k] = k0[from];
  });
}
