import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, REPO_ROOT, type TestDb } from '@datanet/pipelines/testing';
import {
  dropContributions,
  loadDatanetDefinition,
  openRegistry,
  resolveDatanetPath,
  standingOf,
  type DatanetDefinition,
} from '@datanet/datanet';
import { applyDueDeadlines, decide, enqueueBatch, nextItems, queuePolicyOf } from '@datanet/review';
import { fileAsSteward, recordOwn as recordOwnOf } from './dispute-fixtures.js';
import {
  DisputeRefusedError,
  definitionStanding,
  enqueueDisputeReview,
  getDispute,
  listAudit,
  openDispute,
  registerDisputeOutcomes,
  registerReviewAudit,
  resolveDispute,
  verifyAudit,
} from '../src/index.js';

const OWNER = '0x' + 'a1'.repeat(20);
const FILER = '0x' + 'f1'.repeat(20);

const recordOwn = (t: TestDb, datanet: string, prefix: string, n: number) => recordOwnOf(t, datanet, prefix, n, OWNER);

/** FILER (or `filer`) disputes a contribution (as a steward) at `at` and it is queued for the review quorum then. */
async function fileAndQueue(t: TestDb, def: DatanetDefinition, contributionId: string, at = Date.now(), filer = FILER) {
  const dispute = await fileAsSteward(t, def, contributionId, filer, at);
  expect(await enqueueDisputeReview(t.db, dispute, def, at)).toBe(true);
  return dispute;
}

