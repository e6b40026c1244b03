import { type Kysely, sql } from 'kysely';

// The distributed executor keeps the DAG in PostgreSQL: what each step still waits for, which
// BullMQ job currently stands for it, and who holds it (a lease renewed by heartbeats). The outbox
// holds every job decided inside a transaction, so a crash between commit and enqueue loses nothing.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('steps')
    .addColumn('pending_deps', 'int4')
    .addColumn('job_id', 'text')
    .addColumn('lease_until', 'int8')
    .addColumn('heartbeat_at', 'int8')
    .addColumn('takeovers', 'int4', (c) => c.notNull().defaultTo(0))
    .addColumn('phase', 'text')
    .addColumn('part_index', 'int4')
    .addColumn('pending_parts', 'int4')
    .addColumn('task', 'jsonb')
    .execute();
  await sql`create index steps_live on steps (status, lease_until) where status in ('queued', 'running')`.execute(db);
  // Releasing the next partitions must not scan the finished ones: O(n^2) over a 10,000-way fan-out.
  await sql`create index steps_parts_pending on steps (run_id, step_id, part_index) where partition <> '' and status = 'pending'`.execute(
    db,
  );

  await db.schema
    .createTable('dispatch_outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull().unique())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('partition', 'text', (c) => c.notNull())
    .addColumn('attempt', 'int4', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('pool', 'text', (c) => c.notNull())
    .addColumn('not_before', 'int8', (c) => c.notNull())
    .addColumn('created_at', 'int8', (c) => c.notNull())
    .addColumn('sent_at', 'int8')
    .execute();
  await sql`create index dispatch_outbox_unsent on dispatch_outbox (created_at) where sent_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dispatch_outbox').ifExists().execute();
  for (const c of ['pending_deps', 'job_id', 'lease_until', 'heartbeat_at', 'takeovers', 'phase', 'part_index', 'pending_parts', 'task']) {
    await db.schema.alterTable('steps').dropColumn(c).execute();
  }
}
