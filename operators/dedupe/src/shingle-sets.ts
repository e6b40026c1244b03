/**
 * The distinct shingle hashes of many records, sorted, in one flat array with offsets: what
 * candidate pairs are verified with (exact Jaccard, exact containment) after LSH proposed them.
 */
export class ShingleSets {
  private values: Uint32Array;
  private offsets: Int32Array;
  private count = 0;

  constructor(records: number) {
    // Grown as sets arrive (doubling): short records add none, and a batch of them needed no
    // megabytes of zeros.
    this.values = new Uint32Array(Math.min(1 << 16, Math.max(1024, records * 64)));
    this.offsets = new Int32Array(records + 1);
  }

  /** Appends the next record's set (any order, repeats allowed). */
  add(shingles: Uint32Array): void {
    const start = this.offsets[this.count];
    // An empty set (every short record's) needs no view and no sort.
    if (shingles.length === 0) {
      this.offsets[++this.count] = start;
      return;
    }
    if (start + shingles.length > this.values.length) {
      const next = new Uint32Array(Math.max(start + shingles.length, this.values.length * 2));
      next.set(this.values.subarray(0, start));
      this.values = next;
    }
    const dst = this.values.subarray(start, start + shingles.length);
    dst.set(shingles);
    dst.sort();
    let w = 0;
    for (let r = 0; r < dst.length; r++) if (r === 0 || dst[r] !== dst[r - 1]) dst[w++] = dst[r];
    this.offsets[++this.count] = start + w;
  }

  finish(): { values: Uint32Array; offsets: Int32Array } {
    return { values: this.values.slice(0, this.offsets[this.count]), offsets: this.offsets.slice(0, this.count + 1) };
  }
}

/** |A ∩ B| of two sorted distinct ranges. */
export function intersectSorted(x: Uint32Array, xs: number, xe: number, y: Uint32Array, ys: number, ye: number): number {
  let i = xs;
  let j = ys;
  let same = 0;
  while (i < xe && j < ye) {
    const a = x[i];
    const b = y[j];
    if (a === b) {
      same++;
      i++;
      j++;
    } else if (a < b) i++;
    else j++;
  }
  return same;
}

/** Exact Jaccard of two sorted distinct ranges (0 when both are empty). */
export function jaccardSorted(x: Uint32Array, xs: number, xe: number, y: Uint32Array, ys: number, ye: number): number {
  const inter = intersectSorted(x, xs, xe, y, ys, ye);
  const union = xe - xs + (ye - ys) - inter;
  return union ? inter / union : 0;
}
