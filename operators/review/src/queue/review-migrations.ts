import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { migrateToLatest } from '@datanet/pipelines';

// Times are int8 milliseconds since the epoch, as in the run store and the registry.
const migrations: Record<string, Migration> = {
  '0001-review-queue': {
    async up(db) {
      await db.schema
        .createTable('review_items')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('datanet', 'text', (c) => c.notNull())
        // record: a held record; gold: a known-answer item; dispute: a contested contribution (issue 15).
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull())
        .addColumn('batch', 'text', (c) => c.notNull())
        .addColumn('contributor', 'text')
        // Lower-cased addresses that may not decide it, as ",a,b," (the contributor, a dispute's filer).
        .addColumn('exclude', 'text', (c) => c.notNull().defaultTo(','))
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('held_for', 'text', (c) => c.notNull())
        .addColumn('priority', 'float8', (c) => c.notNull().defaultTo(0))
        .addColumn('deadline', 'int8', (c) => c.notNull())
        .addColumn('min_approvals', 'int4', (c) => c.notNull())
        .addColumn('min_rejections', 'int4', (c) => c.notNull())
        .addColumn('policy_version', 'int4', (c) => c.notNull())
        // open | escalated (stewards only) | approved | rejected
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('approvals', 'int4', (c) => c.notNull().defaultTo(0))
        .addColumn('rejections', 'int4', (c) => c.notNull().defaultTo(0))
        // Live (handed out, undecided, unexpired) assignments: never more than the votes it still needs.
        .addColumn('outstanding', 'int4', (c) => c.notNull().defaultTo(0))
        .addColumn('gold_expected', 'text')
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .addColumn('decided_at', 'int8')
        .execute();
      await db.schema
        .createIndex('review_items_queue')
        .on('review_items')
        // The order next() hands items out in, so it reads the index instead of sorting the backlog.
        .columns(['datanet', 'state', 'deadline', 'priority desc', 'id'])
        .execute();
      await db.schema.createIndex('review_items_batch').on('review_items').columns(['batch', 'state']).execute();

      await db.schema
        .createTable('review_assignments')
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('reviewer', 'text', (c) => c.notNull())
        .addColumn('assigned_at', 'int8', (c) => c.notNull())
        .addColumn('expires_at', 'int8', (c) => c.notNull())
        .addColumn('decided_at', 'int8')
        // The lease ran out (or its reviewer was suspended) and the item went back to the queue.
        .addColumn('released', 'boolean', (c) => c.notNull().defaultTo(false))
        .addPrimaryKeyConstraint('review_assignments_pk', ['item_id', 'reviewer'])
        .execute();
      await db.schema.createIndex('review_assignments_by_reviewer').on('review_assignments').columns(['reviewer', 'decided_at']).execute();
      await db.schema.createIndex('review_assignments_live').on('review_assignments').columns(['expires_at']).execute();

      // Append-only: every decision with reviewer, time, item and policy version (issue 15 chains it).
      await db.schema
        .createTable('review_decisions')
        .addColumn('seq', 'bigserial', (c) => c.primaryKey())
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('reviewer', 'text', (c) => c.notNull())
        // reviewer | steward (an override) | system (a deadline policy)
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('verdict', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('note', 'text')
        .addColumn('gold_correct', 'boolean')
        .addColumn('policy_version', 'int4', (c) => c.notNull())
        .addColumn('decided_at', 'int8', (c) => c.notNull())
        .addUniqueConstraint('review_decisions_once', ['item_id', 'reviewer', 'role'])
        .execute();
      await sql`create function review_decisions_append_only() returns trigger language plpgsql as $$
        begin raise exception 'review_decisions is append-only: % refused', tg_op; end $$`.execute(db);
      await sql`create trigger review_decisions_append_only before update or delete on review_decisions
        for each row execute function review_decisions_append_only()`.execute(db);

      await db.schema
        .createTable('review_outcomes')
        .addColumn('item_id', 'text', (c) => c.primaryKey())
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull())
        .addColumn('batch', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        // quorum | steward | deadline
        .addColumn('decided_by', 'text', (c) => c.notNull())
        .addColumn('approvals', 'int4', (c) => c.notNull())
        .addColumn('rejections', 'int4', (c) => c.notNull())
        .addColumn('policy_version', 'int4', (c) => c.notNull())
        .addColumn('decided_at', 'int8', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('review_outcomes_by_kind').on('review_outcomes').columns(['datanet', 'kind', 'decided_at']).execute();

      await db.schema
        .createTable('review_reviewers')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('reviewer', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('served', 'int4', (c) => c.notNull().defaultTo(0))
        .addColumn('gold_answered', 'int4', (c) => c.notNull().defaultTo(0))
        .addColumn('gold_correct', 'int4', (c) => c.notNull().defaultTo(0))
        .addColumn('suspended_at', 'int8')
        .addColumn('suspended_reason', 'text')
        .addPrimaryKeyConstraint('review_reviewers_pk', ['datanet', 'reviewer'])
        .execute();

      // Each reviewer's agreement with the consensus, item by item, so it can be followed over time.
      await db.schema
        .createTable('review_agreement')
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('reviewer', 'text', (c) => c.notNull())
        .addColumn('agreed', 'boolean', (c) => c.notNull())
        .addColumn('at', 'int8', (c) => c.notNull())
        .addPrimaryKeyConstraint('review_agreement_pk', ['item_id', 'reviewer'])
        .execute();

      await db.schema
        .createTable('review_batches')
        .addColumn('batch', 'text', (c) => c.primaryKey())
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('step_id', 'text')
        .addColumn('signal', 'text', (c) => c.notNull())
        .addColumn('items', 'int4', (c) => c.notNull())
        .addColumn('open', 'int4', (c) => c.notNull())
        .addColumn('deadline', 'int8', (c) => c.notNull())
        .addColumn('created_at', 'int8', (c) => c.notNull())
        .addColumn('settled_at', 'int8')
        .execute();

      // Records held under `firstRecords` so far, per contributor: a newcomer's first N, once.
      await db.schema
        .createTable('review_newcomers')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('contributor', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('batch', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('review_newcomers_pk', ['datanet', 'contributor', 'record_id'])
        .execute();
    },
    async down(db) {
      await sql`drop trigger if exists review_decisions_append_only on review_decisions`.execute(db);
      await sql`drop function if exists review_decisions_append_only()`.execute(db);
      for (const t of [
        'review_newcomers',
        'review_batches',
        'review_agreement',
        'review_reviewers',
        'review_outcomes',
        'review_decisions',
        'review_assignments',
        'review_items',
      ])
        await db.schema.dropTable(t).execute();
    },
  },
  '0002-gold-slot': {
    async up(db) {
      // Where each reviewer's next gold item goes (a count of items served), drawn at random per block.
      await db.schema.alterTable('review_reviewers').addColumn('gold_slot', 'int4').execute();
    },
    async down(db) {
      await db.schema.alterTable('review_reviewers').dropColumn('gold_slot').execute();
    },
  },
  '0003-batch-deadline-applied': {
    async up(db) {
      // When the server applied the deadline policy to a batch no run waits on (a dispute's): set
      // once, under the batch's row lock, by the replica that applied it.
      await db.schema.alterTable('review_batches').addColumn('deadline_applied_at', 'int8').execute();
      await sql`create index review_batches_due on review_batches (deadline)
        where settled_at is null and deadline_applied_at is null and run_id is null`.execute(db);
    },
    async down(db) {
      await sql`drop index if exists review_batches_due`.execute(db);
      await db.schema.alterTable('review_batches').dropColumn('deadline_applied_at').execute();
    },
  },
};

/** Brings the review tables up to date; safe to call from every process on start. */
export async function migrateReview(db: Kysely<any>): Promise<void> {
  await migrateToLatest(db, 'datanet_review', migrations);
}
