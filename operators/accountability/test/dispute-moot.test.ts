import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DB_ENGINES, openTestDb, REPO_ROOT, type TestDb } from '@datanet/pipelines/testing';
import { loadDatanetDefinition, openRegistry, resolveDatanetPath, type DatanetDefinition } from '@datanet/datanet';
import { decide, nextItems, queuePolicyOf, reviewItemId } from '@datanet/review';
import { fileAsSteward, recordOwn } from './dispute-fixtures.js';
import {
  DisputeRefusedError,
  enqueueDisputeReview,
  getDispute,
  listAudit,
  listDisputes,
  openDispute,
  registerDisputeOutcomes,
  registerReviewAudit,
  resolveDispute,
  verifyAudit,
  type Dispute,
} from '../src/index.js';

// When one dispute revokes a contribution, the contribution's other open disputes are closed as
// moot in the same transaction: their review items leave the queue (a vote on them is refused),
// each is logged once (`dispute.moot`), and none counts against its filer. Before, they stayed open
// in the review queue, taking reviewers' votes on a question already answered.
const OWNER = '0x' + 'a1'.repeat(20);
const FILERS = ['0x' + 'f1'.repeat(20), '0x' + 'f2'.repeat(20), '0x' + 'f3'.repeat(20), '0x' + 'f4'.repeat(20)];
const STEWARDS = ['0x' + '5e'.repeat(20), '0x' + '5f'.repeat(20)];

