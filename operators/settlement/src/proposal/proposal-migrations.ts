import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { sql } from 'kysely';
import { migrateToLatest } from '@datanet/pipelines';

const AMOUNT = sql`numeric(78,0)`;

// The epoch's inputs as settled (captured once per (datanet, epoch)), and its proposals. Payouts,
// receipts and re-settlements are all computed from these rows, so what a receipt shows is what
// was paid. Own migration table: settlement's 0001 tables are left as they are.
const migrations: Record<string, Migration> = {
  '0001-epoch-inputs-and-proposals': {
    async up(db) {
      await db.schema
        .createTable('settlement_epoch_inputs')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('epoch', 'text', (c) => c.notNull())
        .addColumn('epoch_number', 'text', (c) => c.notNull())
        .addColumn('fees', AMOUNT, (c) => c.notNull())
        .addColumn('inference_count', 'int4', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('method_version', 'text', (c) => c.notNull())
        .addColumn('captured_at', 'int8', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addPrimaryKeyConstraint('settlement_epoch_inputs_pk', ['datanet', 'epoch'])
        .execute();
      await db.schema
        .createTable('settlement_input_inferences')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('epoch', 'text', (c) => c.notNull())
        .addColumn('inference_id', 'text', (c) => c.notNull())
        .addColumn('fee', AMOUNT, (c) => c.notNull())
        .addColumn('time', 'int8', (c) => c.notNull())
        .addColumn('model', 'text')
        .addColumn('adapter', 'text')
        .addColumn('prompt', 'text')
        .addColumn('output', 'text')
        .addPrimaryKeyConstraint('settlement_input_inferences_pk', ['datanet', 'epoch', 'inference_id'])
        .execute();
      await db.schema
        .createTable('settlement_input_attributions')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('epoch', 'text', (c) => c.notNull())
        .addColumn('row', 'int4', (c) => c.notNull())
        .addColumn('inference_id', 'text', (c) => c.notNull())
        .addColumn('contribution_id', 'text', (c) => c.notNull())
        .addColumn('contributor', 'text', (c) => c.notNull())
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('score', 'float8', (c) => c.notNull())
        .addColumn('evidence', 'text')
        .addPrimaryKeyConstraint('settlement_input_attributions_pk', ['datanet', 'epoch', 'row'])
        .execute();
      await db.schema
        .createIndex('settlement_input_attributions_account')
        .on('settlement_input_attributions')
        .columns(['datanet', 'epoch', 'account'])
        .execute();
      await db.schema
        .createTable('settlement_input_standing')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('epoch', 'text', (c) => c.notNull())
        .addColumn('contributor', 'text', (c) => c.notNull())
        .addColumn('standing', 'float8', (c) => c.notNull())
        .addPrimaryKeyConstraint('settlement_input_standing_pk', ['datanet', 'epoch', 'contributor'])
        .execute();
      await db.schema
        .createTable('settlement_input_texts')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('epoch', 'text', (c) => c.notNull())
        .addColumn('contribution_id', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('settlement_input_texts_pk', ['datanet', 'epoch', 'contribution_id'])
        .execute();
      await db.schema
        .createTable('settlement_proposals')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('epoch', 'text', (c) => c.notNull())
        .addColumn('version', 'int4', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('epoch_number', 'text', (c) => c.notNull())
        .addColumn('inputs_digest', 'text', (c) => c.notNull())
        .addColumn('fees', AMOUNT, (c) => c.notNull())
        .addColumn('contributor_pool', AMOUNT, (c) => c.notNull())
        .addColumn('paid', AMOUNT, (c) => c.notNull())
        .addColumn('unallocated', AMOUNT, (c) => c.notNull())
        .addColumn('merkle_root', 'text')
        .addColumn('terms', 'text', (c) => c.notNull())
        .addColumn('excluded', 'text', (c) => c.notNull())
        .addColumn('standing_overrides', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('proposed_at', 'int8', (c) => c.notNull())
        .addColumn('final_at', 'int8', (c) => c.notNull())
        .addColumn('finalised_at', 'int8')
        .addColumn('audit_hash', 'text')
        .addColumn('final_audit_hash', 'text')
        .addColumn('paid_set_root', 'text')
        .addColumn('run_id', 'text')
        .addPrimaryKeyConstraint('settlement_proposals_pk', ['datanet', 'epoch', 'version'])
        .execute();
      await db.schema
        .createTable('settlement_proposal_payouts')
        .addColumn('datanet', 'text', (c) => c.notNull())
        .addColumn('epoch', 'text', (c) => c.notNull())
        .addColumn('version', 'int4', (c) => c.notNull())
        .addColumn('idx', 'int4', (c) => c.notNull())
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('amount', AMOUNT, (c) => c.notNull())
        .addColumn('attribution', 'float8', (c) => c.notNull())
        .addColumn('standing', 'float8', (c) => c.notNull())
        .addPrimaryKeyConstraint('settlement_proposal_payouts_pk', ['datanet', 'epoch', 'version', 'idx'])
        .execute();
    },
    async down(db) {
      for (const t of [
        'settlement_proposal_payouts',
        'settlement_proposals',
        'settlement_input_texts',
        'settlement_input_standing',
        'settlement_input_attributions',
        'settlement_input_inferences',
        'settlement_epoch_inputs',
      ])
        await db.schema.dropTable(t).execute();
    },
  },
  // Inferences that arrive after an epoch was captured (a `today` settlement run again later the
  // same day) are added to its inputs while it is only proposed: each addition bumps the inputs'
  // revision, and a proposal made from an older revision is re-proposed.
  '0002-input-revisions': {
    async up(db) {
      await db.schema
        .alterTable('settlement_epoch_inputs')
        .addColumn('revision', 'int4', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('settlement_proposals')
        .addColumn('inputs_revision', 'int4', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db) {
      await db.schema.alterTable('settlement_proposals').dropColumn('inputs_revision').execute();
      await db.schema.alterTable('settlement_epoch_inputs').dropColumn('revision').execute();
    },
  },
};

const migrated = new WeakSet<Kysely<any>>();

/** Brings the epoch-input and proposal tables up to date; safe to call from every process (a no-op inside a transaction: migrate first). */
export async function migrateProposals(db: Kysely<any>): Promise<void> {
  if (db.isTransaction || migrated.has(db)) return;
  await migrateToLatest(db, 'datanet_settlement_proposals', migrations);
  migrated.add(db);
}
