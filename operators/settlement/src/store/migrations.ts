import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { migrateToLatest } from '@datanet/pipelines';
import { sql } from 'kysely';

const AMOUNT = sql`numeric(78,0)`;

// Amounts are numeric(78,0): any uint256, summed exactly in SQL. Times are int8 ms since the epoch.
export const settlementMigrations: Record<string, Migration> = {
  '0001-settlements': {
    async up(db) {
      await db.schema
        .createTable('settlements')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('epoch', 'text', (c) => c.notNull())
        .addColumn('epoch_number', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('inputs_digest', 'text', (c) => c.notNull())
        .addColumn('fees', AMOUNT, (c) => c.notNull())
        .addColumn('platform', AMOUNT, (c) => c.notNull())
        .addColumn('model_owner', AMOUNT, (c) => c.notNull())
        .addColumn('stakers', AMOUNT, (c) => c.notNull())
        .addColumn('contributor_pool', AMOUNT, (c) => c.notNull())
        .addColumn('paid', AMOUNT, (c) => c.notNull())
        .addColumn('unallocated', AMOUNT, (c) => c.notNull())
        .addColumn('payout_count', 'int4', (c) => c.notNull())
        .addColumn('merkle_root', 'text')
        .addColumn('plan', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('settlements_pk', ['datanet', 'epoch'])
        .execute();
      await db.schema
        .createTable('settlement_payouts')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('epoch', 'text', (c) => c.notNull())
        .addColumn('idx', 'int4', (c) => c.notNull())
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('amount', AMOUNT, (c) => c.notNull())
        .addColumn('attribution', 'float8', (c) => c.notNull())
        .addColumn('standing', 'float8', (c) => c.notNull())
        .addPrimaryKeyConstraint('settlement_payouts_pk', ['datanet', 'epoch', 'idx'])
        .addUniqueConstraint('settlement_payouts_account', ['datanet', 'epoch', 'account'])
        .execute();
      // Double entry: every transaction's postings sum to zero (debits negative, credits positive).
      await db.schema
        .createTable('settlement_ledger')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('epoch', 'text', (c) => c.notNull())
        .addColumn('txn', 'text', (c) => c.notNull())
        .addColumn('line', 'int4', (c) => c.notNull())
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('amount', AMOUNT, (c) => c.notNull())
        .addPrimaryKeyConstraint('settlement_ledger_pk', ['datanet', 'epoch', 'txn', 'line'])
        .execute();
      await db.schema.createIndex('settlement_ledger_account').on('settlement_ledger').columns(['account']).execute();
    },
    async down(db) {
      await db.schema.dropTable('settlement_ledger').execute();
      await db.schema.dropTable('settlement_payouts').execute();
      await db.schema.dropTable('settlements').execute();
    },
  },
  // No query looks ledger postings up by account alone (checks scope by datanet and epoch, the
  // primary key's prefix), yet the index cost as much as the rest of a 1M-payout ledger write.
  '0002-drop-ledger-account-index': {
    async up(db) {
      await db.schema.dropIndex('settlement_ledger_account').ifExists().execute();
    },
    async down(db) {
      await db.schema.createIndex('settlement_ledger_account').on('settlement_ledger').columns(['account']).execute();
    },
  },
  // The ledger write was two rows per payout: the payout itself and the same amount posted to the
  // contributor's account, each with its own index maintained row by row (plus a unique index on
  // the payout's account). The payout row now IS that credit posting: settlement_ledger becomes a
  // view, the stored entries (fees, the pool's debit, unallocated) united with one credit per
  // payout row. Same rows, same readers, half the writes. Account uniqueness per epoch is checked
  // before the write (the plan's accounts strictly ascend), no longer by an index on every insert.
  '0003-ledger-credits-are-payout-rows': {
    async up(db) {
      await sql`alter table settlement_payouts drop constraint if exists settlement_payouts_account`.execute(db);
      await sql`alter table settlement_ledger rename to settlement_ledger_entries`.execute(db);
      // Stored credits that repeat a payout row exactly are dropped; any other row stays, so a
      // ledger that disagreed with its payouts still shows as unbalanced.
      await sql`delete from settlement_ledger_entries e using settlement_payouts p
        where e.datanet = p.datanet and e.epoch = p.epoch and e.txn = 'payouts' and e.line = p.idx + 1
          and e.account = 'contributor:' || p.account and e.amount = p.amount`.execute(db);
      await sql`create view settlement_ledger as
        select datanet, epoch, txn, line, account, amount from settlement_ledger_entries
        union all
        select datanet, epoch, 'payouts'::text, idx + 1, 'contributor:' || account, amount from settlement_payouts`.execute(db);
    },
    async down(db) {
      await sql`drop view settlement_ledger`.execute(db);
      await sql`insert into settlement_ledger_entries (datanet, epoch, txn, line, account, amount)
        select datanet, epoch, 'payouts', idx + 1, 'contributor:' || account, amount from settlement_payouts`.execute(db);
      await sql`alter table settlement_ledger_entries rename to settlement_ledger`.execute(db);
      await db.schema
        .alterTable('settlement_payouts')
        .addUniqueConstraint('settlement_payouts_account', ['datanet', 'epoch', 'account'])
        .execute();
    },
  },
};

export const SETTLEMENT_MIGRATION_TABLE = 'datanet_settlement_migrations';

const LATEST = Object.keys(settlementMigrations).sort().at(-1)!;
const migrated = new WeakSet<Kysely<any>>();

/** Brings the settlement tables up to date; safe to call from every process on start. */
export async function migrateSettlement(db: Kysely<any>): Promise<void> {
  if (migrated.has(db)) return;
  // Fast path without Kysely's introspection, which reads the columns of every table in every
  // schema and fails when another schema is dropped meanwhile (parallel tests drop theirs).
  // On a fresh store the table is missing: ask first rather than let the query fail, since a failed
  // query costs ~0.5 s of main-thread time (Kysely extends the error's stack, which formats it
  // through the source maps).
  const exists = await sql<{ t: boolean }>`select to_regclass(${SETTLEMENT_MIGRATION_TABLE}) is not null as t`
    .execute(db)
    .then((r) => r.rows[0].t === true)
    .catch(() => false);
  const done =
    exists &&
    (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(SETTLEMENT_MIGRATION_TABLE)} where name = ${LATEST}`
      .execute(db)
      .then((r) => r.rows[0].n > 0)
      .catch(() => false));
  if (!done) {
    for (let attempt = 1; ; attempt++) {
      try {
        await migrateToLatest(db, 'datanet_settlement', settlementMigrations);
        break;
      } catch (err) {
        if (attempt >= 4 || !/does not exist/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  }
  migrated.add(db);
}
