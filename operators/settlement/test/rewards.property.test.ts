import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeRewards, exactIntegerWeights, largestRemainder, type ContributorAttribution } from '../src/index.js';

const RUNS = 10_000;
const address = (n: number) => '0x' + n.toString(16).padStart(40, '0');

const standingFn = fc.record({
  floor: fc.double({ min: 0, max: 0.9, noNaN: true }),
  gamma: fc.double({ min: 0.25, max: 4, noNaN: true }),
  defaultStanding: fc.constant(0.5),
});

// Attribution sums are zero for some contributors on purpose; standings come on a 1/1000 grid.
const entries = fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 24 }).chain((ids) =>
  fc.tuple(
    ...ids.map((id) =>
      fc.record({
        account: fc.constant(address(id)),
        attribution: fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1e6, noNaN: true })),
        standing: fc.integer({ min: 0, max: 1000 }).map((k) => k / 1000),
      }),
    ),
  ),
);
const pool = fc.bigInt({ min: 0n, max: 10n ** 30n });

function total(amounts: bigint[]): bigint {
  return amounts.reduce((a, b) => a + b, 0n);
}

describe('largestRemainder (exact apportionment)', () => {
  const weights = fc.array(fc.bigInt({ min: 0n, max: 10n ** 24n }), { minLength: 1, maxLength: 30 });

  it('sums exactly to the total, and every share is within one unit of its exact quota', () => {
    fc.assert(
      fc.property(pool, weights, (t, w) => {
        const keys = w.map((_, i) => address(i));
        const out = largestRemainder(t, w, keys);
        const W = total(w);
        expect(total(out)).toBe(W === 0n ? 0n : t);
        // |amount - t*w/W| < 1  <=>  |amount*W - t*w| < W
        for (let i = 0; i < w.length && W > 0n; i++) {
          const diff = out[i] * W - t * w[i];
          expect(diff > -W && diff < W).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('gives nothing to zero weights', () => {
    fc.assert(
      fc.property(pool, weights, (t, w) => {
        const out = largestRemainder(
          t,
          w,
          w.map((_, i) => address(i)),
        );
        w.forEach((x, i) => {
          if (x === 0n) expect(out[i]).toBe(0n);
        });
      }),
      { numRuns: RUNS },
    );
  });

  // Above 64 shares the leftover units go by a native sort of doubles with an exact band around
  // the threshold: it must pick exactly what a full exact sort picks, near-ties and ties included.
  it('hands the leftover units out exactly as a full sort of the remainders would, on large inputs', () => {
    const reference = (t: bigint, w: bigint[], keys: string[]) => {
      const W = total(w);
      const out = w.map((x) => (t * x) / W);
      const rem = w.map((x) => (t * x) % W);
      const order = w.map((_, i) => i).sort((a, b) => (rem[a] > rem[b] ? -1 : rem[a] < rem[b] ? 1 : keys[a] < keys[b] ? -1 : 1));
      let left = t - total(out);
      for (const i of order) {
        if (left === 0n || rem[i] === 0n) break;
        out[i] += 1n;
        left--;
      }
      return out;
    };
    // Weights that collide (few distinct values), differ in the last bits only, or are spread wide.
    const big = fc.oneof(
      fc.array(fc.constantFrom(1n, 2n, 3n, 7n, 10n ** 18n, 10n ** 18n + 1n), { minLength: 65, maxLength: 3000 }),
      fc.array(fc.bigInt({ min: (1n << 80n) - 1000n, max: (1n << 80n) + 1000n }), { minLength: 65, maxLength: 3000 }),
      fc.array(fc.bigInt({ min: 0n, max: 10n ** 30n }), { minLength: 65, maxLength: 3000 }),
    );
    fc.assert(
      fc.property(pool, big, fc.integer({ min: 0, max: 1000 }), (t, w, salt) => {
        const keys = w.map((_, i) => address((i * 7919 + salt) % 1_000_003));
        if (new Set(keys).size !== keys.length || total(w) === 0n) return;
        expect(largestRemainder(t, w, keys)).toEqual(reference(t, w, keys));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the order of the doubles it converts, exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e300, noNaN: true }), { minLength: 2, maxLength: 10 }), (xs) => {
        const ints = exactIntegerWeights(xs);
        for (let i = 1; i < xs.length; i++) {
          expect(Math.sign(xs[i] - xs[0])).toBe(ints[i] > ints[0] ? 1 : ints[i] < ints[0] ? -1 : 0);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** The integers by definition: each double as mantissa x 2^unit, all shifted by the smallest unit. */
function referenceWeights(xs: number[]): bigint[] {
  const view = new DataView(new ArrayBuffer(8));
  const parts = xs.map((x) => {
    if (x === 0) return { m: 0n, e: Infinity };
    view.setFloat64(0, x);
    const bexp = (view.getUint32(0) >>> 20) & 0x7ff;
    const frac = (BigInt(view.getUint32(0) & 0xfffff) << 32n) | BigInt(view.getUint32(4));
    return bexp === 0 ? { m: frac, e: -1074 } : { m: frac | (1n << 52n), e: bexp - 1075 };
  });
  const minE = Math.min(...parts.map((p) => p.e));
  return parts.map((p) => (p.m === 0n ? 0n : p.m << BigInt(p.e - minE)));
}

describe('exactIntegerWeights', () => {
  // Attribution-like sums (one scaled product per weight) and spreads that take the exact route.
  const narrow = fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-9, max: 1e9, noNaN: true })), { minLength: 1, maxLength: 40 });
  const wide = fc.array(fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }), { minLength: 1, maxLength: 10 });
  const tiny = fc.array(fc.double({ min: 0, max: 1e-300, noNaN: true }), { minLength: 1, maxLength: 10 });
  it('gives exactly the mantissa x 2^(unit - smallest unit) integers, subnormals and wide spreads included', () => {
    fc.assert(
      fc.property(fc.oneof(narrow, wide, tiny), (xs) => {
        expect(exactIntegerWeights(xs)).toEqual(referenceWeights(xs));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('computeRewards (standing-weighted attribution shares)', () => {
  it('pays the whole pool exactly when anyone has weight, each within one unit of pool x weight / sum', () => {
    fc.assert(
      fc.property(pool, entries, standingFn, (p, es, fn) => {
        const r = computeRewards(p, es, fn);
        // Weight is zero with no attribution, or with floor 0 and standing 0.
        const anyone = r.some((x) => x.weight > 0);
        expect(total(r.map((x) => x.amount))).toBe(anyone ? p : 0n);
        const ints = exactIntegerWeights(r.map((x) => x.weight));
        const W = total(ints);
        r.forEach((x, i) => {
          const diff = x.amount * W - p * ints[i];
          if (W > 0n) expect(diff > -W && diff < W).toBe(true);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('pays nothing to a contributor with zero attribution', () => {
    fc.assert(
      fc.property(pool, entries, standingFn, (p, es, fn) => {
        for (const x of computeRewards(p, es, fn)) if (x.attribution === 0) expect(x.amount).toBe(0n);
      }),
      { numRuns: RUNS },
    );
  });

  it('does not depend on the order of the input', () => {
    fc.assert(
      fc.property(pool, entries, standingFn, fc.array(fc.integer(), { minLength: 24, maxLength: 24 }), (p, es, fn, keys) => {
        const shuffled = es
          .map((e, i) => ({ e, k: keys[i] }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.e);
        const a = computeRewards(p, es, fn);
        const b = computeRewards(p, shuffled, fn);
        expect(b.map((x) => [x.account, x.amount])).toEqual(a.map((x) => [x.account, x.amount]));
      }),
      { numRuns: RUNS },
    );
  });

  it('never pays a contributor with higher standing and equal attribution less', () => {
    fc.assert(
      fc.property(
        pool,
        entries,
        standingFn,
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 1, max: 1000 }),
        (p, es, fn, attribution, low, gap) => {
          const hi: ContributorAttribution = { account: address(2_000_001), attribution, standing: Math.min(1, (low + gap) / 1000) };
          const lo: ContributorAttribution = { account: address(2_000_000), attribution, standing: low / 1000 };
          // Both orders of addresses, so the address tie-break never hides a violation.
          for (const [a, b] of [
            [hi, lo],
            [
              { ...hi, account: lo.account },
              { ...lo, account: hi.account },
            ],
          ]) {
            const r = computeRewards(p, [...es, a, b], fn);
            const amt = (acc: string) => r.find((x) => x.account === acc)!.amount;
            expect(amt(a.account) >= amt(b.account)).toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
