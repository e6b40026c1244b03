/**
 * Suffix array by induced sorting (SA-IS; Nong, Zhang & Chan 2009): linear time, working in place
 * on typed arrays. `s` holds symbols in [0, K) and must end with a unique smallest symbol
 * (0, the sentinel); `SA` receives the n suffix start positions in lexicographic order.
 */
export function sais(s: Int32Array, SA: Int32Array, n: number, K: number): void {
  if (n === 1) {
    SA[0] = 0;
    return;
  }
  const t = new Uint8Array(n); // 1 = S-type, 0 = L-type
  t[n - 1] = 1;
  for (let i = n - 2; i >= 0; i--) t[i] = s[i] < s[i + 1] || (s[i] === s[i + 1] && t[i + 1] === 1) ? 1 : 0;
  const bkt = new Int32Array(K);

  // Stage 1: sort the LMS substrings by one induced pass.
  bucketEnds(s, bkt, n, K);
  SA.fill(-1, 0, n);
  for (let i = 1; i < n; i++) if (t[i] === 1 && t[i - 1] === 0) SA[--bkt[s[i]]] = i;
  induceL(s, SA, t, bkt, n, K);
  induceS(s, SA, t, bkt, n, K);

  let n1 = 0;
  for (let i = 0; i < n; i++) {
    const p = SA[i];
    if (p > 0 && t[p] === 1 && t[p - 1] === 0) SA[n1++] = p;
  }
  // Name the LMS substrings; equal substrings get equal names.
  SA.fill(-1, n1, n);
  let name = 0;
  let prev = -1;
  for (let i = 0; i < n1; i++) {
    const pos = SA[i];
    let diff = prev < 0;
    for (let d = 0; !diff; d++) {
      if (s[pos + d] !== s[prev + d] || t[pos + d] !== t[prev + d]) diff = true;
      else if (d > 0 && ((t[pos + d] === 1 && t[pos + d - 1] === 0) || (t[prev + d] === 1 && t[prev + d - 1] === 0))) break;
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
  if (name < n1) sais(s1, SA1, n1, name);
  else for (let i = 0; i < n1; i++) SA1[s1[i]] = i;

  // Stage 3: induce the full order from the sorted LMS suffixes.
  for (let i = 1, j = 0; i < n; i++) if (t[i] === 1 && t[i - 1] === 0) s1[j++] = i;
  for (let i = 0; i < n1; i++) SA1[i] = s1[SA1[i]];
  SA.fill(-1, n1, n);
  bucketEnds(s, bkt, n, K);
  for (let i = n1 - 1; i >= 0; i--) {
    const j = SA[i];
    SA[i] = -1;
    SA[--bkt[s[j]]] = j;
  }
  induceL(s, SA, t, bkt, n, K);
  induceS(s, SA, t, bkt, n, K);
}

function bucketStarts(s: Int32Array, bkt: Int32Array, n: number, K: number): void {
  bkt.fill(0);
  for (let i = 0; i < n; i++) bkt[s[i]]++;
  let sum = 0;
  for (let k = 0; k < K; k++) {
    const c = bkt[k];
    bkt[k] = sum;
    sum += c;
  }
}

function bucketEnds(s: Int32Array, bkt: Int32Array, n: number, K: number): void {
  bkt.fill(0);
  for (let i = 0; i < n; i++) bkt[s[i]]++;
  let sum = 0;
  for (let k = 0; k < K; k++) {
    sum += bkt[k];
    bkt[k] = sum;
  }
}

function induceL(s: Int32Array, SA: Int32Array, t: Uint8Array, bkt: Int32Array, n: number, K: number): void {
  bucketStarts(s, bkt, n, K);
  for (let i = 0; i < n; i++) {
    const j = SA[i] - 1;
    if (j >= 0 && t[j] === 0) SA[bkt[s[j]]++] = j;
  }
}

function induceS(s: Int32Array, SA: Int32Array, t: Uint8Array, bkt: Int32Array, n: number, K: number): void {
  bucketEnds(s, bkt, n, K);
  for (let i = n - 1; i >= 0; i--) {
    const j = SA[i] - 1;
    if (j >= 0 && t[j] === 1) SA[--bkt[s[j]]] = j;
  }
}
