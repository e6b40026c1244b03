import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { DisputePolicySchema, standingOf } from '@datanet/datanet';
import { listAudit, openDispute, resolveDispute, verifyAudit } from '@datanet/accountability';
import { advanceSettlement } from '../src/proposal/advance-settlement.js';
import { listProposals, loadProposalPayouts } from '../src/proposal/proposal-store.js';
import { loadAttributionRows } from '../src/proposal/epoch-input-rows.js';
import { checkLedger, loadPayouts, loadSettlement } from '../src/store/settlement-store.js';
import { address } from './fixtures.js';
import { DATANET, STEWARD, TERMS, seedEpoch, seedRegistry } from './accountability-fixture.js';

const HOUR = 3_600_000;
const policy = DisputePolicySchema.parse({});

describe.each(DB_ENGINES)('challenge window, disputes and re-settlement (%s)', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
    await seedRegistry(t.db, engine, 5, 6);
  });
  afterAll(() => t?.close());

  const advance = (epoch: string, now: number) =>
    advanceSettlement(t.db, { datanet: DATANET, epoch, terms: TERMS, windowMs: 24 * HOUR, now });

  it('an upheld dispute in the window re-settles without the contribution; the final epoch pays the re-settled amounts', async () => {
    const epoch = await seedEpoch(t.db, '2026-11-20', 40, 5, 6);
    const t0 = epoch.endMs + HOUR;
    const first = await advance(epoch.id, t0);
    expect(first.state).toBe('proposed');
    if (first.state !== 'proposed') return;
    expect(first.finalAt).toBe(t0 + 24 * HOUR);
    // Proposed is not paid: no settlement row, no ledger.
    expect(await loadSettlement(t.db, DATANET, epoch.id)).toBeUndefined();
    expect((await checkLedger(t.db, DATANET, epoch.id)).credited.size).toBe(0);
    // Calling again inside the window changes nothing.
    expect((await advance(epoch.id, t0 + HOUR)).proposal.version).toBe(1);

    // The contribution with the largest score of contributor 0 is disputed and upheld.
    const rows = await loadAttributionRows(t.db, DATANET, epoch.id, address(0));
    const target = rows.sort((a, b) => b.score - a.score)[0].contributionId;
    const v1 = await loadProposalPayouts(t.db, DATANET, epoch.id, 1);
    const before = v1.find((p) => p.account === address(0))!;
    const standingBefore = await standingOf(t.db, DATANET, address(0));
    const { dispute } = await openDispute(t.db, {
      datanet: DATANET,
      contributionId: target,
      filer: STEWARD,
      role: 'steward',
      reason: 'incorrect',
      evidence: 'the answer contradicts the cited guideline on insulin dosing',
      policy,
      now: t0 + 2 * HOUR,
    });
    const resolved = await resolveDispute(t.db, { id: dispute.id, decision: 'upheld', actor: STEWARD, via: 'steward', now: t0 + 3 * HOUR });
    expect(resolved.revocation?.standingAfter).toBeLessThan(standingBefore);
    expect(await standingOf(t.db, DATANET, address(0))).toBe(resolved.revocation?.standingAfter);
    // Resolving again (a retry, a second steward) changes nothing.
    expect((await resolveDispute(t.db, { id: dispute.id, decision: 'dismissed', actor: STEWARD, via: 'steward' })).resolved).toBe(false);

    const second = await advance(epoch.id, t0 + 4 * HOUR);
    expect(second.state).toBe('proposed');
    if (second.state !== 'proposed') return;
    expect(second.proposal.version).toBe(2);
    expect(second.proposal.excluded).toEqual([target]);
    expect(second.finalAt).toBe(t0 + 28 * HOUR); // a fresh window
    const v2 = await loadProposalPayouts(t.db, DATANET, epoch.id, 2);
    const after = v2.find((p) => p.account === address(0))!;
    // As the policy says: the revoked contribution's score is gone and the standing is the lowered one.
    const kept = rows.filter((r) => r.contributionId !== target && r.score > 0).reduce((n, r) => n + Math.round(r.score * 1e10), 0) / 1e10;
    expect(after.attribution).toBeCloseTo(kept, 9);
    expect(after.standing).toBe(resolved.revocation?.standingAfter);
    expect(after.amount).toBeLessThan(before.amount);
    expect(v2.reduce((n, p) => n + p.amount, 0n)).toBe(v1.reduce((n, p) => n + p.amount, 0n)); // the same pool, re-divided

    // The old window passing does not finalise the new proposal.
    expect((await advance(epoch.id, t0 + 25 * HOUR)).state).toBe('proposed');
    const final = await advance(epoch.id, t0 + 29 * HOUR);
    expect(final.state).toBe('final');
    const paid = await loadPayouts(t.db, DATANET, epoch.id);
    expect(paid).toEqual(v2);
    const ledger = await checkLedger(t.db, DATANET, epoch.id);
    expect(ledger.unbalanced).toEqual([]);
    expect(ledger.total).toBe(0n);
    expect(ledger.credited.get(address(0))).toBe(after.amount);
    const statuses = (await listProposals(t.db, DATANET, epoch.id)).map((p) => [p.version, p.status]);
    expect(statuses).toEqual([
      [1, 'superseded'],
      [2, 'final'],
    ]);
  });

  it('a dispute upheld after finalisation changes only the next epoch; nothing is clawed back', async () => {
    const epoch = '2026-11-20@UTC';
    const settled = await loadPayouts(t.db, DATANET, epoch);
    const rows = await loadAttributionRows(t.db, DATANET, epoch, address(1));
    const target = rows.filter((r) => r.score > 0)[0].contributionId;
    const { dispute } = await openDispute(t.db, {
      datanet: DATANET,
      contributionId: target,
      filer: STEWARD,
      role: 'steward',
      reason: 'licence',
      evidence: 'the source page forbids redistribution of this answer text',
      policy,
    });
    await resolveDispute(t.db, { id: dispute.id, decision: 'upheld', actor: STEWARD, via: 'steward' });
    const again = await advanceSettlement(t.db, {
      datanet: DATANET,
      epoch,
      terms: TERMS,
      windowMs: 24 * HOUR,
      now: Date.now() + 100 * HOUR,
    });
    expect(again.state).toBe('final');
    expect(await loadPayouts(t.db, DATANET, epoch)).toEqual(settled);
    // The next epoch excludes it from its first proposal.
    const next = await seedEpoch(t.db, '2026-11-21', 40, 5, 6, 11);
    const nextRows = await loadAttributionRows(t.db, DATANET, next.id);
    const p = await advanceSettlement(t.db, { datanet: DATANET, epoch: next.id, terms: TERMS, windowMs: 0, now: next.endMs + HOUR });
    expect(p.state).toBe('final');
    expect(p.proposal.version).toBe(1);
    const revoked = (
      await t.db.selectFrom('contributions').select('id').where('datanet', '=', DATANET).where('revoked_at', 'is not', null).execute()
    ).map((r) => r.id as string);
    const expected = [...new Set(nextRows.map((r) => r.contributionId))].filter((id) => revoked.includes(id)).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(p.proposal.excluded).toEqual(expected);
  });

  it('records every decision in the audit log, and the chain verifies', async () => {
    const kinds = (await listAudit(t.db, { datanet: DATANET })).map((e) => e.kind);
    expect(kinds.slice(0, 7)).toEqual([
      'settlement.proposed',
      'dispute.opened',
      'dispute.upheld',
      'contribution.revoked',
      'standing.changed',
      'settlement.proposed',
      'settlement.finalised',
    ]);
    const v = await verifyAudit(t.db, DATANET);
    expect(v.firstBad).toBeNull();
    expect(v.heads.map((h) => h.epoch)).toEqual(['2026-11-20@UTC', '2026-11-21@UTC']);
  });

  it('a revocation that commits while the epoch is being made final is not paid: the epoch is proposed again without it', async () => {
    const epoch = await seedEpoch(t.db, '2026-11-22', 40, 5, 6, 13);
    const t0 = epoch.endMs + HOUR;
    expect((await advance(epoch.id, t0)).state).toBe('proposed');
    const revoked = new Set(
      (
        await t.db.selectFrom('contributions').select('id').where('datanet', '=', DATANET).where('revoked_at', 'is not', null).execute()
      ).map((r) => r.id as string),
    );
    const rows = await loadAttributionRows(t.db, DATANET, epoch.id);
    const target = rows.filter((r) => r.score > 0 && !revoked.has(r.contributionId)).sort((a, b) => b.score - a.score)[0].contributionId;
    let probes = 0;
    // The window has passed and the plan is read; a steward upholds a dispute right then.
    const raced = await advanceSettlement(t.db, {
      datanet: DATANET,
      epoch: epoch.id,
      terms: TERMS,
      windowMs: 24 * HOUR,
      now: t0 + 25 * HOUR,
      beforeFinal: async () => {
        if (probes++) return;
        const { dispute } = await openDispute(t.db, {
          datanet: DATANET,
          contributionId: target,
          filer: STEWARD,
          role: 'steward',
          reason: 'incorrect',
          evidence: 'found wrong while the settlement was being made final',
          policy,
        });
        await resolveDispute(t.db, { id: dispute.id, decision: 'upheld', actor: STEWARD, via: 'steward' });
      },
    });
    expect(probes).toBe(1);
    expect(raced.state).toBe('proposed');
    expect(raced.proposal.version).toBe(2);
    expect(raced.proposal.excluded).toContain(target);
    // Nothing was recorded for the epoch: no settlement, no ledger entries.
    expect(await loadSettlement(t.db, DATANET, epoch.id)).toBeUndefined();
    expect((await checkLedger(t.db, DATANET, epoch.id)).credited.size).toBe(0);
    const final = await advance(epoch.id, t0 + 50 * HOUR);
    expect(final.state).toBe('final');
    expect(final.proposal.version).toBe(2);
    expect(await loadPayouts(t.db, DATANET, epoch.id)).toEqual(await loadProposalPayouts(t.db, DATANET, epoch.id, 2));
  });

  it('a dismissed dispute changes nothing, and too many of them rate-limit the filer', async () => {
    const strict = DisputePolicySchema.parse({
      dismissedLimit: 2,
      dismissedWindow: '7d',
      openers: ['steward', 'contributor'],
      minStanding: 0.3,
    });
    const filer = address(3);
    for (const j of [0, 1]) {
      const { dispute } = await openDispute(t.db, {
        datanet: DATANET,
        contributionId: `c4-${j}`,
        filer,
        role: 'contributor',
        reason: 'duplicate',
        duplicateOf: 'c2-0',
        evidence: 'this answer repeats c2-0 almost word for word',
        policy: strict,
      });
      const standing = await standingOf(t.db, DATANET, address(4));
      const r = await resolveDispute(t.db, { id: dispute.id, decision: 'dismissed', actor: STEWARD, via: 'steward' });
      expect(r.revocation).toBeUndefined();
      expect(await standingOf(t.db, DATANET, address(4))).toBe(standing);
    }
    await expect(
      openDispute(t.db, {
        datanet: DATANET,
        contributionId: 'c4-2',
        filer,
        role: 'contributor',
        reason: 'incorrect',
        evidence: 'a third try at disputing a good answer',
        policy: strict,
      }),
    ).rejects.toThrow(/dismissed in the last 7d; you may open another from/);
    await expect(
      openDispute(t.db, {
        datanet: DATANET,
        contributionId: 'c4-2',
        filer: STEWARD,
        role: 'reviewer',
        reason: 'incorrect',
        evidence: 'reviewers may not open disputes here',
        policy: strict,
      }),
    ).rejects.toThrow(/only steward, contributor may open disputes/);
    await expect(
      openDispute(t.db, {
        datanet: DATANET,
        contributionId: 'c4-2',
        filer: STEWARD,
        role: 'steward',
        reason: 'incorrect',
        evidence: 'short',
        policy: strict,
      }),
    ).rejects.toThrow(/at least 20 characters/);
  });
});
