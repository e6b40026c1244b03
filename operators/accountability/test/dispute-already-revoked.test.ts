import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, REPO_ROOT, type TestDb } from '@datanet/pipelines/testing';
import {
  loadDatanetDefinition,
  openRegistry,
  resolveDatanetPath,
  standingHistory,
  standingOf,
  type DatanetDefinition,
} from '@datanet/datanet';
import { fileAsSteward, recordOwn } from './dispute-fixtures.js';
import { revokeContribution } from '@datanet/datanet';
import { getDispute, listAudit, resolveDispute, verifyAudit } from '../src/index.js';

// Two disputes of one contribution: the first upheld revokes it and lowers its owner's standing,
// and closes the second as moot (nobody decided it; its question is answered) in the same
// transaction: a later resolution of the second changes nothing, and no second revocation or
// standing change is logged, however the two resolutions interleave. A dispute upheld on a
// contribution revoked otherwise (not by a dispute) is upheld and says it was already revoked.
const OWNER = '0x' + 'a1'.repeat(20);
const FILERS = ['0x' + 'f1'.repeat(20), '0x' + 'f2'.repeat(20), '0x' + 'f3'.repeat(20)];
const STEWARDS = ['0x' + '5e'.repeat(20), '0x' + '5f'.repeat(20)];

describe.each(DB_ENGINES)('a second upheld dispute of a contribution already revoked (%s)', (engine) => {
  let t: TestDb;
  let def: DatanetDefinition;
  beforeAll(async () => {
    def = loadDatanetDefinition(resolveDatanetPath('medical-qa', REPO_ROOT));
    t = await openTestDb(engine);
    await openRegistry(t.db, engine);
    await recordOwn(t, def.id, 'rv', 4, OWNER);
  });
  afterAll(() => t?.close());

  const file = (contributionId: string, filer: string) => fileAsSteward(t, def, contributionId, filer);
  const entries = async (contribution: string) =>
    (await listAudit(t.db, { datanet: def.id })).filter((e) => e.subject === contribution || e.subject === OWNER);

  it('the first upheld closes the second as moot, once: the second resolves to nothing later', async () => {
    const first = await file('rv-1', FILERS[0]);
    const second = await file('rv-1', FILERS[1]);
    const before = await standingOf(t.db, def.id, OWNER, def.standing);
    const r1 = await resolveDispute(t.db, {
      id: first.id,
      decision: 'upheld',
      actor: STEWARDS[0],
      via: 'steward',
      standingPolicy: def.standing,
    });
    expect(r1.revocation).toBeDefined();
    expect(r1.revocation!.standingAfter).toBeLessThan(before);
    expect(r1.closedAsMoot).toEqual([second.id]);
    const afterFirst = await standingOf(t.db, def.id, OWNER, def.standing);
    const moot = (await getDispute(t.db, second.id))!;
    expect(moot).toMatchObject({ status: 'moot', resolvedVia: 'moot', resolvedBy: `dispute:${first.id}` });
    expect(moot.resolutionNote).toContain(`revoked by dispute ${first.id}`);

    const r2 = await resolveDispute(t.db, {
      id: second.id,
      decision: 'upheld',
      actor: STEWARDS[1],
      via: 'steward',
      standingPolicy: def.standing,
    });
    expect(r2).toMatchObject({ resolved: false, dispute: { id: second.id, status: 'moot' } });
    expect(r2.revocation).toBeUndefined();

    expect(await standingOf(t.db, def.id, OWNER, def.standing)).toBe(afterFirst);
    expect((await standingHistory(t.db, def.id, OWNER)).filter((h) => h.event === 'revoked')).toHaveLength(1);
    const log = await entries('rv-1');
    expect(log.map((e) => [e.kind, (e.payload as { dispute?: string }).dispute ?? null])).toEqual([
      ['dispute.opened', first.id],
      ['dispute.opened', second.id],
      ['dispute.upheld', first.id],
      ['contribution.revoked', first.id],
      ['standing.changed', null],
      ['dispute.moot', second.id],
    ]);
    expect(log.at(-1)!.payload).toMatchObject({ revokedBy: first.id });
    expect((await verifyAudit(t.db, def.id)).ok).toBe(true);
  });

  it('two stewards upholding two disputes of one contribution at once: one revocation, the other closed as moot', async () => {
    for (const c of ['rv-2', 'rv-3']) {
      const [a, b] = [await file(c, FILERS[0]), await file(c, FILERS[2])];
      const before = await standingOf(t.db, def.id, OWNER, def.standing);
      const results = await Promise.all(
        [a, b].map((d, j) =>
          resolveDispute(t.db, { id: d.id, decision: 'upheld', actor: STEWARDS[j], via: 'steward', standingPolicy: def.standing }),
        ),
      );
      const revoking = results.filter((r) => r.revocation);
      expect(revoking).toHaveLength(1);
      const other = results.find((r) => !r.revocation)!;
      expect(other).toMatchObject({ resolved: false, dispute: { status: 'moot', resolvedBy: `dispute:${revoking[0].dispute.id}` } });
      expect(revoking[0].closedAsMoot).toEqual([other.dispute.id]);
      const after = await standingOf(t.db, def.id, OWNER, def.standing);
      expect(revoking[0].revocation).toMatchObject({ standingAfter: after });
      expect(revoking[0].revocation!.standingBefore).toBeCloseTo(before, 9);
      const log = await entries(c);
      expect(log.filter((e) => e.kind === 'contribution.revoked' && e.subject === c)).toHaveLength(1);
      expect(log.filter((e) => e.kind === 'dispute.upheld')).toHaveLength(1);
      expect(log.filter((e) => e.kind === 'dispute.moot')).toHaveLength(1);
    }
    expect((await standingHistory(t.db, def.id, OWNER)).filter((h) => h.event === 'revoked')).toHaveLength(3);
    expect((await verifyAudit(t.db, def.id)).ok).toBe(true);
  });

  it('upheld on a contribution revoked otherwise (no dispute): upheld, revokes nothing again, says so', async () => {
    const d = await file('rv-0', FILERS[0]);
    await revokeContribution(t.db, { datanet: def.id, id: 'rv-0', reason: 'poisoning found by an audit', policy: def.standing });
    const afterRevoked = await standingOf(t.db, def.id, OWNER, def.standing);
    const r = await resolveDispute(t.db, {
      id: d.id,
      decision: 'upheld',
      actor: STEWARDS[0],
      via: 'steward',
      standingPolicy: def.standing,
    });
    expect(r).toMatchObject({ resolved: true, dispute: { status: 'upheld' }, alreadyRevoked: { contribution: 'rv-0', byDispute: null } });
    expect(r.revocation).toBeUndefined();
    expect(r.dispute.resolutionNote).toContain('was already revoked');
    expect(await standingOf(t.db, def.id, OWNER, def.standing)).toBe(afterRevoked);
    expect((await entries('rv-0')).at(-1)).toMatchObject({ kind: 'dispute.upheld', payload: { alreadyRevokedBy: null } });
  });
});
