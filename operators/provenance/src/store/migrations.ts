import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { migrateToLatest } from '@datanet/pipelines';

// Times are int8 milliseconds since the epoch, as in the engine's run store.
const migrations: Record<string, Migration> = {
  '0001-chain-commits': {
    async up(db) {
      await db.schema
        .createTable('chain_commits')
        .addColumn('chain_id', 'text', (c) => c.notNull())
        .addColumn('registry', 'text', (c) => c.notNull())
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('datanet_id', 'text', (c) => c.notNull())
        .addColumn('epoch', 'int8', (c) => c.notNull())
        .addColumn('dataset_root', 'text', (c) => c.notNull())
        .addColumn('contributions_root', 'text', (c) => c.notNull())
        .addColumn('model_hash', 'text', (c) => c.notNull())
        .addColumn('settlement_root', 'text', (c) => c.notNull())
        .addColumn('metadata_uri', 'text', (c) => c.notNull())
        .addColumn('tx_hash', 'text')
        .addColumn('block_number', 'int8')
        .addColumn('distributor', 'text')
        .addColumn('reward_total', 'text')
        .addColumn('fund_tx_hash', 'text')
        .addColumn('manifest_path', 'text')
        .addColumn('rewards_path', 'text')
        .addColumn('run_id', 'text')
        .addColumn('step_id', 'text')
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('chain_commits_pk', ['chain_id', 'registry', 'datanet_id', 'epoch'])
        .execute();
      await db.schema.createIndex('chain_commits_datanet_epoch').on('chain_commits').columns(['datanet', 'epoch']).execute();
    },
    async down(db) {
      await db.schema.dropTable('chain_commits').execute();
    },
  },
};

export const PROVENANCE_MIGRATION_TABLE = 'datanet_provenance_migrations';

/** Brings the provenance tables up to date; safe to call from every process on start. */
export async function migrateProvenanceStore(db: Kysely<any>): Promise<void> {
  await migrateToLatest(db, PROVENANCE_MIGRATION_TABLE.replace(/_migrations$/, ''), migrations);
}
