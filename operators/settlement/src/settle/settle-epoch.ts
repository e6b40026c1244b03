import type { Kysely } from 'kysely';
import type { Epoch } from '../core/epoch.js';
import type { FeeSplitBps } from '../core/fee-split.js';
import { planSettlement, type Payout, type SettlementPlan } from '../core/plan-settlement.js';
import type { ContributorAttribution } from '../core/rewards.js';
import type { StandingWeight } from '../core/standing-weight.js';
import { buildRewardTree, REWARD_LEAF_ENCODING, type RewardTree } from '../merkle/reward-tree.js';
import { loadPayouts, loadSettlement, recordSettlement, type StoredSettlement } from '../store/settlement-store.js';

export interface SettleOptions {
  datanet: string;
  epoch: Epoch;
  split: FeeSplitBps;
  standingWeight: StandingWeight;
  runId?: string;
  /** Reads the epoch's fees and contributors (also on a re-run, to tell when the inputs changed). */
  load(): Promise<{ fees: bigint; contributors: ContributorAttribution[] }>;
}

export interface SettleResult {
  settlement: StoredSettlement;
  payouts: Payout[];
  tree: RewardTree | null;
  /** False: the epoch was settled before (by this or another run); nothing was paid now. */
  created: boolean;
  /** Set when a re-run brought other inputs than the stored settlement's. */
  inputsChanged?: { stored: string; now: string };
}

export async function treeOf(epochNumber: bigint, payouts: readonly Payout[]): Promise<RewardTree | null> {
  return payouts.length ? buildRewardTree(epochNumber, payouts) : null;
}

/**
 * Settles one epoch exactly once. A settled epoch is returned as stored (its tree rebuilt from the
 * stored payouts, which gives the same root); otherwise the plan is computed, its tree built, and
 * everything recorded in one transaction.
 */
export async function settleEpoch(db: Kysely<any>, opts: SettleOptions): Promise<SettleResult> {
  const loaded = await opts.load();
  const plan: SettlementPlan = planSettlement({
    datanet: opts.datanet,
    epoch: opts.epoch,
    fees: loaded.fees,
    split: opts.split,
    standingWeight: opts.standingWeight,
    contributors: loaded.contributors,
  });
  const stored = await loadSettlement(db, opts.datanet, opts.epoch.id);
  if (stored) return withChange(await fromStore(db, stored), plan);
  // The tree is hashed in the kernel threads while PostgreSQL takes the payouts and ledger.
  const building = treeOf(plan.epochNumber, plan.payouts);
  const recording = recordSettlement(db, plan, { merkleRoot: building.then((t) => t?.root ?? null), runId: opts.runId });
  const [tree, { settlement, created }] = await Promise.all([building, recording]);
  if (!created) return withChange(await fromStore(db, settlement), plan);
  return { settlement, payouts: plan.payouts, tree, created };
}

function withChange(result: SettleResult, plan: SettlementPlan): SettleResult {
  const stored = result.settlement.inputsDigest;
  return stored === plan.inputsDigest ? result : { ...result, inputsChanged: { stored, now: plan.inputsDigest } };
}

async function fromStore(db: Kysely<any>, stored: StoredSettlement): Promise<SettleResult> {
  const payouts = await loadPayouts(db, stored.datanet, stored.epoch);
  const tree = await treeOf(stored.epochNumber, payouts);
  if ((tree?.root ?? null) !== stored.merkleRoot) {
    throw new Error(
      `settlement ${stored.datanet} ${stored.epoch}: stored payouts give root ${tree?.root} but the record says ${stored.merkleRoot}; the ledger was altered`,
    );
  }
  return { settlement: stored, payouts, tree, created: false };
}

/**
 * The exported rewards file: the OZ tree dump plus each account's claim and proof. Proofs are
 * inlined up to `inlineProofsUpTo` claims: at 1M claims they would be ~1.4 GB of JSON, and any
 * proof can be derived from the dump (`StandardMerkleTree.load(tree).getProof(i)`) or printed by
 * `datanet rewards --contributor`.
 */
export function rewardsFile(result: SettleResult, inlineProofsUpTo = 50_000) {
  const s = result.settlement;
  const inline = result.payouts.length <= inlineProofsUpTo;
  return {
    datanet: s.datanet,
    epoch: s.epoch,
    epochNumber: s.epochNumber.toString(),
    root: result.tree?.root ?? null,
    total: s.paid.toString(),
    leafEncoding: result.tree ? [...REWARD_LEAF_ENCODING] : null,
    tree: result.tree?.dump() ?? null,
    proofsInline: inline,
    claims: result.payouts.map((p, i) => ({
      index: p.index,
      account: p.account,
      amount: p.amount.toString(),
      ...(inline ? { proof: result.tree!.proof(i) } : {}),
    })),
  };
}
