import { type Kysely, sql } from 'kysely';

// Steps that wait and runs that start on data. A parked step is a row here, not a process: what
// it waits for (condition), what it saved (checkpoint), and when time alone decides (wake_at: the
// earlier of a time condition and the deadline), so a scheduler finds due waits with one index scan.
// Signals are named outside events (a person's decision, a service's notice) that waits count.
// Trigger claims make each batch of new data start exactly one run however many schedulers look.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('step_waits')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('partition', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('condition', 'jsonb', (c) => c.notNull())
    .addColumn('condition_key', 'text', (c) => c.notNull())
    .addColumn('checkpoint', 'jsonb')
    .addColumn('checkpoint_artifact', 'jsonb')
    .addColumn('since', 'int8', (c) => c.notNull())
    .addColumn('wake_at', 'int8')
    .addColumn('deadline', 'int8')
    .addColumn('on_deadline', 'text')
    .addColumn('default_value', 'jsonb')
    .addColumn('woken_at', 'int8')
    .addColumn('woken_by', 'text')
    .addColumn('wake_reason', 'text')
    .addColumn('wake_payload', 'jsonb')
    .addPrimaryKeyConstraint('step_waits_pk', ['run_id', 'step_id', 'partition'])
    .execute();
  await sql`create index step_waits_open on step_waits (wake_at) where status = 'waiting'`.execute(db);

  await db.schema
    .createTable('wait_signals')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'int8', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('wait_signals_name').on('wait_signals').columns(['name', 'id']).execute();

  // One row per trigger: its cursor, and the row a scheduler locks while it decides a batch.
  await db.schema
    .createTable('trigger_state')
    .addColumn('pipeline', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('cursor', 'text')
    .addColumn('updated_at', 'int8', (c) => c.notNull())
    .addPrimaryKeyConstraint('trigger_state_pk', ['pipeline', 'trigger'])
    .execute();
  await db.schema
    .createTable('trigger_batches')
    .addColumn('pipeline', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('batch_key', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('entries', 'jsonb', (c) => c.notNull())
    .addColumn('fired_by', 'text', (c) => c.notNull())
    .addColumn('fired_at', 'int8', (c) => c.notNull())
    .addPrimaryKeyConstraint('trigger_batches_pk', ['pipeline', 'trigger', 'batch_key'])
    .execute();
  // Every entry a batch took: an entry is in at most one batch (the primary key refuses a second).
  await db.schema
    .createTable('trigger_entries')
    .addColumn('pipeline', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('batch_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('trigger_entries_pk', ['pipeline', 'trigger', 'entry'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['trigger_entries', 'trigger_batches', 'trigger_state', 'wait_signals', 'step_waits'])
    await db.schema.dropTable(t).ifExists().execute();
}
