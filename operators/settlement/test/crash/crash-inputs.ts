import type { ContributorAttribution } from '../../src/core/rewards.js';
import { address, rng } from '../fixtures.js';

export const CRASH_SPLIT = { platform: 1000, modelOwner: 2000, stakers: 500, contributors: 6500 };
export const CRASH_WEIGHT = { floor: 0.2, gamma: 1.5, defaultStanding: 0.5 };
export const CRASH_CONTRIBUTORS = 800;

export function crashEpochs(): string[] {
  return ['2026-11-20', '2026-11-21', '2026-11-22'];
}

/** The same fees and attribution for an epoch in every process. */
export function crashInputs(date: string): { fees: bigint; contributors: ContributorAttribution[] } {
  const r = rng(Number(date.replaceAll('-', '')));
  const contributors = Array.from({ length: CRASH_CONTRIBUTORS }, (_, i) => ({
    account: address(i),
    attribution: i % 13 === 0 ? 0 : r() * 10,
    standing: r(),
  }));
  return { fees: 10n ** 21n + BigInt(Math.floor(r() * 1e9)), contributors };
}
