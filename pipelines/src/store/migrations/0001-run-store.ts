import { type Kysely, sql } from 'kysely';

// Timestamps are bigint milliseconds since the epoch: identical on PGlite and PostgreSQL, and
// cheap to compare. int8 reads back as number (PGlite) or string (pg); the store normalises.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('pipeline', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('spec_yaml', 'text', (c) => c.notNull())
    .addColumn('params', 'jsonb', (c) => c.notNull())
    .addColumn('options', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('executor', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('created_at', 'int8', (c) => c.notNull())
    .addColumn('started_at', 'int8')
    .addColumn('finished_at', 'int8')
    .addColumn('heartbeat_at', 'int8')
    .execute();
  await db.schema.createIndex('runs_created').on('runs').column('created_at').execute();

  await db.schema
    .createTable('steps')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('partition', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('cache_key', 'text')
    .addColumn('cached', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('attempts', 'int4', (c) => c.notNull().defaultTo(0))
    .addColumn('pool', 'text', (c) => c.notNull().defaultTo('cpu'))
    .addColumn('outputs', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('worker', 'text')
    .addColumn('started_at', 'int8')
    .addColumn('finished_at', 'int8')
    .addColumn('duration_ms', 'int8')
    .addPrimaryKeyConstraint('steps_pk', ['run_id', 'step_id', 'partition'])
    .execute();

  await db.schema
    .createTable('attempts')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('partition', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('attempt', 'int4', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('worker', 'text')
    .addColumn('error', 'text')
    .addColumn('started_at', 'int8', (c) => c.notNull())
    .addColumn('finished_at', 'int8')
    .addPrimaryKeyConstraint('attempts_pk', ['run_id', 'step_id', 'partition', 'attempt'])
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text')
    .addColumn('ts', 'int8', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('fields', 'jsonb')
    .execute();
  await db.schema.createIndex('events_run').on('events').columns(['run_id', 'id']).execute();

  await db.schema
    .createTable('artifacts')
    .addColumn('digest', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('bytes', 'int8')
    .addColumn('meta', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'int8', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('cache_entries')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('operator', 'text', (c) => c.notNull())
    .addColumn('outputs', 'jsonb', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'int8', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('schedule_ticks')
    .addColumn('pipeline', 'text', (c) => c.notNull())
    .addColumn('tick', 'int8', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('fired_by', 'text', (c) => c.notNull())
    .addColumn('fired_at', 'int8', (c) => c.notNull())
    .addPrimaryKeyConstraint('schedule_ticks_pk', ['pipeline', 'tick'])
    .execute();
  await sql`select 1`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['schedule_ticks', 'cache_entries', 'artifacts', 'events', 'attempts', 'steps', 'runs']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