describe.each(DB_ENGINES)('disputes made moot by a revocation (%s)', (engine) => {
  let t: TestDb;
  let def: DatanetDefinition;
  let reviewers: string[];
  beforeAll(async () => {
    def = loadDatanetDefinition(resolveDatanetPath('medical-qa', REPO_ROOT));
    reviewers = def.review!.reviewers.addresses.map((a) => a.toLowerCase());
    t = await openTestDb(engine);
    await openRegistry(t.db, engine);
    await recordOwn(t, def.id, 'mt', 8, OWNER);
    registerDisputeOutcomes(() => def.standing);
    registerReviewAudit();
  }, 60_000);
  afterAll(() => t?.close());

  const policy = () => queuePolicyOf(def.review!);
  const fileAndQueue = async (contribution: string, filer: string) => {
    const d = await fileAsSteward(t, def, contribution, filer);
    expect(await enqueueDisputeReview(t.db, d, def)).toBe(true);
    return d;
  };
  const itemOf = (d: Dispute) => reviewItemId(def.id, 'dispute', `dispute:${d.id}`, d.id);
  /** Hands `reviewer` their next items (leases), so they may vote on them. */
  const take = async (reviewer: string) =>
    (await nextItems(t.db, { datanet: def.id, reviewer, limit: 20, policy: policy() })).map((i) => i.id);
  const vote = (reviewer: string, d: Dispute) =>
    decide(t.db, { datanet: def.id, itemId: itemOf(d), reviewer, verdict: 'approve' }, policy());
  const entriesOf = async (d: Dispute) =>
    (await listAudit(t.db, { datanet: def.id })).filter((e) => (e.payload as { dispute?: string }).dispute === d.id);
  const openItems = async (ds: Dispute[]) =>
    (
      await sql<{ n: unknown }>`select count(*) as n from review_items where id in (${sql.join(ds.map(itemOf))})
        and state in ('open', 'escalated')`.execute(t.db)
    ).rows[0].n;

  it("a steward's upheld dispute closes the others: out of the queue, votes refused, logged once, not held against the filers", async () => {
    const [a, b, c] = [await fileAndQueue('mt-1', FILERS[0]), await fileAndQueue('mt-1', FILERS[1]), await fileAndQueue('mt-1', FILERS[2])];
    expect(await take(reviewers[0])).toEqual(expect.arrayContaining([itemOf(a), itemOf(b), itemOf(c)]));
    expect((await vote(reviewers[0], b)).state).toBe('open');

    const r = await resolveDispute(t.db, {
      id: a.id,
      decision: 'upheld',
      actor: STEWARDS[0],
      via: 'steward',
      standingPolicy: def.standing,
    });
    expect(r.revocation).toBeDefined();
    expect(r.closedAsMoot).toEqual([b.id, c.id].sort());
    for (const d of [b, c]) {
      expect(await getDispute(t.db, d.id)).toMatchObject({ status: 'moot', resolvedVia: 'moot', resolvedBy: `dispute:${a.id}` });
      const log = await entriesOf(d);
      expect(log.map((e) => e.kind)).toEqual(['dispute.opened', 'dispute.moot']);
      expect(log[1]).toMatchObject({ actor: `dispute:${a.id}`, subject: 'mt-1', payload: { revokedBy: a.id } });
    }
    // Their items left the queue: the vote a reviewer still holds a lease for is refused, nobody is handed them.
    expect(await openItems([a, b, c])).toEqual(engine === 'postgres' ? '0' : 0);
    const refused = await vote(reviewers[0], c).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 409, code: 'already_decided' });
    expect((refused as Error).message).toContain('moot');
    expect(await take(reviewers[1])).not.toEqual(expect.arrayContaining([itemOf(b)]));
    const outcomes = await t.db
      .selectFrom('review_outcomes')
      .select(['item_id', 'decided_by'])
      .where('item_id', 'in', [itemOf(b), itemOf(c)])
      .execute();
    expect(outcomes.map((o) => o.decided_by)).toEqual(['moot', 'moot']);
    // Nothing is dismissed: the filers' rate limit does not count them.
    expect(await listDisputes(t.db, { datanet: def.id, status: 'dismissed' })).toEqual([]);
    expect((await verifyAudit(t.db, def.id)).ok).toBe(true);
  });

  it("the quorum's upheld dispute closes the others too", async () => {
    const [a, b] = [await fileAndQueue('mt-2', FILERS[0]), await fileAndQueue('mt-2', FILERS[1])];
    for (const reviewer of reviewers) await take(reviewer);
    expect((await vote(reviewers[0], a)).state).toBe('open');
    expect((await vote(reviewers[1], a)).state).toBe('approved');
    expect(await getDispute(t.db, a.id)).toMatchObject({ status: 'upheld', resolvedVia: 'quorum' });
    expect(await getDispute(t.db, b.id)).toMatchObject({ status: 'moot', resolvedBy: `dispute:${a.id}` });
    expect(await openItems([b])).toEqual(engine === 'postgres' ? '0' : 0);
    expect(await vote(reviewers[2], b).catch((e: unknown) => e)).toMatchObject({ status: 409, code: 'already_decided' });
    expect((await entriesOf(b)).map((e) => e.kind)).toEqual(['dispute.opened', 'dispute.moot']);
  });

  it('at once (stewards, deciding votes, a new opener on one contribution): one revocation, every other dispute closed once', async () => {
    for (const c of ['mt-3', 'mt-4', 'mt-5']) {
      const ds = [await fileAndQueue(c, FILERS[0]), await fileAndQueue(c, FILERS[1]), await fileAndQueue(c, FILERS[2])];
      for (const reviewer of reviewers.slice(0, 2)) await take(reviewer);
      await vote(reviewers[0], ds[2]); // one approval: the next one decides it
      const late = async () => {
        const r = await openDispute(t.db, {
          datanet: def.id,
          contributionId: c,
          filer: FILERS[3],
          role: 'steward',
          reason: 'incorrect',
          evidence: 'the dosage stated contradicts the cited label',
          policy: def.disputes,
        });
        await enqueueDisputeReview(t.db, r.dispute, def);
        return r.dispute;
      };
      const settled = await Promise.allSettled([
        resolveDispute(t.db, { id: ds[0].id, decision: 'upheld', actor: STEWARDS[0], via: 'steward', standingPolicy: def.standing }),
        resolveDispute(t.db, { id: ds[1].id, decision: 'upheld', actor: STEWARDS[1], via: 'steward', standingPolicy: def.standing }),
        vote(reviewers[1], ds[2]),
        vote(reviewers[0], ds[1]),
        late(),
      ]);
      // Only the refusals a lost race gives: a vote on a settled item, a dispute of a revoked contribution.
      for (const s of settled)
        if (s.status === 'rejected') {
          const e = s.reason as { status?: number; code?: string };
          expect(e instanceof DisputeRefusedError ? e.code : e.code, String(s.reason)).toMatch(/^(already_decided|already_revoked)$/);
        }
      const all = await listDisputes(t.db, { datanet: def.id, contributionId: c });
      expect(all.filter((d) => d.status === 'upheld')).toHaveLength(1);
      expect(all.filter((d) => d.status === 'open')).toEqual([]);
      expect(all.filter((d) => d.status !== 'upheld').every((d) => d.status === 'moot')).toBe(true);
      expect(await openItems(all)).toEqual(engine === 'postgres' ? '0' : 0);
      const log = (await listAudit(t.db, { datanet: def.id })).filter((e) => e.subject === c);
      expect(log.filter((e) => e.kind === 'contribution.revoked')).toHaveLength(1);
      expect(log.filter((e) => e.kind === 'dispute.upheld')).toHaveLength(1);
      expect(log.filter((e) => e.kind === 'dispute.moot')).toHaveLength(all.length - 1);
    }
    expect((await verifyAudit(t.db, def.id)).ok).toBe(true);
  }, 120_000);
});