describe("disputes resolved by the review queue's quorum (PGlite)", () => {
  let t: TestDb;
  let def: DatanetDefinition;
  beforeAll(async () => {
    t = await openTestDb('pglite');
    def = loadDatanetDefinition(resolveDatanetPath('medical-qa', REPO_ROOT));
    await openRegistry(t.db, 'pglite');
    await recordOwn(t, def.id, 'mq', 3);
    registerDisputeOutcomes();
    registerReviewAudit();
  });
  afterAll(() => t?.close());

  it('two approvals uphold it: the contribution is revoked, standing drops, the audit log says so', async () => {
    expect(def.review).toBeDefined();
    const { dispute } = await openDispute(t.db, {
      datanet: def.id,
      contributionId: 'mq-1',
      filer: FILER,
      role: 'steward',
      reason: 'incorrect',
      evidence: 'the dosage stated contradicts the cited label',
      policy: def.disputes,
    });
    expect(await enqueueDisputeReview(t.db, dispute, def)).toBe(true);
    expect(await enqueueDisputeReview(t.db, dispute, def)).toBe(true); // idempotent
    const policy = queuePolicyOf(def.review!);
    const before = await standingOf(t.db, def.id, OWNER, def.standing);
    const reviewers = def.review!.reviewers.addresses.map((a) => a.toLowerCase());
    let decided = 0;
    for (const reviewer of reviewers) {
      if (decided === 2) break;
      // Gold items may come first: answer them as they are, until the dispute comes up.
      for (let round = 0; round < 5; round++) {
        const items = await nextItems(t.db, { datanet: def.id, reviewer, limit: 5, policy });
        const item = items.find((i) => i.kind === 'dispute');
        if (item) {
          expect(item.payload).toMatchObject({ contribution: 'mq-1', reason: 'incorrect' });
          await decide(t.db, { datanet: def.id, itemId: item.id, reviewer, verdict: 'approve' }, policy);
          decided++;
          break;
        }
        if (!items.length) break;
        for (const i of items) await decide(t.db, { datanet: def.id, itemId: i.id, reviewer, verdict: 'approve' }, policy);
      }
    }
    expect(decided).toBe(2);
    const d = (await getDispute(t.db, dispute.id))!;
    expect(d.status).toBe('upheld');
    expect(d.resolvedVia).toBe('quorum');
    const revoked = await t.db
      .selectFrom('contributions')
      .select(['revoked_at', 'revoke_reason'])
      .where('id', '=', 'mq-1')
      .executeTakeFirstOrThrow();
    expect(revoked.revoked_at).not.toBeNull();
    expect(revoked.revoke_reason).toMatch(new RegExp(`dispute ${dispute.id} upheld \\(incorrect\\) by review:`));
    expect(await standingOf(t.db, def.id, OWNER, def.standing)).toBeLessThan(before);
    const kinds = (await listAudit(t.db, { datanet: def.id })).map((e) => e.kind);
    expect(kinds).toEqual(['dispute.opened', 'dispute.upheld', 'contribution.revoked', 'standing.changed']);
    expect((await verifyAudit(t.db, def.id)).ok).toBe(true);
  });

  it('refuses to open a dispute on a contribution a later step dropped (409 not_accepted): it earns nothing', async () => {
    await dropContributions(t.db, [{ datanet: def.id, id: 'mq-2', reason: 'quality.filter: gopher.min_words' }]);
    const refused = await openDispute(t.db, {
      datanet: def.id,
      contributionId: 'mq-2',
      filer: FILER,
      role: 'steward',
      reason: 'incorrect',
      evidence: 'the dosage stated contradicts the cited label',
      policy: def.disputes,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DisputeRefusedError);
    expect(refused).toMatchObject({ code: 'not_accepted', status: 409 });
    expect(String((refused as Error).message)).toContain('quality.filter: gopher.min_words');
  });

  it('a duplicate dispute must name another, earlier contribution: itself or a later copy is 400 bad_evidence', async () => {
    await recordOwnOf(t, def.id, 'later', 1, FILER, Date.now() + 60_000);
    const open = (contributionId: string, duplicateOf: string) =>
      openDispute(t.db, {
        datanet: def.id,
        contributionId,
        filer: FILER,
        role: 'steward',
        reason: 'duplicate',
        duplicateOf,
        evidence: 'the same answer, reworded, as an earlier record',
        policy: def.disputes,
      }).catch((e: unknown) => e);
    for (const [contribution, duplicateOf, message] of [
      ['mq-0', 'mq-0', /names mq-0 itself/],
      ['mq-0', 'later-0', /later-0, accepted after mq-0 .*dispute later-0 as a duplicate of mq-0 instead/],
    ] as const) {
      const refused = await open(contribution, duplicateOf);
      expect(refused).toBeInstanceOf(DisputeRefusedError);
      expect(refused).toMatchObject({ code: 'bad_evidence', status: 400, message: expect.stringMatching(message) });
    }
    expect((await listAudit(t.db, { datanet: def.id, kind: 'dispute.opened', subject: 'mq-0' })).length).toBe(0);
    // The later copy disputed as a duplicate of the original: opened.
    const ok = await open('later-0', 'mq-0');
    expect(ok).toMatchObject({ created: true, dispute: { contributionId: 'later-0', duplicateOf: 'mq-0' } });
  });

  it('a settled review of a held record is logged in the audit chain', async () => {
    const policy = queuePolicyOf(def.review!);
    await enqueueBatch(
      t.db,
      {
        batch: 'run-1:review',
        datanet: def.id,
        deadline: Date.now() + 3_600_000,
        items: [
          {
            datanet: def.id,
            kind: 'record',
            ref: 'rec-42',
            batch: 'run-1:review',
            contributor: OWNER,
            payload: { text: 'an answer' },
            heldFor: ['newcomer'],
          },
        ],
      },
      policy,
    );
    let decided = 0;
    for (const reviewer of def.review!.reviewers.addresses.map((a) => a.toLowerCase())) {
      for (let round = 0; round < 5 && decided < 2; round++) {
        const items = await nextItems(t.db, { datanet: def.id, reviewer, limit: 5, policy });
        if (!items.length) break;
        const item = items.find((i) => i.kind === 'record' && (i.payload as { text?: string }).text === 'an answer');
        for (const i of items) await decide(t.db, { datanet: def.id, itemId: i.id, reviewer, verdict: 'approve' }, policy);
        if (item) {
          decided++;
          break;
        }
      }
    }
    expect(decided).toBe(2);
    const entries = await listAudit(t.db, { datanet: def.id, kind: 'review.decided', subject: 'rec-42' });
    expect(entries).toEqual([
      expect.objectContaining({
        actor: expect.stringMatching(/^review:/),
        payload: expect.objectContaining({ outcome: 'approved', decidedBy: 'quorum', approvals: 2 }),
      }),
    ]);
    expect((await verifyAudit(t.db, def.id)).ok).toBe(true);
  });
});

describe.each(DB_ENGINES)("a quorum's upheld dispute under a Datanet's own standing policy (%s)", (engine) => {
  let t: TestDb;
  let def: DatanetDefinition;
  const configRoot = mkdtempSync(join(tmpdir(), 'datanet-dispute-standing-'));
  beforeAll(async () => {
    // medical-qa with a standing policy of its own: a short prior and a heavy revocation penalty.
    const yaml = readFileSync(resolveDatanetPath('medical-qa', REPO_ROOT), 'utf8').replace(
      /^standing:\n {2}prior: 10\n {2}revokePenalty: 5\n/m,
      'standing:\n  prior: 2\n  revokePenalty: 40\n',
    );
    mkdirSync(join(configRoot, 'configs', 'datanets'), { recursive: true });
    writeFileSync(join(configRoot, 'configs', 'datanets', 'medical-qa.yaml'), yaml);
    def = loadDatanetDefinition(resolveDatanetPath('medical-qa', configRoot));
    expect(def.standing).toEqual({ prior: 2, revokePenalty: 40 });
    t = await openTestDb(engine);
    await openRegistry(t.db, engine);
    await recordOwn(t, def.id, 'own', 6);
    registerDisputeOutcomes(definitionStanding(configRoot));
    registerReviewAudit();
  });
  afterAll(async () => {
    // Later suites in this process get the handler that reads the repository's definitions again.
    registerDisputeOutcomes();
    await t?.close();
    rmSync(configRoot, { recursive: true, force: true });
  });

  it('the standing.changed entry gives the before and after values of that policy', async () => {
    const { dispute } = await openDispute(t.db, {
      datanet: def.id,
      contributionId: 'own-2',
      filer: FILER,
      role: 'steward',
      reason: 'incorrect',
      evidence: 'the dosage stated contradicts the cited label',
      policy: def.disputes,
    });
    expect(await enqueueDisputeReview(t.db, dispute, def)).toBe(true);
    const before = await standingOf(t.db, def.id, OWNER, def.standing);
    const policy = queuePolicyOf(def.review!);
    let decided = 0;
    for (const reviewer of def.review!.reviewers.addresses.map((a) => a.toLowerCase())) {
      for (let round = 0; round < 5 && decided < 2; round++) {
        const items = await nextItems(t.db, { datanet: def.id, reviewer, limit: 5, policy });
        if (!items.length) break;
        const item = items.find((i) => i.kind === 'dispute');
        for (const i of items) await decide(t.db, { datanet: def.id, itemId: i.id, reviewer, verdict: 'approve' }, policy);
        if (item) {
          decided++;
          break;
        }
      }
    }
    expect(decided).toBe(2);
    expect((await getDispute(t.db, dispute.id))!.status).toBe('upheld');
    const after = await standingOf(t.db, def.id, OWNER, def.standing);
    // The default policy (prior 10, penalty 5) gives other values: the entry must not.
    expect(after).not.toBeCloseTo(await standingOf(t.db, def.id, OWNER), 6);
    const [entry] = await listAudit(t.db, { datanet: def.id, kind: 'standing.changed', subject: OWNER });
    expect(entry.payload).toMatchObject({ contributor: OWNER, cause: 'revocation of own-2' });
    expect((entry.payload as { before: number }).before).toBeCloseTo(before, 9);
    expect((entry.payload as { after: number }).after).toBeCloseTo(after, 9);
    expect((await verifyAudit(t.db, def.id)).ok).toBe(true);
  });
});

describe.each(DB_ENGINES)("a steward's resolution and the dispute's review item (%s)", (engine) => {
  let t: TestDb;
  let def: DatanetDefinition;
  const STEWARD = '0x' + '5e'.repeat(20);
  beforeAll(async () => {
    def = loadDatanetDefinition(resolveDatanetPath('medical-qa', REPO_ROOT));
    expect(def.disputes.resolvers).toBe('steward-or-quorum');
    t = await openTestDb(engine);
    await openRegistry(t.db, engine);
    await recordOwn(t, def.id, 'st', 8);
    registerDisputeOutcomes();
    registerReviewAudit();
  });
  afterAll(() => t?.close());

  const queued = (contributionId: string) => fileAndQueue(t, def, contributionId);
  const policy = () => queuePolicyOf(def.review!);
  const reviewers = () => def.review!.reviewers.addresses.map((a) => a.toLowerCase());
  const disputeItems = async (reviewer: string) =>
    (await nextItems(t.db, { datanet: def.id, reviewer, limit: 10, policy: policy() })).filter((i) => i.kind === 'dispute');

  it('a dispute a steward resolved leaves the review queue: nobody is handed it or votes on a question already answered', async () => {
    const dispute = await queued('st-1');
    const [r1, r2] = reviewers();
    const held = await disputeItems(r1);
    expect(held.map((i) => (i.payload as { contribution: string }).contribution)).toEqual(['st-1']);
    const r = await resolveDispute(t.db, { id: dispute.id, decision: 'dismissed', actor: STEWARD, via: 'steward' });
    expect(r.resolved).toBe(true);
    // Neither the reviewer holding it nor another is handed it again.
    expect(await disputeItems(r1)).toEqual([]);
    expect(await disputeItems(r2)).toEqual([]);
    const item = await t.db.selectFrom('review_items').select(['state']).where('id', '=', held[0].id).executeTakeFirstOrThrow();
    expect(item.state).toBe('rejected');
    const outcome = await t.db.selectFrom('review_outcomes').selectAll().where('item_id', '=', held[0].id).executeTakeFirstOrThrow();
    expect(outcome).toMatchObject({ outcome: 'rejected', decided_by: 'steward' });
    const batch = await t.db
      .selectFrom('review_batches')
      .selectAll()
      .where('batch', '=', `dispute:${dispute.id}`)
      .executeTakeFirstOrThrow();
    expect(Number(batch.open)).toBe(0);
    expect((await getDispute(t.db, dispute.id))!.status).toBe('dismissed');
  });

  it("a steward's resolution racing the quorum's deciding vote: one of them decides, and the item says what the dispute says", async () => {
    for (const [j, decision] of [
      [2, 'upheld'],
      [3, 'dismissed'],
      [4, 'upheld'],
      [5, 'dismissed'],
    ] as const) {
      const dispute = await queued(`st-${j}`);
      const [r1, r2] = reviewers();
      const [item] = await disputeItems(r1);
      expect((await disputeItems(r2)).map((i) => i.id)).toEqual([item.id]);
      await decide(t.db, { datanet: def.id, itemId: item.id, reviewer: r1, verdict: 'approve' }, policy());
      const [vote, resolution] = await Promise.allSettled([
        decide(t.db, { datanet: def.id, itemId: item.id, reviewer: r2, verdict: 'approve' }, policy()),
        resolveDispute(t.db, { id: dispute.id, decision, actor: STEWARD, via: 'steward' }),
      ]);
      expect(resolution.status, String((resolution as PromiseRejectedResult).reason)).toBe('fulfilled');
      const d = (await getDispute(t.db, dispute.id))!;
      // The vote counts, or, when the steward decided first, is refused as too late (not recorded as if it had).
      if (vote.status === 'rejected') {
        expect(vote.reason).toMatchObject({ status: 409, code: 'already_decided' });
        expect(d.resolvedVia).toBe('steward');
      }
      const state = (await t.db.selectFrom('review_items').select('state').where('id', '=', item.id).executeTakeFirstOrThrow()).state;
      expect(state).toBe(d.status === 'upheld' ? 'approved' : 'rejected');
    }
  });
});

describe.each(DB_ENGINES)("a dispute past its review deadline, under the Datanet's onDeadline (%s)", (engine) => {
  let t: TestDb;
  let def: DatanetDefinition;
  const STEWARD = '0x' + '5e'.repeat(20);
  const LATE = 73 * 3_600_000; // medical-qa's review deadline is 72h
  beforeAll(async () => {
    def = loadDatanetDefinition(resolveDatanetPath('medical-qa', REPO_ROOT));
    t = await openTestDb(engine);
    await openRegistry(t.db, engine);
    await recordOwn(t, def.id, 'dl', 8);
    registerDisputeOutcomes();
    registerReviewAudit();
  });
  afterAll(() => t?.close());

  // Each by its own filer: dismissals at the deadline count toward a filer's dismissedLimit.
  const late = (contributionId: string) =>
    fileAndQueue(t, def, contributionId, Date.now() - LATE, `0x${contributionId.replace(/\W/g, '').padStart(40, '0')}`);
  const accept = () => ({ onDeadline: 'accept' as const, version: def.review!.version });

  it('at the deadline a dispute is dismissed once, under accept as under reject: silence revokes nothing', async () => {
    const dispute = await late('dl-1');
    const before = await standingOf(t.db, def.id, OWNER, def.standing);
    expect(await applyDueDeadlines(t.db, accept, { datanet: def.id })).toEqual({ batches: 1, settled: 1, escalated: 0 });
    expect(await applyDueDeadlines(t.db, accept, { datanet: def.id })).toEqual({ batches: 0, settled: 0, escalated: 0 });
    expect(await getDispute(t.db, dispute.id)).toMatchObject({ status: 'dismissed', resolvedVia: 'deadline' });
    expect((await getDispute(t.db, dispute.id))?.resolutionNote).toMatch(/upheld only by a decision/);
    expect(await standingOf(t.db, def.id, OWNER, def.standing)).toBe(before);
    const contribution = await t.db.selectFrom('contributions').select('revoked_at').where('id', '=', 'dl-1').executeTakeFirstOrThrow();
    expect(contribution.revoked_at).toBeNull();
    const kinds = (await listAudit(t.db, { datanet: def.id })).map((e) => e.kind);
    expect(kinds.filter((k) => k !== 'review.decided')).toEqual(['dispute.opened', 'dispute.dismissed']);
    expect((await verifyAudit(t.db, def.id)).ok).toBe(true);
  });

  it("racing a steward's resolution: one of them decides, and the item says what the dispute says", async () => {
    for (const [j, decision] of [
      [2, 'dismissed'],
      [3, 'upheld'],
      [4, 'dismissed'],
    ] as const) {
      const dispute = await late(`dl-${j}`);
      const [sweep, resolution] = await Promise.allSettled([
        applyDueDeadlines(t.db, accept, { datanet: def.id }),
        resolveDispute(t.db, { id: dispute.id, decision, actor: STEWARD, via: 'steward' }),
      ]);
      expect(sweep.status, String((sweep as PromiseRejectedResult).reason)).toBe('fulfilled');
      expect(resolution.status, String((resolution as PromiseRejectedResult).reason)).toBe('fulfilled');
      const d = (await getDispute(t.db, dispute.id))!;
      // The steward's decision, or the deadline's (dismissed: silence upholds nothing).
      expect([d.resolvedVia, d.status]).toEqual(d.resolvedVia === 'steward' ? ['steward', decision] : ['deadline', 'dismissed']);
      const state = (
        await t.db
          .selectFrom('review_items')
          .select('state')
          .where('kind', '=', 'dispute')
          .where('ref', '=', dispute.id)
          .executeTakeFirstOrThrow()
      ).state;
      expect(state).toBe(d.status === 'upheld' ? 'approved' : 'rejected');
    }
    expect((await verifyAudit(t.db, def.id)).ok).toBe(true);
  });
});
