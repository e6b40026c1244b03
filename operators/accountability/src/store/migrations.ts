import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { migrateToLatest } from '@datanet/pipelines';

// Times are int8 ms since 1970. Hashes are 0x-prefixed sha256 hex (bytes32 on-chain).
const migrations: Record<string, Migration> = {
  '0001-audit-and-disputes': {
    async up(db) {
      // One append-only chain per Datanet: entry n carries the hash of entry n-1.
      await db.schema
        .createTable('audit_log')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('seq', 'int8', (c) => c.notNull())
        .addColumn('key', 'text')
        .addColumn('at', 'int8', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('payload_hash', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_log_pk', ['datanet', 'seq'])
        .addUniqueConstraint('audit_log_key', ['datanet', 'key'])
        .execute();
      // The last entry of each chain, moved in the same transaction as each append: deleting the
      // newest entries (which no later entry links to) still shows.
      await db.schema
        .createTable('audit_heads')
        .addColumn('datanet', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'int8', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('disputes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('contribution_id', 'text', (c) => c.notNull())
        .addColumn('contributor', 'text', (c) => c.notNull())
        .addColumn('filer', 'text', (c) => c.notNull())
        .addColumn('filer_role', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('duplicate_of', 'text')
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'int8', (c) => c.notNull())
        .addColumn('resolved_at', 'int8')
        .addColumn('resolved_by', 'text')
        .addColumn('resolved_via', 'text')
        .addColumn('resolution_note', 'text')
        .execute();
      await db.schema.createIndex('disputes_contribution').on('disputes').columns(['datanet', 'contribution_id']).execute();
      await db.schema.createIndex('disputes_filer').on('disputes').columns(['datanet', 'filer', 'status']).execute();
    },
    async down(db) {
      await db.schema.dropTable('disputes').execute();
      await db.schema.dropTable('audit_heads').execute();
      await db.schema.dropTable('audit_log').execute();
    },
  },
};

const migrated = new WeakSet<Kysely<any>>();

/**
 * Brings the audit and dispute tables up to date; safe to call from every process on start. Inside
 * a transaction it does nothing: callers migrate before they open one (a migration cannot run in
 * another's transaction, and a failed probe would abort it).
 */
export async function migrateAccountability(db: Kysely<any>): Promise<void> {
  if (db.isTransaction || migrated.has(db)) return;
  await migrateToLatest(db, 'datanet_accountability', migrations);
  migrated.add(db);
}
