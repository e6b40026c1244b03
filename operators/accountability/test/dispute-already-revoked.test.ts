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
import { getDispute, listAudit, resolveDispute, verifyAudit } from '../src/index.js';

// Two disputes of one contribution, both upheld: the first revokes it and lowers its owner's
// standing; the second is upheld too (its claim was right) but revokes nothing, says so and by
// which dispute, and logs no second revocation or standing change.
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

  it('is upheld, names the dispute that revoked it, and moves neither standing nor the log twice', async () => {
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
    const afterFirst = await standingOf(t.db, def.id, OWNER, def.standing);

    const r2 = await resolveDispute(t.db, {
      id: second.id,
      decision: 'upheld',
      actor: STEWARDS[1],
      via: 'steward',
      standingPolicy: def.standing,
    });
    expect(r2.resolved).toBe(true);
    expect(r2.dispute.status).toBe('upheld');
    // No revocation took place now: the answer must not present one.
    expect(r2.revocation).toBeUndefined();
    expect(r2.alreadyRevoked).toMatchObject({ contribution: 'rv-1', byDispute: first.id });
    expect(r2.alreadyRevoked!.reason).toContain(`dispute ${first.id} upheld`);
    expect(r2.dispute.resolutionNote).toContain(`already revoked by dispute ${first.id}`);
    expect((await getDispute(t.db, second.id))!.resolutionNote).toContain(`already revoked by dispute ${first.id}`);

    expect(await standingOf(t.db, def.id, OWNER, def.standing)).toBe(afterFirst);
    expect((await standingHistory(t.db, def.id, OWNER)).filter((h) => h.event === 'revoked')).toHaveLength(1);
    const contribution = await t.db
      .selectFrom('contributions')
      .select(['revoke_reason'])
      .where('id', '=', 'rv-1')
      .executeTakeFirstOrThrow();
    expect(contribution.revoke_reason).toContain(`dispute ${first.id} upheld`);

    const log = await entries('rv-1');
    expect(log.map((e) => [e.kind, (e.payload as { dispute?: string }).dispute ?? null])).toEqual([
      ['dispute.opened', first.id],
      ['dispute.opened', second.id],
      ['dispute.upheld', first.id],
      ['contribution.revoked', first.id],
      ['standing.changed', null],
      ['dispute.upheld', second.id],
    ]);
    expect(log.at(-1)!.payload).toMatchObject({ alreadyRevokedBy: first.id });
    expect((await verifyAudit(t.db, def.id)).ok).toBe(true);
  });

  it('two stewards upholding two disputes of one contribution at once: one revocation, the other names it', async () => {
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
      expect(other.resolved).toBe(true);
      expect(other.alreadyRevoked?.byDispute).toBe(revoking[0].dispute.id);
      const after = await standingOf(t.db, def.id, OWNER, def.standing);
      expect(revoking[0].revocation).toMatchObject({ standingAfter: after });
      expect(revoking[0].revocation!.standingBefore).toBeCloseTo(before, 9);
      const log = await entries(c);
      expect(log.filter((e) => e.kind === 'contribution.revoked' && e.subject === c)).toHaveLength(1);
      expect(log.filter((e) => e.kind === 'dispute.upheld')).toHaveLength(2);
    }
    expect((await standingHistory(t.db, def.id, OWNER)).filter((h) => h.event === 'revoked')).toHaveLength(3);
    expect((await verifyAudit(t.db, def.id)).ok).toBe(true);
  });
});
