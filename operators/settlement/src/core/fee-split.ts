import { largestRemainder } from './largest-remainder.js';

/** Shares of an epoch's net fees, in basis points; they must sum to 10,000. */
export interface FeeSplitBps {
  platform: number;
  modelOwner: number;
  stakers: number;
  contributors: number;
}

export interface FeeSplit {
  platform: bigint;
  modelOwner: bigint;
  stakers: bigint;
  contributors: bigint;
}

export const FEE_PARTS = ['platform', 'modelOwner', 'stakers', 'contributors'] as const;

export function checkFeeSplit(bps: FeeSplitBps, where = 'split'): void {
  for (const part of FEE_PARTS) {
    const v = bps[part];
    if (!Number.isInteger(v) || v < 0 || v > 10_000) {
      throw new Error(`${where}.${part} is ${v}: each share must be a whole number of basis points between 0 and 10000`);
    }
  }
  const sum = FEE_PARTS.reduce((a, p) => a + bps[p], 0);
  if (sum !== 10_000) {
    const listed = FEE_PARTS.map((p) => `${p} ${bps[p]}`).join(' + ');
    throw new Error(`${where}: ${listed} = ${sum} basis points; the shares must sum to exactly 10000 (100%)`);
  }
}

/** Splits `total` base units exactly by basis points (largest remainder, ties in FEE_PARTS order). */
export function splitFees(total: bigint, bps: FeeSplitBps): FeeSplit {
  checkFeeSplit(bps);
  // Keys 'a'..'d' make the tie-break follow FEE_PARTS order: the platform absorbs a tied unit first.
  const parts = largestRemainder(
    total,
    FEE_PARTS.map((p) => BigInt(bps[p])),
    ['a', 'b', 'c', 'd'],
  );
  return { platform: parts[0], modelOwner: parts[1], stakers: parts[2], contributors: parts[3] };
}
