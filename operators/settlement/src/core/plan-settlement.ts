import { createHash } from 'node:crypto';
import type { Epoch } from './epoch.js';
import { splitFees, type FeeSplit, type FeeSplitBps } from './fee-split.js';
import { computeRewards, type ContributorAttribution } from './rewards.js';
import type { StandingWeight } from './standing-weight.js';

export interface SettlementInput {
  datanet: string;
  epoch: Epoch;
  /** Net fees of the epoch's inferences, base units. */
  fees: bigint;
  split: FeeSplitBps;
  standingWeight: StandingWeight;
  /** One row per contributor account (lower-case 0x address), attribution summed over the epoch. */
  contributors: ContributorAttribution[];
}

export interface Payout {
  /** Position in the epoch's claim list (accounts in ascending order, non-zero amounts only). */
  index: number;
  account: string;
  amount: bigint;
  attribution: number;
  standing: number;
}

export interface SettlementPlan {
  datanet: string;
  epoch: string;
  epochNumber: bigint;
  fees: bigint;
  split: FeeSplit;
  payouts: Payout[];
  paid: bigint;
  /** Contributor pool left unpaid because nobody had positive weight; it stays on its own account. */
  unallocated: bigint;
  /** sha256 of the canonical inputs: a re-run with other inputs is detected, never paid again. */
  inputsDigest: string;
}

export interface LedgerPosting {
  txn: string;
  line: number;
  account: string;
  /** Debits negative, credits positive; each txn sums to zero. */
  amount: bigint;
}

export const LEDGER_ACCOUNTS = {
  fees: 'fees',
  platform: 'platform',
  modelOwner: 'model-owner',
  stakers: 'stakers',
  pool: 'contributor-pool',
  unallocated: 'unallocated',
  contributor: (account: string) => `contributor:${account}`,
} as const;

/** Pure: fees -> split -> standing-weighted exact shares -> payouts. Same input, same plan. */
export function planSettlement(input: SettlementInput): SettlementPlan {
  if (input.fees < 0n) throw new Error(`fees of epoch ${input.epoch.id} are negative (${input.fees})`);
  const split = splitFees(input.fees, input.split);
  const rewards = computeRewards(split.contributors, input.contributors, input.standingWeight);
  const payouts: Payout[] = [];
  const hash = createHash('sha256');
  hash.update(JSON.stringify([input.datanet, input.epoch.id, input.fees.toString(), input.split, input.standingWeight]));
  let paid = 0n;
  // The digest is of the same text as one update per row; updates of ~4k rows cost far fewer calls.
  let text = '';
  for (let i = 0; i < rewards.length; i++) {
    const r = rewards[i];
    text += `\n${r.account}\t${r.attribution}\t${r.standing}`;
    if (i % 4096 === 4095) {
      hash.update(text);
      text = '';
    }
    if (r.amount === 0n) continue;
    payouts.push({ index: payouts.length, account: r.account, amount: r.amount, attribution: r.attribution, standing: r.standing });
    paid += r.amount;
  }
  hash.update(text);
  return {
    datanet: input.datanet,
    epoch: input.epoch.id,
    epochNumber: input.epoch.number,
    fees: input.fees,
    split,
    payouts,
    paid,
    unallocated: split.contributors - paid,
    inputsDigest: 'sha256:' + hash.digest('hex'),
  };
}

/**
 * The epoch's double-entry postings: the fee split, then one balanced `payouts` transaction that
 * debits the pool once by the total paid and credits each contributor (line = payout index + 1).
 * One transaction rather than one per payout halves the rows of a 1M-contributor epoch.
 */
export function* ledgerPostings(plan: SettlementPlan): Generator<LedgerPosting> {
  const A = LEDGER_ACCOUNTS;
  const s = plan.split;
  yield { txn: 'fees', line: 0, account: A.fees, amount: -plan.fees };
  yield { txn: 'fees', line: 1, account: A.platform, amount: s.platform };
  yield { txn: 'fees', line: 2, account: A.modelOwner, amount: s.modelOwner };
  yield { txn: 'fees', line: 3, account: A.stakers, amount: s.stakers };
  yield { txn: 'fees', line: 4, account: A.pool, amount: s.contributors };
  if (plan.payouts.length) yield { txn: 'payouts', line: 0, account: A.pool, amount: -plan.paid };
  for (const p of plan.payouts) yield { txn: 'payouts', line: p.index + 1, account: A.contributor(p.account), amount: p.amount };
  if (plan.unallocated > 0n) {
    yield { txn: 'unallocated', line: 0, account: A.pool, amount: -plan.unallocated };
    yield { txn: 'unallocated', line: 1, account: A.unallocated, amount: plan.unallocated };
  }
}
