import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { acceptanceRate, dailyWindow, standingFrom } from '../src/index.js';

const policy = fc.record({
  prior: fc.double({ min: 0.01, max: 1000, noNaN: true }),
  revokePenalty: fc.double({ min: 0, max: 100, noNaN: true }),
});
const counts = fc.record({ accepted: fc.nat(100_000), revoked: fc.nat(100_000), rejected: fc.nat(100_000) });

describe('standing policy', () => {
  it('stays in [0, 1]', () => {
    fc.assert(
      fc.property(counts, policy, (c, p) => {
        const s = standingFrom(c, p);
        return s >= 0 && s <= 1;
      }),
    );
  });

  it('a rejection never lowers standing', () => {
    fc.assert(
      fc.property(
        counts,
        policy,
        fc.integer({ min: 1, max: 1000 }),
        (c, p, more) => standingFrom({ ...c, rejected: c.rejected + more }, p) >= standingFrom(c, p),
      ),
    );
  });

  it('revoking an accepted contribution lowers standing', () => {
    fc.assert(
      fc.property(counts, policy, (c, p) => {
        fc.pre(c.accepted > 0);
        return standingFrom({ ...c, accepted: c.accepted - 1, revoked: c.revoked + 1 }, p) < standingFrom(c, p);
      }),
    );
  });

  it('is earned: more accepted data never lowers standing', () => {
    fc.assert(fc.property(counts, policy, (c, p) => standingFrom({ ...c, accepted: c.accepted + 1 }, p) >= standingFrom(c, p)));
  });

  it('matches the documented formula', () => {
    expect(standingFrom({ accepted: 90, revoked: 0 })).toBeCloseTo(0.9);
    expect(standingFrom({ accepted: 90, revoked: 2 }, { prior: 10, revokePenalty: 5 })).toBeCloseTo(90 / 110);
    expect(() => standingFrom({ accepted: 1, revoked: 0 }, { prior: 0, revokePenalty: 1 })).toThrow(/prior must be > 0/);
    expect(acceptanceRate(3, 4)).toBe(0.75);
    expect(acceptanceRate(0, 0)).toBe(0);
  });
});

describe('daily window', () => {
  it('resets at the next local midnight of the configured zone', () => {
    const noon = Date.UTC(2026, 10, 24, 12);
    expect(dailyWindow(noon, 'UTC')).toEqual({ day: '2026-11-24', resetsAt: Date.UTC(2026, 10, 25) });
    // Tokyo is UTC+9: 12:00Z is 21:00 local; midnight local is 15:00Z.
    expect(dailyWindow(noon, 'Asia/Tokyo')).toEqual({ day: '2026-11-24', resetsAt: Date.UTC(2026, 10, 24, 15) });
    // New York on the night summer time ends (2026-11-01): local midnight of Nov 2 is 05:00Z.
    expect(dailyWindow(Date.UTC(2026, 10, 1, 16), 'America/New_York')).toEqual({ day: '2026-11-01', resetsAt: Date.UTC(2026, 10, 2, 5) });
  });
});
