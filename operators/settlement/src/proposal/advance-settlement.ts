import type { Kysely } from 'kysely';
import { appendAudit, migrateAccountability } from '@datanet/accountability';
import { holdRevocationFence, standingOf } from '@datanet/datanet';
import { parseEpoch } from '../core/epoch.js';
import { planSettlement, type SettlementPlan } from '../core/plan-settlement.js';
import { buildRewardTree } from '../merkle/reward-tree.js';
import { loadSettlement, recordSettlement, type StoredSettlement } from '../store/settlement-store.js';
import { epochContributors, paidSet, paidSetDigest, revokedAmong, type EpochTerms } from './epoch-contributors.js';
import { loadEpochInputs, lockEpoch, type StoredEpochInputs } from './epoch-input-rows.js';
import { migrateProposals } from './proposal-migrations.js';
import { currentProposal, loadProposalPayouts, proposalFromRow, type Proposal, type SettlementTerms } from './proposal-store.js';

export interface AdvanceOptions {
  datanet: string;
  epoch: string;
  terms: SettlementTerms;
  /** The Datanet's challenge window: a proposal becomes final this long after it is made (0: at once). */
  windowMs: number;
  /** Standing policy of the registry, for contributors who lost a contribution since capture. */
  standingPolicy?: { prior: number; revokePenalty: number };
  runId?: string | null;
  now?: number;
  /** Who the audit entries name (default `settlement`). */
  actor?: string;
  /**
   * Called once the window has passed and the plan to record is read, just before the recording
   * transaction; a probe for tests and tracing (a revocation landing exactly there must not be paid).
   */
  beforeFinal?: () => Promise<void>;
  /**
   * Called once the epoch was read as not yet recorded, before the proposal in force is read; a
   * probe for tests (another process recording, then a revocation, right there must not lead to a
   * proposal made after the epoch was recorded).
   */
  afterSettledRead?: () => Promise<void>;
}

export type EpochState =
  | { state: 'proposed'; proposal: Proposal; finalAt: number }
  | { state: 'final'; proposal: Proposal; settlement: StoredSettlement; /** This call recorded the payouts. */ created: boolean };

const lock = lockEpoch;

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The plan of an epoch under some terms, from the stored input rows only. Same rows, same plan. */
export async function planFromStore(
  db: Kysely<any>,
  inputs: StoredEpochInputs,
  terms: SettlementTerms,
  epochTerms: EpochTerms,
): Promise<SettlementPlan> {
  const { contributors } = await epochContributors(db, inputs.datanet, inputs.epoch, epochTerms);
  return planSettlement({
    datanet: inputs.datanet,
    epoch: parseEpoch(inputs.epoch),
    fees: inputs.fees,
    split: terms.split,
    standingWeight: terms.standingWeight,
    contributors,
  });
}

/**
 * Moves an epoch's settlement one step along `proposed -> final`, from its captured inputs:
 * - no proposal yet: proposes (rewards, Merkle root, audit entry; nothing paid), final at now + window;
 * - a contribution attributed in the epoch was revoked since the proposal, or inferences that arrived
 *   late were added to its inputs: re-settles as a new proposal with a fresh window (the old one is
 *   superseded), under the terms of the proposal in force;
 * - the window has passed: records the settlement (ledger and payouts, exactly once per epoch),
 *   marks the proposal final and appends `settlement.finalised`, whose hash is the epoch's audit root.
 *   The recording transaction holds the revocation fence and reads the revoked set again: a
 *   revocation that committed after the proposal's terms were read sends it back to `proposed`.
 * Every step is one transaction or an idempotent one, so calling it again after a crash, from a
 * resumed run or a second process, continues where the store is and never pays twice.
 */
