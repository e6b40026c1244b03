import type { Kysely } from 'kysely';
import { ZeroHash, id as keccakId } from 'ethers';
import { DisputePolicySchema, openRegistry, recordContributions, standingOf } from '@datanet/datanet';
import { listDisputes, openDispute, resolveDispute } from '@datanet/accountability';
import {
  advanceSettlement,
  buildRewardTree,
  loadAttributionRows,
  loadPayouts,
  parseEpoch,
  recordEpochInputs,
  type EpochState,
} from '@datanet/settlement';
import type { DatanetChain } from '@datanet/connector-evm';
import { commitEpoch } from '../../src/commit/commit-epoch.js';
import { parseRewards } from '../../src/commit/epoch-inputs.js';

export const DATANET = 'crash-acct';
export const EPOCH = parseEpoch('2026-11-20@UTC');
export const STEWARD = '0x' + '5'.repeat(40);
const HOUR = 3_600_000;
const WINDOW = 24 * HOUR;
const T0 = EPOCH.endMs + HOUR;
const K = 6;
const PER = 8;
const N = 60;
const TERMS = {
  split: { platform: 1000, modelOwner: 2000, stakers: 1000, contributors: 6000 },
  standingWeight: { floor: 0.25, gamma: 1, defaultStanding: 0.5 },
};

export const address = (i: number) => '0x' + (i * 104729 + 17).toString(16).padStart(40, '0');

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const PHASES = ['propose', 'dispute', 'resettle', 'finalise', 'commit'] as const;
export type Phase = (typeof PHASES)[number];

/** Registry and captured epoch, deterministic; both writes are idempotent. */
async function seed(db: Kysely<any>): Promise<void> {
  await openRegistry(db, 'postgres');
  const records = [];
  for (let i = 0; i < K; i++)
    for (let j = 0; j < PER; j++)
      records.push({
        id: `c${i}-${j}`,
        datanet: DATANET,
        contributor: address(i),
        submissionId: `sub-${i}`,
        sourceFile: 'f.jsonl',
        recordIndex: j,
        licence: 'CC-BY-4.0',
        consent: 'train',
        submittedAt: EPOCH.startMs,
        validatorVersion: 'test',
      });
  await recordContributions(db, records, { now: EPOCH.startMs });
  const r = rng(99);
  const inferences = [];
  const attributions = [];
  for (let n = 0; n < N; n++) {
    const inferenceId = `inf-${n}`;
    inferences.push({
      inferenceId,
      fee: BigInt(1 + Math.floor(r() * 1e6)) * 10n ** 12n,
      time: EPOCH.startMs + n * 60_000,
      output: `answer ${n}`,
    });
    const parts = 1 + Math.floor(r() * 3);
    for (let p = 0; p < parts; p++) {
      const c = Math.floor(r() * K);
      attributions.push({
        inferenceId,
        contributionId: `c${c}-${Math.floor(r() * PER)}`,
        contributor: address(c),
        account: address(c),
        score: r() / parts,
        evidence: null,
      });
    }
  }
  const standing = [];
  for (let i = 0; i < K; i++) standing.push({ contributor: address(i), standing: await standingOf(db, DATANET, address(i)) });
  await recordEpochInputs(db, {
    datanet: DATANET,
    epoch: EPOCH,
    inferences,
    attributions,
    standing,
    method: 'attribution.spans',
    methodVersion: 'sha256:crash',
    now: T0,
  });
}

const advance = (db: Kysely<any>, now: number): Promise<EpochState> =>
  advanceSettlement(db, { datanet: DATANET, epoch: EPOCH.id, terms: TERMS, windowMs: WINDOW, now });

/** The disputed contribution: contributor 0's highest-scored one. */
async function target(db: Kysely<any>): Promise<string> {
  const rows = await loadAttributionRows(db, DATANET, EPOCH.id, address(0));
  return [...rows].sort((a, b) => b.score - a.score || a.row - b.row)[0].contributionId;
}

/**
 * One phase of the accountability loop, idempotent: a process killed anywhere in it and started
 * again continues from what the store (and the chain) hold.
 */
export async function runPhase(db: Kysely<any>, phase: Phase, chain?: () => Promise<DatanetChain>): Promise<void> {
  if (phase === 'propose') {
    await seed(db);
    await advance(db, T0);
  } else if (phase === 'dispute') {
    const contributionId = await target(db);
    const existing = (await listDisputes(db, { datanet: DATANET, contributionId }))[0];
    const dispute =
      existing ??
      (
        await openDispute(db, {
          datanet: DATANET,
          contributionId,
          filer: STEWARD,
          role: 'steward',
          reason: 'poisoning',
          evidence: 'the answer carries an instruction planted to skew the model',
          policy: DisputePolicySchema.parse({}),
          now: T0 + HOUR,
        })
      ).dispute;
    await resolveDispute(db, { id: dispute.id, decision: 'upheld', actor: STEWARD, via: 'steward', now: T0 + 2 * HOUR });
  } else if (phase === 'resettle') {
    await advance(db, T0 + 3 * HOUR);
  } else if (phase === 'finalise') {
    const s = await advance(db, T0 + 3 * HOUR + WINDOW);
    if (s.state !== 'final') throw new Error(`expected a final epoch, got ${s.state}`);
  } else {
    const s = await advance(db, T0 + 3 * HOUR + WINDOW);
    if (s.state !== 'final') throw new Error(`expected a final epoch, got ${s.state}`);
    const payouts = await loadPayouts(db, DATANET, EPOCH.id);
    const tree = await buildRewardTree(EPOCH.number, payouts);
    const proofOf = (i: number) => ((tree as any).proof ? (tree as any).proof(i) : (tree as any).proofs[i]) as string[];
    const rewards = parseRewards(
      {
        epoch: EPOCH.number.toString(),
        root: tree.root,
        claims: payouts.map((p, i) => ({ index: p.index, account: p.account, amount: p.amount.toString(), proof: proofOf(i) })),
      },
      'crash rewards',
      EPOCH.number,
    );
    await commitEpoch(await chain!(), {
      datanet: DATANET,
      epoch: Number(EPOCH.number),
      roots: {
        datasetRoot: keccakId('crash dataset'),
        contributionsRoot: ZeroHash,
        modelHash: ZeroHash,
        settlementRoot: tree.root,
        auditRoot: s.proposal.finalAuditHash!,
      },
      metadataURI: '',
      rewards,
    });
  }
}
