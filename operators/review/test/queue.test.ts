import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import {
  applyDeadline,
  decide,
  enqueueBatch,
  migrateReview,
  nextItems,
  onReviewOutcome,
  queueStats,
  reviewerStats,
  syncGold,
  type NewReviewItem,
  type QueuePolicy,
  type ReviewOutcome,
} from '../src/index.js';

const policy: QueuePolicy = {
  version: 3,
  minApprovals: 2,
  minRejections: 2,
  stewardOverride: true,
  reasons: ['incorrect', 'unsafe'],
  blind: true,
  domains: ['medicine'],
  goldFraction: 0,
  minGoldAnswered: 2,
  minAccuracy: 0.7,
  leaseMs: 60_000,
};

const A = '0x' + 'a'.repeat(40);
const B = '0x' + 'b'.repeat(40);
const C = '0x' + 'c'.repeat(40);
const D = '0x' + 'd'.repeat(40);
const OWNER = '0x' + 'e'.repeat(40);

function items(datanet: string, batch: string, n: number, contributor = OWNER): NewReviewItem[] {
  return Array.from({ length: n }, (_, i) => ({
    datanet,
    kind: 'record' as const,
    ref: `r${i}`,
    batch,
    contributor,
    payload: { question: `q${i}`, answer: `a${i}` },
    heldFor: ['newcomer'],
  }));
}

