import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { migrateToLatest } from '@datanet/pipelines';

// Times are int8 milliseconds since the epoch, as in the engine's run store. Fees are numeric(78,0)
// (any uint256 in base units) and travel as decimal strings, never JS numbers.
const migrations: Record<string, Migration> = {
  '0001-models-and-inference-log': {
    async up(db) {
      await db.schema
        .createTable('models')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'int4', (c) => c.notNull())
        .addColumn('adapter_digest', 'text', (c) => c.notNull())
        .addColumn('adapter_path', 'text', (c) => c.notNull())
        .addColumn('backend', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('base_model', 'text', (c) => c.notNull())
        .addColumn('base_model_digest', 'text', (c) => c.notNull())
        .addColumn('spec_hash', 'text', (c) => c.notNull())
        .addColumn('dataset_version', 'text')
        .addColumn('dataset_root', 'text')
        .addColumn('dataset_digest', 'text')
        .addColumn('metrics', 'text', (c) => c.notNull())
        .addColumn('created_run', 'text')
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('models_pk', ['name', 'version'])
        .addUniqueConstraint('models_adapter', ['name', 'adapter_digest'])
        .execute();
      await db.schema
        .createTable('inference_log')
        .addColumn('inference_id', 'text', (c) => c.primaryKey())
        .addColumn('model_id', 'text')
        .addColumn('base_model', 'text', (c) => c.notNull())
        .addColumn('adapter_digest', 'text')
        .addColumn('prompt', 'text', (c) => c.notNull())
        .addColumn('output', 'text', (c) => c.notNull())
        .addColumn('prompt_tokens', 'int4', (c) => c.notNull())
        .addColumn('output_tokens', 'int4', (c) => c.notNull())
        .addColumn('fee', 'numeric(78, 0)', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('inference_log_time').on('inference_log').columns(['created_at']).execute();
    },
    async down(db) {
      await db.schema.dropTable('inference_log').execute();
      await db.schema.dropTable('models').execute();
    },
  },
};

export const TRAIN_MIGRATION_TABLE = 'datanet_train_migrations';

/** Brings the model registry and inference log up to date; safe to call from every process. */
export async function migrateTrainRegistry(db: Kysely<any>): Promise<void> {
  await migrateToLatest(db, 'datanet_train', migrations);
}
