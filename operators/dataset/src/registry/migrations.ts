import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { migrateToLatest } from '@datanet/pipelines';

// Times are int8 milliseconds since the epoch, as in the engine's run store.
const migrations: Record<string, Migration> = {
  '0001-dataset-versions': {
    async up(db) {
      await db.schema
        .createTable('dataset_versions')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('version', 'int4', (c) => c.notNull())
        .addColumn('parent_version', 'int4')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('merkle_root', 'text', (c) => c.notNull())
        .addColumn('leaf_encoding', 'text', (c) => c.notNull())
        .addColumn('manifest_digest', 'text', (c) => c.notNull())
        .addColumn('row_count', 'int8', (c) => c.notNull())
        .addColumn('contribution_count', 'int8', (c) => c.notNull())
        .addColumn('dataset_digest', 'text', (c) => c.notNull())
        .addColumn('dataset_path', 'text', (c) => c.notNull())
        .addColumn('manifest_path', 'text', (c) => c.notNull())
        .addColumn('croissant_digest', 'text')
        .addColumn('croissant_path', 'text')
        .addColumn('created_run', 'text')
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('dataset_versions_pk', ['datanet', 'version'])
        .addUniqueConstraint('dataset_versions_content', ['datanet', 'merkle_root', 'manifest_digest'])
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('dataset_versions').execute();
    },
  },
};

export const DATASET_MIGRATION_TABLE = 'datanet_dataset_migrations';

/** Brings the dataset registry tables up to date; safe to call from every process on start. */
export async function migrateDatasetRegistry(db: Kysely<any>): Promise<void> {
  await migrateToLatest(db, 'datanet_dataset', migrations);
}
