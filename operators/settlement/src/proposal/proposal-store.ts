import type { Kysely } from 'kysely';
import type { Payout } from '../core/plan-settlement.js';
import type { EpochTerms } from './epoch-contributors.js';
import { migrateProposals } from './proposal-migrations.js';

export type ProposalStatus = 'proposed' | 'superseded' | 'final';

export interface SettlementTerms {
  split: { platform: number; modelOwner: number; stakers: number; contributors: number };
  standingWeight: { floor: number; gamma: number; defaultStanding: number };
}

export interface Proposal extends EpochTerms {
  datanet: string;
  epoch: string;
  version: number;
  status: ProposalStatus;
  epochNumber: bigint;
  inputsDigest: string;
  fees: bigint;
  contributorPool: bigint;
  paid: bigint;
  unallocated: bigint;
  merkleRoot: string | null;
  terms: SettlementTerms;
  /** Why this proposal was made: `first proposal`, or the revocations that caused a re-settlement. */
  reason: string;
  proposedAt: number;
  /** When it becomes final unless a dispute against a contribution it pays is upheld first. */
  finalAt: number;
  finalisedAt: number | null;
  /** Hash of its `settlement.proposed` audit entry. */
  auditHash: string | null;
  /** Hash of its `settlement.finalised` entry: the epoch's audit root, committed on-chain. */
  finalAuditHash: string | null;
  paidSetRoot: string | null;
  runId: string | null;
  /** Revision of the epoch's inputs it was made from (0: as first captured). */
  inputsRevision: number;
}

const big = (v: unknown) => BigInt(String(v));
const optNum = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function proposalFromRow(r: Record<string, any>): Proposal {
  return {
    datanet: r.datanet,
    epoch: r.epoch,
    version: Number(r.version),
    status: r.status,
    epochNumber: big(r.epoch_number),
    inputsDigest: r.inputs_digest,
    fees: big(r.fees),
    contributorPool: big(r.contributor_pool),
    paid: big(r.paid),
    unallocated: big(r.unallocated),
    merkleRoot: r.merkle_root ?? null,
    terms: JSON.parse(r.terms),
    excluded: JSON.parse(r.excluded),
    standingOverrides: JSON.parse(r.standing_overrides),
    reason: r.reason,
    proposedAt: Number(r.proposed_at),
    finalAt: Number(r.final_at),
    finalisedAt: optNum(r.finalised_at),
    auditHash: r.audit_hash ?? null,
    finalAuditHash: r.final_audit_hash ?? null,
    paidSetRoot: r.paid_set_root ?? null,
    runId: r.run_id ?? null,
    inputsRevision: Number(r.inputs_revision ?? 0),
  };
}

/** Every proposal of an epoch, oldest first. */
export async function listProposals(db: Kysely<any>, datanet: string, epoch?: string): Promise<Proposal[]> {
  await migrateProposals(db);
  let q = db.selectFrom('settlement_proposals').selectAll().where('datanet', '=', datanet);
  if (epoch) q = q.where('epoch', '=', epoch);
  return (await q.orderBy('epoch').orderBy('version').execute()).map(proposalFromRow);
}

/** The newest proposal of an epoch (the one in force), if any. */
export async function currentProposal(db: Kysely<any>, datanet: string, epoch: string): Promise<Proposal | undefined> {
  await migrateProposals(db);
  const r = await db
    .selectFrom('settlement_proposals')
    .selectAll()
    .where('datanet', '=', datanet)
    .where('epoch', '=', epoch)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? proposalFromRow(r) : undefined;
}

export async function loadProposalPayouts(db: Kysely<any>, datanet: string, epoch: string, version: number): Promise<Payout[]> {
  await migrateProposals(db);
  const rows = await db
    .selectFrom('settlement_proposal_payouts')
    .selectAll()
    .where('datanet', '=', datanet)
    .where('epoch', '=', epoch)
    .where('version', '=', version)
    .orderBy('idx')
    .execute();
  return rows.map((r: Record<string, any>) => ({
    index: Number(r.idx),
    account: r.account,
    amount: big(r.amount),
    attribution: Number(r.attribution),
    standing: Number(r.standing),
  }));
}
