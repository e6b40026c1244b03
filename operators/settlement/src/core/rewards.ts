import { exactIntegerWeights, largestRemainder } from './largest-remainder.js';
import { standingWeight, type StandingWeight } from './standing-weight.js';

export interface ContributorAttribution {
  account: string;
  /** Sum over the epoch of the contributor's attribution scores (>= 0). */
  attribution: number;
  /** Standing in [0, 1]; `defaultStanding` when undefined. */
  standing?: number;
}

export interface Reward {
  account: string;
  attribution: number;
  standing: number;
  /** attribution * w(standing): the share is weight / sum of weights. */
  weight: number;
  amount: bigint;
}

/**
 * Contributor pool x standing-weighted attribution share, exactly: the weights are turned into
 * exact integers (no rounding) and split by largest remainder with ties to the smaller account, so
 * the amounts sum to the pool (or to 0 when nobody has positive weight) and do not depend on input
 * order. Accounts must be unique (aggregate first). Output is sorted by account.
 */
export function computeRewards(pool: bigint, entries: readonly ContributorAttribution[], fn: StandingWeight): Reward[] {
  // The aggregation hands accounts already ascending: then a linear check replaces the sort.
  let ascending = true;
  for (let i = 1; i < entries.length && ascending; i++) ascending = entries[i - 1].account < entries[i].account;
  const sorted = ascending ? entries : [...entries].sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].account === sorted[i - 1].account)
      throw new Error(`contributor ${sorted[i].account} appears twice; sum its attribution first`);
  }
  const weights = sorted.map((e, i) => {
    if (!Number.isFinite(e.attribution) || e.attribution < 0) {
      throw new Error(
        `attribution of ${sorted[i].account} is ${e.attribution}: it must be a finite number >= 0 (only positive influence is rewarded)`,
      );
    }
    const s = e.standing ?? fn.defaultStanding;
    return e.attribution === 0 ? 0 : e.attribution * standingWeight(s, fn);
  });
  const amounts = largestRemainder(
    pool,
    exactIntegerWeights(weights),
    sorted.map((e) => e.account),
  );
  return sorted.map((e, i) => ({
    account: e.account,
    attribution: e.attribution,
    standing: e.standing ?? fn.defaultStanding,
    weight: weights[i],
    amount: amounts[i],
  }));
}
