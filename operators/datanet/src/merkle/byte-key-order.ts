/**
 * The ascending order of n 32-byte keys, key i at `base + stride * i` of `u8` (bytes compared
 * unsigned, i.e. as their lower-case hex sorts), stable: equal keys keep their index order. A radix
 * sort of the indices by the keys' leading 32 bits (two 16-bit passes, linear, no comparisons), then
 * runs of equal leading bits settled by the whole key. Shared by the reward/dataset tree's leaf order
 * and the dataset build's id order.
 */
export function orderBy32ByteKeys(u8: Uint8Array, base: number, stride: number, n: number): Uint32Array {
  const hi = new Uint32Array(n);
  for (let i = 0, at = base; i < n; i++, at += stride) hi[i] = ((u8[at] << 24) | (u8[at + 1] << 16) | (u8[at + 2] << 8) | u8[at + 3]) >>> 0;
  const counts = new Uint32Array(65537);
  const low = new Uint32Array(n);
  for (let i = 0; i < n; i++) counts[(hi[i] & 0xffff) + 1]++;
  for (let b = 1; b <= 65536; b++) counts[b] += counts[b - 1];
  for (let i = 0; i < n; i++) low[counts[hi[i] & 0xffff]++] = i;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(hi[i] >>> 16) + 1]++;
  for (let b = 1; b <= 65536; b++) counts[b] += counts[b - 1];
  const order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[counts[hi[low[k]] >>> 16]++] = low[k];
  const byKey = (a: number, b: number) => compare32(u8, base + stride * a, base + stride * b) || a - b;
  for (let k = 1; k < n;) {
    if (hi[order[k]] !== hi[order[k - 1]]) {
      k++;
      continue;
    }
    const from = k - 1;
    while (k < n && hi[order[k]] === hi[order[from]]) k++;
    order.subarray(from, k).sort(byKey);
  }
  return order;
}

/** Compares the 32 bytes at a and at b of u8, unsigned. */
export function compare32(u8: Uint8Array, a: number, b: number): number {
  for (let k = 0; k < 32; k++) {
    const d = u8[a + k] - u8[b + k];
    if (d !== 0) return d;
  }
  return 0;
}
