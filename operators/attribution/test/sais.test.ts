import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sais } from '../src/index-build/sais.js';

function naive(s: number[]): number[] {
  const idx = s.map((_, i) => i);
  return idx.sort((a, b) => {
    for (let k = 0; ; k++) {
      if (a + k >= s.length) return -1;
      if (b + k >= s.length) return 1;
      if (s[a + k] !== s[b + k]) return s[a + k] - s[b + k];
    }
  });
}

describe('SA-IS', () => {
  it('equals a naive suffix sort on random strings with a sentinel', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 200 }), (K, body) => {
        const s = [...body.map((x) => 1 + (x % K)), 0];
        const SA = new Int32Array(s.length);
        sais(Int32Array.from(s), SA, s.length, K + 1);
        expect(Array.from(SA)).toEqual(naive(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('handles long repeats (deep recursion)', () => {
    const s = [...Array.from({ length: 5000 }, (_, i) => 1 + ((i * i) % 3 === 0 ? 1 : 2)), ...Array(3000).fill(2), 0];
    const SA = new Int32Array(s.length);
    sais(Int32Array.from(s), SA, s.length, 4);
    expect(Array.from(SA)).toEqual(naive(s));
  });
});
