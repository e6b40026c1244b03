/**
 * Open-addressing hash set/counter of non-negative integer keys below 2^53, reused across
 * documents (a generation stamp clears it in O(1)). The repetition rules do millions of lookups
 * per MB; a JS Map with number keys is several times slower.
 */
export class NumberCounter {
  private keys = new Float64Array(1024);
  private counts = new Int32Array(1024);
  private stamps = new Int32Array(1024);
  private gen = 1;
  private mask = 1023;

  /** Empties the table, sized for at least `expected` distinct keys. */
  reset(expected: number): void {
    let cap = this.keys.length;
    while (cap < expected * 2) cap *= 2;
    if (cap !== this.keys.length) {
      this.keys = new Float64Array(cap);
      this.counts = new Int32Array(cap);
      this.stamps = new Int32Array(cap);
      this.mask = cap - 1;
      this.gen = 1;
      return;
    }
    if (++this.gen === 0x7fffffff) {
      this.stamps.fill(0);
      this.gen = 1;
    }
  }

  private slot(key: number): number {
    let h = Math.imul((key >>> 0) ^ Math.floor(key / 4294967296), 0x9e3779b1);
    h ^= h >>> 15;
    let i = h & this.mask;
    while (this.stamps[i] === this.gen && this.keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  /** Adds one to the key's count and returns the new count. */
  increment(key: number): number {
    const i = this.slot(key);
    if (this.stamps[i] !== this.gen) {
      this.stamps[i] = this.gen;
      this.keys[i] = key;
      this.counts[i] = 0;
    }
    return ++this.counts[i];
  }

  has(key: number): boolean {
    return this.stamps[this.slot(key)] === this.gen;
  }
}
