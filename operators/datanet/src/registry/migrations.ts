import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { migrateToLatest } from '@datanet/pipelines';

// Times are int8 milliseconds since the epoch, as in the engine's run store.
const migrations: Record<string, Migration> = {
  '0001-registry': {
    async up(db) {
      await db.schema
        .createTable('contributors')
        .addColumn('address', 'text', (c) => c.primaryKey())
        .addColumn('first_seen_at', 'int8', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('submissions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('contributor', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('signed_at', 'int8', (c) => c.notNull())
        .addColumn('received_at', 'int8', (c) => c.notNull())
        .addColumn('inbox_entry', 'text', (c) => c.notNull())
        .addColumn('file_count', 'int4', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .execute();
      await db.schema
        .createTable('submission_nonces')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('contributor', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('submission_id', 'text', (c) => c.notNull())
        .addColumn('used_at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('submission_nonces_pk', ['datanet', 'contributor', 'nonce'])
        .execute();
      await db.schema
        .createTable('submission_files')
        .addColumn('submission_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('contributor', 'text', (c) => c.notNull())
        .addColumn('size', 'int8', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason_code', 'text')
        .addColumn('message', 'text')
        .addColumn('usage_day', 'text')
        .addColumn('decided_at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('submission_files_pk', ['submission_id', 'name'])
        .execute();
      await db.schema
        .createTable('contributions')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('contributor', 'text', (c) => c.notNull())
        .addColumn('submission_id', 'text', (c) => c.notNull())
        .addColumn('source_file', 'text', (c) => c.notNull())
        .addColumn('record_index', 'int4', (c) => c.notNull())
        .addColumn('licence', 'text', (c) => c.notNull())
        .addColumn('consent', 'text', (c) => c.notNull())
        .addColumn('submitted_at', 'int8', (c) => c.notNull())
        .addColumn('validator_version', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('accepted_at', 'int8', (c) => c.notNull())
        .addColumn('revoked_at', 'int8')
        .addColumn('revoke_reason', 'text')
        .addPrimaryKeyConstraint('contributions_pk', ['datanet', 'id'])
        .execute();
      await db.schema.createIndex('contributions_by_contributor').on('contributions').columns(['datanet', 'contributor']).execute();
      await db.schema.createIndex('contributions_by_submission').on('contributions').columns(['submission_id', 'source_file']).execute();
      await db.schema
        .createTable('rejections')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('submission_id', 'text', (c) => c.notNull())
        // '' for a rejection of the whole submission; record_index -1 for a whole file.
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('record_index', 'int4', (c) => c.notNull())
        .addColumn('contributor', 'text', (c) => c.notNull())
        .addColumn('authenticated', 'boolean', (c) => c.notNull())
        .addColumn('reason_code', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('duplicate_of', 'text')
        .addColumn('run_id', 'text')
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('rejections_pk', ['datanet', 'submission_id', 'file', 'record_index', 'reason_code'])
        .execute();
      await db.schema
        .createTable('standing_history')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('contributor', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull())
        .addColumn('standing', 'float8', (c) => c.notNull())
        .addColumn('at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('standing_history_pk', ['datanet', 'contributor', 'event', 'ref'])
        .execute();
      await db.schema
        .createTable('daily_usage')
        .addColumn('datanet', 'text', (c) => c.notNull())
        // '*' is the whole Datanet's row, for the per-Datanet daily byte cap.
        .addColumn('contributor', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('bytes', 'int8', (c) => c.notNull())
        .addColumn('files', 'int4', (c) => c.notNull())
        .addPrimaryKeyConstraint('daily_usage_pk', ['datanet', 'contributor', 'day'])
        .execute();
    },
    async down(db) {
      for (const t of [
        'daily_usage',
        'standing_history',
        'rejections',
        'contributions',
        'submission_files',
        'submission_nonces',
        'submissions',
        'contributors',
      ]) {
        await db.schema.dropTable(t).execute();
      }
    },
  },
  // Credit by arrival: each inbox entry gets a receipt (a sequence per Datanet) when intake takes it in.
  '0002-intake-receipts': {
    async up(db) {
      await db.schema
        .createTable('intake_receipts')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('seq', 'int8', (c) => c.notNull())
        .addColumn('entry', 'text', (c) => c.notNull())
        .addColumn('received_at', 'int8', (c) => c.notNull())
        .addColumn('decided_at', 'int8')
        .addColumn('outcome', 'text')
        .addPrimaryKeyConstraint('intake_receipts_pk', ['datanet', 'seq'])
        .execute();
      // At most one open receipt per entry name, so two intake processes cannot number an entry twice.
      await db.schema
        .createIndex('intake_receipts_open_entry')
        .on('intake_receipts')
        .columns(['datanet', 'entry'])
        .unique()
        .where(sql.ref('decided_at'), 'is', null)
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('intake_receipts').execute();
    },
  },
};

export const REGISTRY_MIGRATION_TABLE = 'datanet_registry_migrations';

/** Brings the registry tables up to date; safe to call from every process on start. */
export async function migrateRegistry(db: Kysely<any>): Promise<void> {
  await migrateToLatest(db, 'datanet_registry', migrations);
}