export async function advanceSettlement(db: Kysely<any>, o: AdvanceOptions): Promise<EpochState> {
  for (;;) {
    try {
      return await advanceOnce(db, o);
    } catch (e) {
      // A contribution was revoked, or late inferences added, between reading the terms and
      // recording; or another process proposed or recorded while this one planned: nothing was
      // written; go round again from the store as it is now.
      if (!(e instanceof ChangedMeanwhile)) throw e;
    }
  }
}

class ChangedMeanwhile extends Error {}

async function advanceOnce(db: Kysely<any>, o: AdvanceOptions): Promise<EpochState> {
  await migrateProposals(db);
  await migrateAccountability(db);
  const now = o.now ?? Date.now();
  const inputs = await loadEpochInputs(db, o.datanet, o.epoch);
  if (!inputs) throw new Error(`epoch ${o.epoch} of ${o.datanet} has no captured inputs; run its settlement step first`);
  const settled = await loadSettlement(db, o.datanet, o.epoch);
  if (settled) return { state: 'final', proposal: await markFinal(db, settled, o, now), settlement: settled, created: false };
  await o.afterSettledRead?.();

  let current = await currentProposal(db, o.datanet, o.epoch);
  const wanted = await epochTermsNow(db, o);
  if (!current || !sameList(current.excluded, wanted.excluded) || current.inputsRevision !== inputs.revision)
    current = await propose(db, inputs, o, wanted, now, current);
  if (now < current.finalAt) return { state: 'proposed', proposal: current, finalAt: current.finalAt };

  const plan = await planFromStore(db, inputs, current.terms, current);
  const root = plan.payouts.length ? (await buildRewardTree(plan.epochNumber, plan.payouts)).root : null;
  if (root !== current.merkleRoot) {
    // Late inferences added while this was read: go round again (re-proposes with them).
    if ((await loadEpochInputs(db, o.datanet, o.epoch))?.revision !== inputs.revision)
      throw new ChangedMeanwhile(`${o.datanet} ${o.epoch}: inferences added while planning`);
    throw new Error(
      `proposal ${current.version} of ${o.datanet} ${o.epoch}: its stored inputs now give root ${root}, not the proposed ${current.merkleRoot}; the inputs were altered`,
    );
  }
  await o.beforeFinal?.();
  const { settlement, created } = await recordSettlement(db, plan, {
    merkleRoot: root,
    runId: o.runId ?? undefined,
    now,
    // Under the epoch's lock (taken first: nothing that holds the fence or the audit lock waits
    // for it), late inferences are either added before (a new revision: re-propose) or find the
    // epoch recorded and are not added; a proposal cannot be made meanwhile.
    // Behind the fence, no revocation is in flight: the revoked set read here is the one this
    // epoch is final with. One the proposal did not exclude means it cannot become final as is.
    guard: async (trx) => {
      await lock(trx, o.datanet, o.epoch);
      if ((await inputsRevision(trx, o.datanet, o.epoch)) !== current.inputsRevision)
        throw new ChangedMeanwhile(`${o.datanet} ${o.epoch}: inferences added since the proposal`);
      await holdRevocationFence(trx, o.datanet, 'exclusive');
      const excluded = [...new Set((await revokedAmong(trx, o.datanet, o.epoch)).map((r) => r.id))].sort();
      if (!sameList(excluded, current.excluded)) throw new ChangedMeanwhile(`${o.datanet} ${o.epoch}: revoked since the proposal`);
    },
  });
  return { state: 'final', proposal: await markFinal(db, settlement, o, now), settlement, created };
}

/** Contributions revoked now are excluded; their owners' standing is the registry's now (it dropped). */
async function epochTermsNow(db: Kysely<any>, o: AdvanceOptions): Promise<EpochTerms> {
  const revoked = await revokedAmong(db, o.datanet, o.epoch);
  const standingOverrides: Record<string, number> = {};
  for (const r of revoked) {
    if (!(r.contributor in standingOverrides))
      standingOverrides[r.contributor] = await standingOf(db, o.datanet, r.contributor, o.standingPolicy);
  }
  return { excluded: [...new Set(revoked.map((r) => r.id))].sort(), standingOverrides };
}