describe.each(DB_ENGINES)('review queue on %s', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
    await migrateReview(t.db);
  });
  afterAll(async () => t?.close());

  it('hands an item to no more reviewers than its quorum needs, never to its contributor, never twice', async () => {
    await enqueueBatch(t.db, { batch: 'b1', datanet: 'n1', deadline: Date.now() + 3_600_000, items: items('n1', 'b1', 1) }, policy);
    const owner = await nextItems(t.db, { datanet: 'n1', reviewer: OWNER, limit: 5, policy });
    expect(owner).toEqual([]);
    const a = await nextItems(t.db, { datanet: 'n1', reviewer: A, limit: 5, policy });
    const b = await nextItems(t.db, { datanet: 'n1', reviewer: B, limit: 5, policy });
    const c = await nextItems(t.db, { datanet: 'n1', reviewer: C, limit: 5, policy });
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(1);
    // Two approvals decide it: a third reviewer would be beyond the quorum's need.
    expect(c).toEqual([]);
    expect(a[0].contributor).toBeNull();
    expect(a[0].payload).toEqual({ question: 'q0', answer: 'a0' });
    // Asking again gives the same item back (held under the lease), not a new one.
    expect((await nextItems(t.db, { datanet: 'n1', reviewer: A, limit: 5, policy })).map((i) => i.id)).toEqual([a[0].id]);

    await decide(t.db, { datanet: 'n1', itemId: a[0].id, reviewer: A, verdict: 'approve' }, policy);
    const again = await decide(t.db, { datanet: 'n1', itemId: a[0].id, reviewer: A, verdict: 'reject', reason: 'incorrect' }, policy);
    expect(again.replay).toBe(true);
    expect(again.verdict).toBe('approve');
    // A rejection from B makes it 1-1: one more vote is needed, so C now gets it.
    await decide(t.db, { datanet: 'n1', itemId: a[0].id, reviewer: B, verdict: 'reject', reason: 'unsafe' }, policy);
    const c2 = await nextItems(t.db, { datanet: 'n1', reviewer: C, limit: 5, policy });
    expect(c2.map((i) => i.id)).toEqual([a[0].id]);
    expect(await nextItems(t.db, { datanet: 'n1', reviewer: D, limit: 5, policy })).toEqual([]);
    const done = await decide(t.db, { datanet: 'n1', itemId: a[0].id, reviewer: C, verdict: 'reject', reason: 'unsafe' }, policy);
    expect(done.state).toBe('rejected');
    const outcome = await t.db.selectFrom('review_outcomes').selectAll().where('batch', '=', 'b1').execute();
    expect(outcome).toHaveLength(1);
    expect(outcome[0]).toMatchObject({ outcome: 'rejected', reason: 'unsafe', decided_by: 'quorum', policy_version: 3 });
    const batch = await t.db.selectFrom('review_batches').selectAll().where('batch', '=', 'b1').executeTakeFirstOrThrow();
    expect(Number(batch.open)).toBe(0);
    expect(batch.settled_at).not.toBeNull();
    const stats = await queueStats(t.db, 'n1');
    expect(stats.reasons).toEqual([{ reason: 'unsafe', count: 1 }]);
    expect(stats.items.rejected).toBe(1);
    // A agreed with nobody, B and C with the consensus.
    expect((await reviewerStats(t.db, 'n1', A)).agreement).toBe(0);
    expect((await reviewerStats(t.db, 'n1', C)).agreement).toBe(1);
  });

  it('refuses self-review, unknown reasons, decisions on items not handed out; the decision log is append-only', async () => {
    await enqueueBatch(t.db, { batch: 'b2', datanet: 'n2', deadline: Date.now() + 3_600_000, items: items('n2', 'b2', 1, A) }, policy);
    const [it] = await nextItems(t.db, { datanet: 'n2', reviewer: B, limit: 1, policy });
    await expect(decide(t.db, { datanet: 'n2', itemId: it.id, reviewer: A, verdict: 'approve' }, policy)).rejects.toMatchObject({
      code: 'own_item',
    });
    await expect(decide(t.db, { datanet: 'n2', itemId: it.id, reviewer: C, verdict: 'approve' }, policy)).rejects.toMatchObject({
      code: 'not_assigned',
    });
    await expect(
      decide(t.db, { datanet: 'n2', itemId: it.id, reviewer: B, verdict: 'reject', reason: 'boring' }, policy),
    ).rejects.toMatchObject({ code: 'unknown_reason' });
    await expect(
      decide(t.db, { datanet: 'n2', itemId: it.id, reviewer: B, verdict: 'approve', reason: 'incorrect' }, policy),
    ).rejects.toMatchObject({ status: 400, code: 'reason_not_allowed' });
    await expect(
      decide(t.db, { datanet: 'n2', itemId: it.id, reviewer: B, verdict: 'approve', note: 'a\u0000b' }, policy),
    ).rejects.toMatchObject({ status: 400, code: 'invalid_text', message: expect.stringMatching(/^note must not contain the NUL/) });
    await decide(t.db, { datanet: 'n2', itemId: it.id, reviewer: B, verdict: 'approve' }, policy);
    await expect(sql`update review_decisions set verdict = 'reject'`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from review_decisions`.execute(t.db)).rejects.toThrow(/append-only/);
    // A steward's override decides at once.
    const o = await decide(
      t.db,
      { datanet: 'n2', itemId: it.id, reviewer: D, verdict: 'reject', reason: 'incorrect', override: true },
      policy,
    );
    expect(o.state).toBe('rejected');
    const row = await t.db.selectFrom('review_outcomes').selectAll().where('item_id', '=', it.id).executeTakeFirstOrThrow();
    expect(row.decided_by).toBe('steward');
  });

  it('a vote needs a live lease: once it ran out or was released the vote is refused (409 lease_expired) until next hands the item back', async () => {
    const t0 = Date.now();
    await enqueueBatch(t.db, { batch: 'b5', datanet: 'n5', deadline: t0 + 3_600_000, items: items('n5', 'b5', 2) }, policy);
    const [first, second] = await nextItems(t.db, { datanet: 'n5', reviewer: A, limit: 2, policy, now: t0 });
    await decide(t.db, { datanet: 'n5', itemId: second.id, reviewer: A, verdict: 'approve' }, policy, t0 + 1);

    const late = t0 + policy.leaseMs + 1;
    await expect(decide(t.db, { datanet: 'n5', itemId: first.id, reviewer: A, verdict: 'approve' }, policy, late)).rejects.toMatchObject({
      status: 409,
      code: 'lease_expired',
      message: expect.stringMatching(/ran out at .*fetch the item again with next/),
    });
    expect(await t.db.selectFrom('review_decisions').select('seq').where('item_id', '=', first.id).execute()).toEqual([]);
    // A decision sent again after its lease ran out is still answered with the first one.
    const again = await decide(t.db, { datanet: 'n5', itemId: second.id, reviewer: A, verdict: 'approve' }, policy, late);
    expect(again).toMatchObject({ replay: true, verdict: 'approve' });

    // Someone else's next releases the lapsed lease and takes the item.
    const b = await nextItems(t.db, { datanet: 'n5', reviewer: B, limit: 5, policy, now: late });
    expect(b.map((i) => i.id)).toContain(first.id);
    // Released: refused even by a clock that says the lease has time left.
    await expect(decide(t.db, { datanet: 'n5', itemId: first.id, reviewer: A, verdict: 'approve' }, policy, t0 + 2)).rejects.toMatchObject({
      code: 'lease_expired',
      message: expect.stringMatching(/was released/),
    });

    // The item still needs votes, so next hands it back to A under a new lease, and A's vote counts.
    const back = await nextItems(t.db, { datanet: 'n5', reviewer: A, limit: 5, policy, now: late + 1 });
    expect(back.map((i) => i.id)).toEqual([first.id]);
    expect(Date.parse(back[0].leaseExpiresAt)).toBe(late + 1 + policy.leaseMs);
    const counted = await decide(t.db, { datanet: 'n5', itemId: first.id, reviewer: A, verdict: 'approve' }, policy, late + 2);
    expect(counted).toMatchObject({ replay: false, state: 'open' });
    const row = await t.db.selectFrom('review_items').selectAll().where('id', '=', first.id).executeTakeFirstOrThrow();
    // One approval (A's); B's lease is the only one live.
    expect([Number(row.approvals), Number(row.outstanding)]).toEqual([1, 1]);
  });

  it('gold items catch a careless reviewer and suspend them; their held items go back to the queue', async () => {
    const gp = { ...policy, goldFraction: 0.5 };
    await syncGold(
      t.db,
      'n3',
      [
        { id: 'g1', expected: 'reject', payload: { question: 'What is aspirin?', answer: 'A kind of bicycle.' } },
        { id: 'g2', expected: 'reject', payload: { question: 'What is insulin?', answer: 'A city in France.' } },
        { id: 'g3', expected: 'approve', payload: { question: 'What is a fever?', answer: 'A body temperature above normal.' } },
      ],
      1,
    );
    await enqueueBatch(t.db, { batch: 'b3', datanet: 'n3', deadline: Date.now() + 3_600_000, items: items('n3', 'b3', 6) }, gp);
    let suspended = false;
    for (let round = 0; round < 4 && !suspended; round++) {
      const got = await nextItems(t.db, { datanet: 'n3', reviewer: A, limit: 2, policy: gp });
      for (const g of got) {
        const r = await decide(t.db, { datanet: 'n3', itemId: g.id, reviewer: A, verdict: 'approve' }, gp);
        suspended ||= r.suspended;
        if (suspended) break;
      }
    }
    expect(suspended).toBe(true);
    await expect(nextItems(t.db, { datanet: 'n3', reviewer: A, limit: 2, policy: gp })).rejects.toMatchObject({
      code: 'reviewer_suspended',
    });
    const me = await reviewerStats(t.db, 'n3', A);
    expect(me.status).toBe('suspended');
    expect(me.goldAnswered).toBe(2);
    expect(me.accuracy).toBeLessThan(0.7);
    const live = await t.db
      .selectFrom('review_assignments')
      .selectAll()
      .where('reviewer', '=', A.toLowerCase())
      .where('decided_at', 'is', null)
      .where('released', '=', false)
      .execute();
    expect(live).toEqual([]);
  });

  it('a suspension on one Datanet gives back only the items held there: leases on another Datanet stay live', async () => {
    const gp = { ...policy, goldFraction: 0.5, minGoldAnswered: 1 };
    await enqueueBatch(t.db, { batch: 'b6', datanet: 'n6', deadline: Date.now() + 3_600_000, items: items('n6', 'b6', 2) }, policy);
    const elsewhere = await nextItems(t.db, { datanet: 'n6', reviewer: D, limit: 2, policy });
    expect(elsewhere).toHaveLength(2);
    await syncGold(
      t.db,
      'n7',
      [{ id: 'g7', expected: 'reject', payload: { question: 'What is aspirin?', answer: 'A kind of bicycle.' } }],
      1,
    );
    await enqueueBatch(t.db, { batch: 'b7', datanet: 'n7', deadline: Date.now() + 3_600_000, items: items('n7', 'b7', 4) }, gp);
    let suspended = false;
    for (let round = 0; round < 4 && !suspended; round++)
      for (const g of await nextItems(t.db, { datanet: 'n7', reviewer: D, limit: 2, policy: gp })) {
        suspended = (await decide(t.db, { datanet: 'n7', itemId: g.id, reviewer: D, verdict: 'approve' }, gp)).suspended;
        if (suspended) break;
      }
    expect(suspended).toBe(true);
    // Suspended on n7 only: what D holds on n6 is still theirs to decide.
    const live = await sql<{ item_id: string }>`select a.item_id from review_assignments a join review_items i on i.id = a.item_id
      where a.reviewer = ${D.toLowerCase()} and i.datanet = 'n6' and a.released = false and a.decided_at is null`.execute(t.db);
    expect(live.rows.map((r) => r.item_id).sort()).toEqual(elsewhere.map((i) => i.id).sort());
    const vote = await decide(t.db, { datanet: 'n6', itemId: elsewhere[0].id, reviewer: D, verdict: 'approve' }, policy);
    expect(vote).toMatchObject({ replay: false, state: 'open' });
  });

  it('deadline policies accept, reject or escalate what is still open; outcome handlers run once', async () => {
    const seen: ReviewOutcome[] = [];
    const audit: string[] = [];
    onReviewOutcome(
      'dispute',
      async (_tx, o) => {
        seen.push(o);
      },
      'revoke',
    );
    onReviewOutcome(
      'dispute',
      async (_tx, o) => {
        audit.push(o.ref);
      },
      'audit',
    );
    await enqueueBatch(
      t.db,
      {
        batch: 'dispute:1',
        datanet: 'n4',
        deadline: Date.now() - 1,
        items: [
          {
            datanet: 'n4',
            kind: 'dispute',
            ref: 'd1',
            batch: 'dispute:1',
            contributor: A,
            exclude: [B],
            payload: {},
            heldFor: ['dispute'],
          },
        ],
      },
      policy,
    );
    expect(await nextItems(t.db, { datanet: 'n4', reviewer: B, limit: 1, policy })).toEqual([]);
    expect(await applyDeadline(t.db, 'dispute:1', 'escalate', 3)).toEqual({ settled: 0, escalated: 1 });
    expect(await nextItems(t.db, { datanet: 'n4', reviewer: C, limit: 1, policy })).toEqual([]);
    expect(await applyDeadline(t.db, 'dispute:1', 'accept', 3)).toEqual({ settled: 1, escalated: 0 });
    expect(await applyDeadline(t.db, 'dispute:1', 'accept', 3)).toEqual({ settled: 0, escalated: 0 });
    // A dispute is rejected (dismissed) by the deadline even under accept: silence upholds none.
    expect(seen.map((o) => [o.ref, o.outcome, o.decidedBy])).toEqual([['d1', 'rejected', 'deadline']]);
    expect(audit).toEqual(['d1']);
  });

  // A reviewer still holding a live lease on an item settled without them (a steward's override,
  // the deadline) votes on it: refused (409 already_decided, naming how it was decided), not
  // recorded as if it had counted, and no figure counts it.
  const queue = async (datanet: string, batch: string, deadline: number) => {
    await enqueueBatch(
      t.db,
      {
        batch,
        datanet,
        deadline,
        items: [{ datanet, kind: 'record', ref: 'r0', batch, contributor: OWNER, payload: { q: 'q' }, heldFor: ['newcomer'] }],
      },
      policy,
    );
    const [a] = await nextItems(t.db, { datanet, reviewer: A, limit: 1, policy });
    const [b] = await nextItems(t.db, { datanet, reviewer: B, limit: 1, policy });
    expect(b.id).toBe(a.id);
    return a.id;
  };
  const decisionsOf = async (item: string) =>
    (await t.db.selectFrom('review_decisions').select(['reviewer', 'role']).where('item_id', '=', item).orderBy('seq').execute()).map(
      (r) => `${r.role}:${r.reviewer}`,
    );

  it("after a steward's override: 409 already_decided, nothing recorded, figures unchanged", async () => {
    const item = await queue('late1', 'late1:b', Date.now() + 3_600_000);
    await decide(t.db, { datanet: 'late1', itemId: item, reviewer: A, verdict: 'approve' }, policy);
    const o = await decide(
      t.db,
      { datanet: 'late1', itemId: item, reviewer: D, verdict: 'reject', reason: 'unsafe', override: true },
      policy,
    );
    expect(o.state).toBe('rejected');
    const before = await queueStats(t.db, 'late1');
    await expect(decide(t.db, { datanet: 'late1', itemId: item, reviewer: B, verdict: 'approve' }, policy)).rejects.toMatchObject({
      status: 409,
      code: 'already_decided',
      message: expect.stringMatching(/already rejected \(by a steward\).*not counted/),
    });
    expect(await decisionsOf(item)).toEqual([`reviewer:${A}`, `steward:${D}`]);
    const after = await queueStats(t.db, 'late1');
    expect(after.throughput.decisions).toBe(before.throughput.decisions);
    expect(after.decisionsPerItem).toBe(before.decisionsPerItem);
    expect((await reviewerStats(t.db, 'late1', B)).decisions).toBe(0);
    // Sent again, it is refused again (nothing was recorded to replay).
    await expect(decide(t.db, { datanet: 'late1', itemId: item, reviewer: B, verdict: 'approve' }, policy)).rejects.toMatchObject({
      code: 'already_decided',
    });
    // The one whose vote counted gets it back as a replay.
    expect(await decide(t.db, { datanet: 'late1', itemId: item, reviewer: A, verdict: 'approve' }, policy)).toMatchObject({
      replay: true,
      verdict: 'approve',
      state: 'rejected',
    });
  });

  it('after the deadline settled it: 409 already_decided naming the deadline', async () => {
    const item = await queue('late2', 'late2:b', Date.now() + 1_000);
    expect(await applyDeadline(t.db, 'late2:b', 'reject', 1, Date.now() + 2_000)).toEqual({ settled: 1, escalated: 0 });
    await expect(decide(t.db, { datanet: 'late2', itemId: item, reviewer: A, verdict: 'approve' }, policy)).rejects.toMatchObject({
      status: 409,
      code: 'already_decided',
      message: expect.stringMatching(/already rejected \(by its deadline\)/),
    });
    expect(await decisionsOf(item)).toEqual(['system:system:deadline']);
  });
});
