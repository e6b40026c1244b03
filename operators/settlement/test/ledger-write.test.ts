import { DB_ENGINES, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger, epochOfDate, ledgerPostings, loadPayouts, loadSettlement, planSettlement, recordSettlement } from '../src/index.js';
import { copyRows, usesPgClient } from '../src/store/copy-rows.js';
import { migrateSettlement, settlementMigrations } from '../src/store/migrations.js';

// The ledger write: COPY FROM STDIN on PostgreSQL, unnest() inserts on PGlite; same rows either way.
const epoch = epochOfDate('2026-11-24', 'UTC');
const plan = (datanet: string, contributors = 2500) =>
  planSettlement({
    datanet,
    epoch,
    fees: 10n ** 24n + 12345n,
    split: { platform: 1000, modelOwner: 2000, stakers: 1000, contributors: 6000 },
    standingWeight: { floor: 0.25, gamma: 1, defaultStanding: 0.5 },
    contributors: Array.from({ length: contributors }, (_, i) => ({
      account: '0x' + (i * 7919 + 3).toString(16).padStart(40, '0'),
      attribution: i % 11 === 0 ? 0 : 1 / (1 + (i % 37)),
      standing: i % 5 === 0 ? undefined : (i % 1000) / 1000,
    })),
  });

describe.each(DB_ENGINES)('ledger write on %s', (engine) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDb(engine);
  });
  afterAll(() => db.close());

  it(engine === 'postgres' ? 'goes through COPY on the transaction' : 'inserts through unnest()', async () => {
    expect(await usesPgClient(db.db)).toBe(engine === 'postgres');
    await db.db.transaction().execute(async (trx) => expect(await usesPgClient(trx)).toBe(engine === 'postgres'));
  });

  it('writes every payout and posting exactly, escaping what COPY would misread, once', async () => {
    const datanet = 'tab\there back\\slash\nline';
    const p = plan(datanet);
    const first = await recordSettlement(db.db, p, { merkleRoot: '0x' + '11'.repeat(32) });
    expect(first.created).toBe(true);
    expect(first.settlement.datanet).toBe(datanet);
    const stored = await loadPayouts(db.db, datanet, epoch.id);
    expect(stored).toEqual(p.payouts);
    const postings = await sql<{ txn: string; line: number; account: string; amount: string }>`
      select txn, line, account, amount::text as amount from settlement_ledger where datanet = ${datanet} order by txn, line`.execute(
      db.db,
    );
    const expected = [...ledgerPostings(p)].sort((a, b) => (a.txn < b.txn ? -1 : a.txn > b.txn ? 1 : a.line - b.line));
    expect(postings.rows.map((r) => ({ ...r, line: Number(r.line), amount: BigInt(r.amount) }))).toEqual(expected);
    const ledger = await checkLedger(db.db, datanet, epoch.id);
    expect(ledger.unbalanced).toEqual([]);
    expect(ledger.total).toBe(0n);
    expect(ledger.poolBalance).toBe(0n);
    expect(ledger.credited.size).toBe(p.payouts.length);
    const again = await recordSettlement(db.db, p, { merkleRoot: '0x' + '11'.repeat(32) });
    expect(again.created).toBe(false);
    expect((await loadPayouts(db.db, datanet, epoch.id)).length).toBe(p.payouts.length);
    // Each payout is written once: the contributors' credits in the ledger are the payout rows.
    const written = await sql<{ payouts: number; entries: number }>`
      select (select count(*)::int from settlement_payouts where datanet = ${datanet}) as payouts,
        (select count(*)::int from settlement_ledger_entries where datanet = ${datanet}) as entries`.execute(db.db);
    expect(written.rows[0]).toEqual({ payouts: p.payouts.length, entries: expected.length - p.payouts.length });
    expect(expected.length - p.payouts.length).toBeLessThanOrEqual(8);
  });

  it('refuses a plan that would pay an account twice in the epoch, writing nothing', async () => {
    const p = plan('paid-twice');
    const twice = { ...p, payouts: p.payouts.map((x, i) => (i === 7 ? { ...x, account: p.payouts[6].account } : x)) };
    await expect(recordSettlement(db.db, twice, { merkleRoot: null })).rejects.toThrow(/distinct and ascending/);
    const shuffled = { ...p, payouts: p.payouts.map((x, i) => (i === 3 ? { ...x, index: 4 } : x)) };
    await expect(recordSettlement(db.db, shuffled, { merkleRoot: null })).rejects.toThrow(/payout 3 has index 4/);
    expect(await loadSettlement(db.db, 'paid-twice', epoch.id)).toBeUndefined();
    expect(await loadPayouts(db.db, 'paid-twice', epoch.id)).toEqual([]);
  });

  it('takes the root as a promise (the tree hashed during the write): stored when it resolves, nothing written when it fails', async () => {
    const ok = plan('root-later');
    const root = '0x' + '22'.repeat(32);
    const stored = await recordSettlement(db.db, ok, { merkleRoot: new Promise((r) => setImmediate(() => r(root))) });
    expect(stored.created).toBe(true);
    expect(stored.settlement.merkleRoot).toBe(root);
    expect((await loadPayouts(db.db, 'root-later', epoch.id)).length).toBe(ok.payouts.length);

    const bad = plan('tree-failed');
    await expect(
      recordSettlement(db.db, bad, { merkleRoot: new Promise((_, no) => setImmediate(() => no(new Error('tree build failed')))) }),
    ).rejects.toThrow('tree build failed');
    const left = await sql<{ n: number }>`
      select (select count(*) from settlements where datanet = 'tree-failed') + (select count(*) from settlement_payouts where datanet = 'tree-failed')
        + (select count(*) from settlement_ledger where datanet = 'tree-failed') as n`.execute(db.db);
    expect(Number(left.rows[0].n)).toBe(0);
  });

  it.skipIf(engine !== 'postgres')('rolls the whole transaction back when a COPY fails, and the connection stays usable', async () => {
    const before = await sql<{ n: number }>`select count(*)::int as n from settlement_payouts`.execute(db.db);
    await expect(
      db.db.transaction().execute(async (trx) => {
        await copyRows(
          trx,
          'settlement_payouts',
          ['datanet', 'epoch', 'idx', 'account', 'amount', 'attribution', 'standing'],
          ['broken\te\t0\t0xa\t1\t0.5\t0.5\n', 'broken\te\t1\t0xb\tnot-a-number\t0.5\t0.5\n'],
        );
      }),
    ).rejects.toThrow(/not-a-number/);
    const after = await sql<{ n: number }>`select count(*)::int as n from settlement_payouts`.execute(db.db);
    expect(after.rows[0].n).toBe(before.rows[0].n);
    const p = plan('after-failure');
    expect((await recordSettlement(db.db, p, { merkleRoot: null })).created).toBe(true);
    expect((await loadPayouts(db.db, 'after-failure', epoch.id)).length).toBe(p.payouts.length);
  });

  it('pays once when two settlers race on the same epoch', async () => {
    const p = plan('race');
    const results = await Promise.all([recordSettlement(db.db, p, { merkleRoot: null }), recordSettlement(db.db, p, { merkleRoot: null })]);
    expect(results.filter((r) => r.created).length).toBe(1);
    const ledger = await checkLedger(db.db, 'race', epoch.id);
    expect(ledger.credited.size).toBe(p.payouts.length);
    expect([...ledger.credited.values()].reduce((a, b) => a + b, 0n)).toBe(p.paid);
  });

  it('migrates a ledger written before payouts were its credits: same postings, a disagreeing credit still unbalances', async () => {
    const old = await openTestDb(engine);
    try {
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(old.db);
      const migrator = new Migrator({
        db: old.db,
        provider: { getMigrations: async () => settlementMigrations },
        migrationTableName: 'datanet_settlement_migrations',
        migrationLockTableName: 'datanet_settlement_migrations_lock',
        migrationTableSchema: rows[0].schema,
      });
      expect((await migrator.migrateTo('0002-drop-ledger-account-index')).error).toBeUndefined();
      // As the store wrote them then: every payout, and every posting (credits included).
      const good = plan('before', 300);
      const bad = plan('altered', 300);
      for (const p of [good, bad]) {
        await old.db
          .insertInto('settlement_payouts')
          .values(
            p.payouts.map((x) => ({
              datanet: p.datanet,
              epoch: p.epoch,
              idx: x.index,
              account: x.account,
              amount: x.amount.toString(),
              attribution: x.attribution,
              standing: x.standing,
            })),
          )
          .execute();
        const postings = [...ledgerPostings(p)].map((x) => ({
          datanet: p.datanet,
          epoch: p.epoch,
          txn: x.txn,
          line: x.line,
          account: x.account,
          amount: (p === bad && x.txn === 'payouts' && x.line === 10 ? x.amount + 1n : x.amount).toString(),
        }));
        await old.db.insertInto('settlement_ledger').values(postings).execute();
      }
      await migrateSettlement(old.db);
      const view = await sql<{ txn: string; line: number; account: string; amount: string }>`
        select txn, line, account, amount::text as amount from settlement_ledger where datanet = 'before' order by txn, line`.execute(
        old.db,
      );
      const expected = [...ledgerPostings(good)].sort((a, b) => (a.txn < b.txn ? -1 : a.txn > b.txn ? 1 : a.line - b.line));
      expect(view.rows.map((r) => ({ ...r, line: Number(r.line), amount: BigInt(r.amount) }))).toEqual(expected);
      const entries = await sql<{ n: number }>`select count(*)::int as n from settlement_ledger_entries where datanet = 'before'`.execute(
        old.db,
      );
      expect(entries.rows[0].n).toBe(expected.length - good.payouts.length);
      const before = await checkLedger(old.db, 'before', epoch.id);
      expect([before.unbalanced, before.total, before.poolBalance, before.credited.size]).toEqual([[], 0n, 0n, good.payouts.length]);
      // The altered credit did not repeat its payout row: it stays beside it, and the ledger says so.
      const altered = await checkLedger(old.db, 'altered', epoch.id);
      expect(altered.unbalanced).toEqual([`${epoch.id} payouts`]);
      expect(altered.total).not.toBe(0n);
    } finally {
      await old.close();
    }
  });
});