async function inputsRevision(trx: Kysely<any>, datanet: string, epoch: string): Promise<number> {
  const r = await trx
    .selectFrom('settlement_epoch_inputs')
    .select('revision')
    .where('datanet', '=', datanet)
    .where('epoch', '=', epoch)
    .executeTakeFirstOrThrow();
  return Number(r.revision);
}

/**
 * A new proposal from the inputs as read. A re-proposal keeps the terms (split, standing weight) of
 * the proposal in force, so the split never depends on which run re-proposes first; the caller's
 * terms are used for the first proposal only.
 */
async function propose(
  db: Kysely<any>,
  inputs: StoredEpochInputs,
  o: AdvanceOptions,
  wanted: EpochTerms,
  now: number,
  previous: Proposal | undefined,
): Promise<Proposal> {
  const terms = previous?.terms ?? o.terms;
  const plan = await planFromStore(db, inputs, terms, wanted);
  const tree = plan.payouts.length ? await buildRewardTree(plan.epochNumber, plan.payouts) : null;
  return db.transaction().execute(async (trx) => {
    await lock(trx, o.datanet, o.epoch);
    // Recorded meanwhile (read as not settled, then another process recorded): nothing to propose.
    const settled = await trx
      .selectFrom('settlements')
      .select('epoch')
      .where('datanet', '=', o.datanet)
      .where('epoch', '=', o.epoch)
      .executeTakeFirst();
    if (settled) throw new ChangedMeanwhile(`${o.datanet} ${o.epoch}: recorded while proposing`);
    const revision = await inputsRevision(trx, o.datanet, o.epoch);
    // Another process may have proposed the same terms meanwhile: then that proposal stands.
    const latest = await currentProposal(trx, o.datanet, o.epoch);
    if (latest && sameList(latest.excluded, wanted.excluded) && latest.inputsRevision === revision) return latest;
    // Planned from inputs or a proposal that are no longer the latest: plan again.
    if (revision !== inputs.revision || latest?.version !== previous?.version)
      throw new ChangedMeanwhile(`${o.datanet} ${o.epoch}: inputs or proposal changed while proposing`);
    const version = (latest?.version ?? 0) + 1;
    const added = latest ? wanted.excluded.filter((id) => !latest.excluded.includes(id)) : [];
    const reasons: string[] = [];
    if (added.length) reasons.push(`re-settled without ${added.length} revoked contribution(s): ${added.join(', ')}`);
    if (latest && latest.inputsRevision !== revision)
      reasons.push(
        `re-proposed with inferences that arrived after version ${latest.version} (inputs revision ${revision}: ${inputs.inferenceCount} inferences, fees ${inputs.fees})`,
      );
    const reason = latest ? reasons.join('; ') || `re-proposed after version ${latest.version}` : 'first proposal';
    const finalAt = now + o.windowMs;
    await trx
      .updateTable('settlement_proposals')
      .set({ status: 'superseded' })
      .where('datanet', '=', o.datanet)
      .where('epoch', '=', o.epoch)
      .where('status', '=', 'proposed')
      .execute();
    const entry = await appendAudit(trx, {
      datanet: o.datanet,
      actor: o.actor ?? 'settlement',
      kind: 'settlement.proposed',
      subject: o.epoch,
      key: `settlement.proposed:${o.epoch}:v${version}`,
      at: now,
      payload: {
        epoch: o.epoch,
        epochNumber: plan.epochNumber.toString(),
        version,
        root: tree?.root ?? null,
        fees: plan.fees.toString(),
        paid: plan.paid.toString(),
        payouts: plan.payouts.length,
        excluded: wanted.excluded,
        standingOverrides: wanted.standingOverrides,
        finalAt,
        reason,
        ...(revision ? { inputsRevision: revision } : {}),
        runId: o.runId ?? null,
      },
    });
    const row = await trx
      .insertInto('settlement_proposals')
      .values({
        datanet: o.datanet,
        epoch: o.epoch,
        version,
        status: 'proposed',
        epoch_number: plan.epochNumber.toString(),
        inputs_digest: plan.inputsDigest,
        fees: plan.fees.toString(),
        contributor_pool: plan.split.contributors.toString(),
        paid: plan.paid.toString(),
        unallocated: plan.unallocated.toString(),
        merkle_root: tree?.root ?? null,
        terms: JSON.stringify(terms),
        excluded: JSON.stringify(wanted.excluded),
        standing_overrides: JSON.stringify(wanted.standingOverrides),
        reason,
        proposed_at: now,
        final_at: finalAt,
        audit_hash: entry.hash,
        run_id: o.runId ?? null,
        inputs_revision: revision,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (plan.payouts.length) {
      await trx
        .insertInto('settlement_proposal_payouts')
        .values(
          plan.payouts.map((p) => ({
            datanet: o.datanet,
            epoch: o.epoch,
            version,
            idx: p.index,
            account: p.account,
            amount: p.amount.toString(),
            attribution: p.attribution,
            standing: p.standing,
          })),
        )
        .execute();
    }
    return proposalFromRow(row);
  });
}

/** Marks the proposal whose root was recorded final, once, with its `settlement.finalised` entry. */
async function markFinal(db: Kysely<any>, settled: StoredSettlement, o: AdvanceOptions, now: number): Promise<Proposal> {
  return db.transaction().execute(async (trx) => {
    await lock(trx, o.datanet, o.epoch);
    const rows = (
      await trx
        .selectFrom('settlement_proposals')
        .selectAll()
        .where('datanet', '=', o.datanet)
        .where('epoch', '=', o.epoch)
        .orderBy('version', 'desc')
        .execute()
    ).map(proposalFromRow);
    const done = rows.find((p) => p.status === 'final');
    if (done) return done;
    const p = rows.find((x) => x.merkleRoot === settled.merkleRoot && x.inputsDigest === settled.inputsDigest);
    if (!p) throw new Error(`epoch ${o.epoch} of ${o.datanet} was settled (root ${settled.merkleRoot}) without a matching proposal`);
    const payouts = await loadProposalPayouts(trx, o.datanet, o.epoch, p.version);
    const { rows: attribution } = await epochContributors(trx, o.datanet, o.epoch, p);
    const paid = paidSet(attribution, p.excluded, new Set(payouts.map((x) => x.account)));
    const paidSetRoot = paidSetDigest(paid);
    const entry = await appendAudit(trx, {
      datanet: o.datanet,
      actor: o.actor ?? 'settlement',
      kind: 'settlement.finalised',
      subject: o.epoch,
      key: `settlement.finalised:${o.epoch}`,
      at: now,
      payload: {
        epoch: o.epoch,
        epochNumber: p.epochNumber.toString(),
        version: p.version,
        root: p.merkleRoot,
        paid: p.paid.toString(),
        paidContributions: paid.length,
        paidSetRoot,
        proposal: p.auditHash,
        runId: o.runId ?? null,
      },
    });
    await trx
      .updateTable('settlement_proposals')
      .set({ status: 'superseded' })
      .where('datanet', '=', o.datanet)
      .where('epoch', '=', o.epoch)
      .where('version', '<>', p.version)
      .execute();
    const row = await trx
      .updateTable('settlement_proposals')
      .set({ status: 'final', finalised_at: now, final_audit_hash: entry.hash, paid_set_root: paidSetRoot })
      .where('datanet', '=', o.datanet)
      .where('epoch', '=', o.epoch)
      .where('version', '=', p.version)
      .returningAll()
      .executeTakeFirstOrThrow();
    return proposalFromRow(row);
  });
}
