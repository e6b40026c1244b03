import { describe, expect, it } from 'vitest';
import { epochAt, epochOfDate, parseEpoch, resolveEpoch, splitFees } from '../src/index.js';

describe('epochs', () => {
  it('is a UTC day by id, numbered YYYYMMDD', () => {
    const e = parseEpoch('2026-11-24@UTC');
    expect(e.startMs).toBe(Date.UTC(2026, 10, 24));
    expect(e.endMs - e.startMs).toBe(86_400_000);
    expect(e.number).toBe(20261124n);
  });

  it('follows the zone: Paris midnight is 23:00 UTC in winter, and the spring-forward day has 23 hours', () => {
    expect(epochOfDate('2026-11-24', 'Europe/Paris').startMs).toBe(Date.UTC(2026, 10, 23, 23));
    const dst = epochOfDate('2026-03-29', 'Europe/Paris');
    expect((dst.endMs - dst.startMs) / 3_600_000).toBe(23);
    const back = epochOfDate('2026-10-25', 'America/New_York');
    expect((back.endMs - back.startMs) / 3_600_000).toBe(24);
    expect((epochOfDate('2026-11-01', 'America/New_York').endMs - epochOfDate('2026-11-01', 'America/New_York').startMs) / 3_600_000).toBe(
      25,
    );
  });

  it('finds the epoch of an instant and "yesterday"', () => {
    const t = Date.UTC(2026, 10, 24, 23, 30);
    expect(epochAt(t, 'UTC').id).toBe('2026-11-24@UTC');
    expect(epochAt(t, 'Europe/Paris').id).toBe('2026-11-25@Europe/Paris');
    expect(resolveEpoch('yesterday', 'UTC', t).id).toBe('2026-11-23@UTC');
  });

  it('explains bad epochs', () => {
    expect(() => parseEpoch('2026-11-24')).toThrow(/no time zone: write it as YYYY-MM-DD@ZONE/);
    expect(() => parseEpoch('2026-02-30@UTC')).toThrow(/not a calendar day/);
    expect(() => parseEpoch('2026-11-24@Mars/Olympus')).toThrow(/not an IANA zone/);
  });
});

describe('fee split', () => {
  it('splits exactly by basis points', () => {
    const s = splitFees(1_000_003n, { platform: 3333, modelOwner: 3333, stakers: 3334, contributors: 0 });
    expect(s.platform + s.modelOwner + s.stakers + s.contributors).toBe(1_000_003n);
    expect(s.contributors).toBe(0n);
    expect(s.stakers).toBe(333_401n);
  });
});
