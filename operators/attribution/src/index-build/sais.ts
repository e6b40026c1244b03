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

/** Leftmost S-type: S-type with an L-type before it. */
const isLms = (s: Int32Array, i: number): boolean => i > 0 && s[i] < 0 && s[i - 1] >= 0;

function sortMarked(s: Int32Array, SA: Int32Array, n: number, K: number): void {
  const counts = new Int32Array(K);
  for (let i = 0; i < n; i++) counts[s[i] & SYMBOL]++;
  const bkt = new Int32Array(K);

  // Stage 1: sort the LMS substrings by one induced pass.
  bucketEnds(counts, bkt, K);
  SA.fill(-1, 0, n);
  for (let i = 1; i < n; i++) if (s[i] < 0 && s[i - 1] >= 0) SA[--bkt[s[i] & SYMBOL]] = i;
  induceL(s, SA, counts, bkt, n, K);
  induceS(s, SA, counts, bkt, n, K);

  let n1 = 0;
  for (let i = 0; i < n; i++) if (isLms(s, SA[i])) SA[n1++] = SA[i];
  // Name the LMS substrings; equal substrings (symbols and types: the marked values) get equal names.
  SA.fill(-1, n1, n);
  let name = 0;
  let prev = -1;
  for (let i = 0; i < n1; i++) {
    const pos = SA[i];
    let diff = prev < 0;
    for (let d = 0; !diff; d++) {
      if (s[pos + d] !== s[prev + d]) diff = true;
      // Equal so far, so both substrings end here or neither does.
      else if (d > 0 && s[pos + d] < 0 && s[pos + d - 1] >= 0) break;
    }
    if (diff) {
      name++;
      prev = pos;
    }
    SA[n1 + (pos >> 1)] = name - 1;
  }
  for (let i = n - 1, j = n - 1; i >= n1; i--) if (SA[i] >= 0) SA[j--] = SA[i];

  // Stage 2: sort the reduced string, recursively if names repeat.
  const s1 = SA.subarray(n - n1, n);
  const SA1 = SA.subarray(0, n1);
  if (name < n1) {
    // s1 is scratch (overwritten below), so its marks need no restoring.
    markTypes(s1, n1);
    sortMarked(s1, SA1, n1, name);
  } else for (let i = 0; i < n1; i++) SA1[s1[i]] = i;

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
