import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { doublingSort, sais } from '../src/index-build/sais.js';

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

  // Large alphabets with copied stretches: nearly every LMS substring is distinct, a few repeat,
  // so the reduced string is sorted by prefix doubling (the path natural text takes).
  it('equals a naive suffix sort on large-alphabet strings with copied stretches', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 120 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 60 }), fc.nat({ max: 3 })), { maxLength: 6 }),
        (base, copies) => {
          const body = [...base];
          for (const [from, len, times] of copies) {
            const at = from % body.length;
            const chunk = body.slice(at, at + len);
            for (let t = 0; t <= times; t++) body.splice((from * (t + 7)) % (body.length + 1), 0, ...chunk);
          }
          const s = [...body, 0];
          const SA = new Int32Array(s.length);
          sais(Int32Array.from(s), SA, s.length, 5001);
          expect(Array.from(SA)).toEqual(naive(s));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('prefix doubling equals a naive suffix sort, ties included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 300 }), (K, body) => {
        const s = [...body.map((x) => 1 + (x % K)), 0];
        const SA = new Int32Array(s.length);
        doublingSort(Int32Array.from(s), SA, s.length, K + 1);
        expect(Array.from(SA)).toEqual(naive(s));
      }),
      { numRuns: 1000 },
    );
    // Long ties (a periodic string, and a group past the insertion-sort size).
    for (const s of [
      [...Array.from({ length: 3000 }, (_, i) => 1 + (i % 3)), 0],
      [...Array(500).fill(1), 0],
    ]) {
      const SA = new Int32Array(s.length);
      doublingSort(Int32Array.from(s), SA, s.length, 4);
      expect(Array.from(SA)).toEqual(naive(s));
    }
  });

  // Distinct names for the most part, then a long periodic stretch whose LMS substrings are all
  // equal: doubling would need many rounds over them, so its budget runs out and the recursion
  // finishes on the ranks refined so far.
  it('equals a naive suffix sort when doubling hands over to recursion', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 3, max: 5000 }), { minLength: 1900, maxLength: 2100 }),
        fc.integer({ min: 560, max: 640 }),
        (base, periods) => {
          const body = [...base.slice(0, 300), ...Array.from({ length: 2 * periods }, (_, i) => 1 + (i % 2)), ...base.slice(300)];
          const s = [...body, 0];
          const SA = new Int32Array(s.length);
          sais(Int32Array.from(s), SA, s.length, 5001);
          expect(Array.from(SA)).toEqual(naive(s));
        },
      ),
      { numRuns: 30 },
    );
  });
});
