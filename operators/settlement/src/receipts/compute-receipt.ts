import type { Kysely } from 'kysely';
import { exactIntegerWeights, largestRemainder } from '../core/largest-remainder.js';
import { computeRewards } from '../core/rewards.js';
import { standingWeight } from '../core/standing-weight.js';
import { buildRewardTree, rewardLeaf, type RewardTree } from '../merkle/reward-tree.js';
import { epochContributors, scoreUnits } from '../proposal/epoch-contributors.js';
import { loadEpochInputs } from '../proposal/epoch-input-rows.js';
import { migrateProposals } from '../proposal/proposal-migrations.js';
import { currentProposal, listProposals, loadProposalPayouts, type Proposal } from '../proposal/proposal-store.js';
import { findSpan, findSpanAt, parseEvidence, type Offsets } from './span-offsets.js';

export interface ReceiptSpan {
  text: string;
  /** Word position and length in the output, as attribution reported them. */
  start: number;
  length: number;
  count: number | null;
  weight: number | null;
  /** Character offsets of the span in the output and in the contribution ([start, end)), null when not found. */
  output: Offsets;
  contribution: Offsets;
}

export interface ReceiptLine {
  inferenceId: string;
  model: string | null;
  adapter: string | null;
  /** The inference's fee, base units. */
  fee: string;
  contributionId: string;
  /** As attribution named the contributor. */
  contributor: string;
  score: number;
  /** The score in 1e-10 units: this line's weight within the contributor's amount. */
  units: string;
  /** This line's share of the amount (largest remainder over the lines' units): the lines add up to the amount. */
  amount: string;
  /** Left out: the contribution was revoked before this proposal (earns nothing). */
  excluded: boolean;
  evidence: { kind: 'spans'; spans: ReceiptSpan[] } | { kind: 'influence'; influence: number | null; method: string } | { kind: 'none' };
  prompt: string | null;
  output: string | null;
  contributionText: string | null;
}

export interface Receipt {
  datanet: string;
  epoch: string;
  epochNumber: string;
  status: 'proposed' | 'final' | 'superseded';
  version: number;
  proposedAt: number;
  finalAt: number;
  finalisedAt: number | null;
  reason: string;
  account: string;
  amount: string;
  /** Position of the reward leaf, its hash, the Merkle root and the proof (null when nothing is paid to the account). */
  claim: { index: number; leaf: string; root: string; proof: string[] } | null;
  auditRoot: string | null;
  method: { name: string; version: string };
  weights: {
    fees: string;
    splitBps: { platform: number; modelOwner: number; stakers: number; contributors: number };
    contributorPool: string;
    standing: number;
    standingWeight: number;
    standingFunction: { floor: number; gamma: number; defaultStanding: number };
    attribution: number;
    weight: number;
    /** The pool's share of this account: exactly pool x weight / totalWeight, as an integer fraction. */
    quota: { numerator: string; denominator: string };
    /** floor(quota): what proportional division gives before the units left over are handed out. */
    floorQuota: string;
    /** amount - floorQuota: 0 or 1 unit from the largest-remainder step (ties to the smaller address). */
    largestRemainderAdjustment: string;
  };
  lines: ReceiptLine[];
}

/** The proof at position i, whichever shape the tree gives (a proofs list or a proof function). */
function proofAt(tree: RewardTree, i: number): string[] {
  const t = tree as unknown as { proof?: (i: number) => string[]; proofs?: string[][] };
  return typeof t.proof === 'function' ? t.proof(i) : t.proofs![i];
}

/**
 * One account's receipt for an epoch (the final proposal, else the one in force, or a given
 * version), computed from the same stored rows and by the same functions as the payout: the
 * contributors' weights by `computeRewards`, their exact integers by `exactIntegerWeights`, the
 * lines' shares by `largestRemainder`. The lines add up exactly to the amount, and the amount is the
 * proposal's payout (checked: a mismatch throws rather than print a receipt that does not add up).
 */
export async function computeReceipt(
  db: Kysely<any>,
  req: { datanet: string; epoch: string; account: string; version?: number },
): Promise<Receipt | undefined> {
  await migrateProposals(db);
  const account = req.account.toLowerCase();
  const all = await listProposals(db, req.datanet, req.epoch);
  const p: Proposal | undefined =
    req.version !== undefined
      ? all.find((x) => x.version === req.version)
      : (all.find((x) => x.status === 'final') ?? (await currentProposal(db, req.datanet, req.epoch)));
  const inputs = await loadEpochInputs(db, req.datanet, req.epoch);
  if (!p || !inputs) return undefined;
  const payouts = await loadProposalPayouts(db, req.datanet, req.epoch, p.version);
  const { contributors, rows } = await epochContributors(db, req.datanet, req.epoch, p);
  const mine = rows.filter((r) => r.account === account);
  if (!mine.length && !payouts.some((x) => x.account === account)) return undefined;

  const rewards = computeRewards(p.contributorPool, contributors, p.terms.standingWeight);
  const exact = exactIntegerWeights(rewards.map((r) => r.weight));
  const total = exact.reduce((a, b) => a + b, 0n);
  const at = rewards.findIndex((r) => r.account === account);
  const r = at >= 0 ? rewards[at] : undefined;
  const payout = payouts.find((x) => x.account === account);
  const amount = payout?.amount ?? 0n;
  if ((r?.amount ?? 0n) !== amount)
    throw new Error(
      `receipt of ${account} for ${req.datanet} ${req.epoch} v${p.version}: the stored rows give ${r?.amount ?? 0n} but the proposal pays ${amount}; the inputs were altered`,
    );
  const wi = at >= 0 ? exact[at] : 0n;
  const floorQuota = total > 0n ? (p.contributorPool * wi) / total : 0n;

  let claim: Receipt['claim'] = null;
  if (payout) {
    const tree = await buildRewardTree(p.epochNumber, payouts);
    claim = { index: payout.index, leaf: rewardLeaf(p.epochNumber, payout), root: tree.root, proof: proofAt(tree, payout.index) };
  }

  const excluded = new Set(p.excluded);
  const earning = mine.filter((x) => !excluded.has(x.contributionId) && scoreUnits(x.score) > 0n);
  const shares = largestRemainder(
    amount,
    earning.map((x) => scoreUnits(x.score)),
    earning.map((x) => String(x.row).padStart(10, '0')),
  );
  const shareOf = new Map(earning.map((x, i) => [x.row, shares[i]]));
  const inferences = new Map(
    (
      await db
        .selectFrom('settlement_input_inferences')
        .selectAll()
        .where('datanet', '=', req.datanet)
        .where('epoch', '=', req.epoch)
        .where('inference_id', 'in', mine.length ? [...new Set(mine.map((x) => x.inferenceId))] : [''])
        .execute()
    ).map((x: Record<string, any>) => [x.inference_id as string, x]),
  );
  const texts = new Map(
    (
      await db
        .selectFrom('settlement_input_texts')
        .select(['contribution_id', 'text'])
        .where('datanet', '=', req.datanet)
        .where('epoch', '=', req.epoch)
        .where('contribution_id', 'in', mine.length ? [...new Set(mine.map((x) => x.contributionId))] : [''])
        .execute()
    ).map((x: Record<string, any>) => [x.contribution_id as string, x.text as string]),
  );
  const lines: ReceiptLine[] = mine.map((x) => {
    const inf = inferences.get(x.inferenceId);
    const output: string | null = inf?.output ?? null;
    const text = texts.get(x.contributionId) ?? null;
    const ev = parseEvidence(x.evidence);
    return {
      inferenceId: x.inferenceId,
      model: inf?.model ?? null,
      adapter: inf?.adapter ?? null,
      fee: inf ? String(inf.fee) : '0',
      contributionId: x.contributionId,
      contributor: x.contributor,
      score: x.score,
      units: scoreUnits(x.score).toString(),
      amount: (shareOf.get(x.row) ?? 0n).toString(),
      excluded: excluded.has(x.contributionId),
      evidence:
        ev.kind === 'spans'
          ? {
              kind: 'spans',
              spans: ev.spans.map((s) => ({
                text: s.text,
                start: s.start,
                length: s.length,
                count: s.count ?? null,
                weight: s.weight ?? null,
                output: findSpanAt(output, s.text, s.start, s.length),
                contribution: findSpan(text, s.text),
              })),
            }
          : ev,
      prompt: inf?.prompt ?? null,
      output,
      contributionText: text,
    };
  });
  const standing = r?.standing ?? p.terms.standingWeight.defaultStanding;
  return {
    datanet: req.datanet,
    epoch: req.epoch,
    epochNumber: p.epochNumber.toString(),
    status: p.status,
    version: p.version,
    proposedAt: p.proposedAt,
    finalAt: p.finalAt,
    finalisedAt: p.finalisedAt,
    reason: p.reason,
    account,
    amount: amount.toString(),
    claim,
    auditRoot: p.finalAuditHash,
    method: { name: inputs.method, version: inputs.methodVersion },
    weights: {
      fees: p.fees.toString(),
      splitBps: p.terms.split,
      contributorPool: p.contributorPool.toString(),
      standing,
      standingWeight: standingWeight(standing, p.terms.standingWeight),
      standingFunction: p.terms.standingWeight,
      attribution: r?.attribution ?? 0,
      weight: r?.weight ?? 0,
      quota: { numerator: (p.contributorPool * wi).toString(), denominator: total.toString() },
      floorQuota: floorQuota.toString(),
      largestRemainderAdjustment: (amount - floorQuota).toString(),
    },
    lines,
  };
}

/** Every account with a receipt in the epoch (paid, or attributed and excluded), sorted. */
export async function receiptAccounts(db: Kysely<any>, datanet: string, epoch: string): Promise<string[]> {
  await migrateProposals(db);
  const rows = await db
    .selectFrom('settlement_input_attributions')
    .select('account')
    .distinct()
    .where('datanet', '=', datanet)
    .where('epoch', '=', epoch)
    .orderBy('account')
    .execute();
  return rows.map((r: Record<string, any>) => r.account as string);
}
