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
  // The two locked steps of an upload over HTTP, each one statement (one round trip, one commit):
  // a lock, then statements that each see what the lock's previous holder committed (a volatile
  // function's statements take their own snapshots). Bodies are checked when they run, so the
  // reservations table (made by the upload route) need not exist yet.
  '0003-upload-functions': {
    async up(db) {
      // The upload's daily-limit reservation: see reserveUpload (upload-reservations.ts).
      await sql`create or replace function datanet_reserve_upload(
          p_lock_key text, p_submission text, p_datanet text, p_contributor text, p_day text,
          p_bytes int8, p_files int8, p_bytes_cap int8, p_files_cap int8, p_datanet_cap int8,
          p_now int8, p_stale_ms int8)
        returns table (r_ok boolean, r_again boolean, r_limit text, r_cap int8, r_used int8)
        language plpgsql as $fn$
        declare
          v_who text := lower(p_contributor);
          v_bytes int8;
          v_files int8;
        begin
          perform pg_advisory_xact_lock(hashtext(p_lock_key));
          if exists (select 1 from upload_reservations where submission_id = p_submission) then
            -- The same signed submission again (a retry): its earlier reservation stands for it.
            update upload_reservations set updated_at = p_now where submission_id = p_submission;
            return query select true, true, null::text, null::int8, null::int8;
            return;
          end if;
          -- Decided usage (intake's counters) plus uploads reserved (live) or received and not yet decided.
          select coalesce((select u.bytes from daily_usage u where u.datanet = p_datanet and u.contributor = p_contributor and u.day = p_day), 0)
                 + coalesce(sum(r.bytes), 0),
                 coalesce((select u.files from daily_usage u where u.datanet = p_datanet and u.contributor = p_contributor and u.day = p_day), 0)
                 + coalesce(sum(r.files), 0)
            into v_bytes, v_files
            from upload_reservations r
            where r.datanet = p_datanet and r.day = p_day and r.contributor = v_who
              and (r.state = 'received' or r.updated_at > p_now - p_stale_ms)
              and not exists (select 1 from submissions s where s.id = r.submission_id);
          if v_bytes + p_bytes > p_bytes_cap then
            return query select false, false, 'dailyBytesPerContributor'::text, p_bytes_cap, v_bytes;
            return;
          end if;
          if p_files_cap is not null and v_files + p_files > p_files_cap then
            return query select false, false, 'dailyFilesPerContributor'::text, p_files_cap, v_files;
            return;
          end if;
          if p_datanet_cap is not null then
            select coalesce((select u.bytes from daily_usage u where u.datanet = p_datanet and u.contributor = '*' and u.day = p_day), 0)
                   + coalesce(sum(r.bytes), 0)
              into v_bytes
              from upload_reservations r
              where r.datanet = p_datanet and r.day = p_day
                and (r.state = 'received' or r.updated_at > p_now - p_stale_ms)
                and not exists (select 1 from submissions s where s.id = r.submission_id);
            if v_bytes + p_bytes > p_datanet_cap then
              return query select false, false, 'dailyBytesPerDatanet'::text, p_datanet_cap, v_bytes;
              return;
            end if;
          end if;
          insert into upload_reservations (submission_id, datanet, contributor, day, bytes, files, state, updated_at)
            values (p_submission, p_datanet, v_who, p_day, p_bytes, p_files, 'uploading', p_now);
          return query select true, false, null::text, null::int8, null::int8;
        end
        $fn$`.execute(db);
      // An entry's receipt: see takeReceipt (submissions.ts).
      await sql`create or replace function datanet_take_receipt(p_datanet text, p_entry text, p_received_at int8)
        returns setof intake_receipts
        language plpgsql as $fn$
        begin
          perform pg_advisory_xact_lock(hashtext('intake-receipt:' || p_datanet));
          -- Under the lock: the entry's open receipt, else a new one numbered max + 1.
          return query
            with open as (
              select * from intake_receipts where datanet = p_datanet and entry = p_entry and decided_at is null limit 1
            ), taken as (
              insert into intake_receipts (datanet, seq, entry, received_at, decided_at, outcome)
              select p_datanet, coalesce((select max(seq) from intake_receipts where datanet = p_datanet), 0) + 1,
                p_entry, p_received_at, null, null
              where not exists (select 1 from open)
              on conflict do nothing
              returning *
            )
            select * from open union all select * from taken;
        end
        $fn$`.execute(db);
    },
    async down(db) {
      await sql`drop function if exists datanet_reserve_upload`.execute(db);
      await sql`drop function if exists datanet_take_receipt`.execute(db);
    },
  },
  // Receipts of several entries of one Datanet in one statement and one commit (see takeReceipts):
  // the lock is taken once, then each entry in turn, in order of arrival.
  '0004-receipt-batches': {
    async up(db) {
      await sql`create or replace function datanet_take_receipts(p_datanet text, p_entries text[], p_received_at int8[])
        returns setof intake_receipts
        language plpgsql as $fn$
        begin
          for i in 1 .. coalesce(array_length(p_entries, 1), 0) loop
            return query select * from datanet_take_receipt(p_datanet, p_entries[i], p_received_at[i]);
          end loop;
        end
        $fn$`.execute(db);
    },
    async down(db) {
      await sql`drop function if exists datanet_take_receipts`.execute(db);
    },
  },
  // A contribution a later step of the pipeline dropped (a duplicate, a quality or review
  // rejection) is not accepted data: it stays (its id still names the content, for receipts and
  // duplicate checks) but standing and earned rights no longer count it. See dropContributions.
  '0005-dropped-contributions': {
    async up(db) {
      await db.schema.alterTable('contributions').addColumn('dropped_at', 'int8').execute();
      await db.schema.alterTable('contributions').addColumn('drop_reason', 'text').execute();
    },
    async down(db) {
      await db.schema.alterTable('contributions').dropColumn('drop_reason').execute();
      await db.schema.alterTable('contributions').dropColumn('dropped_at').execute();
    },
  },
  // Stores from before 0005: review rejections were already recorded (rejections, review.<code>),
  // so their contributions are dropped now. Dedupe and quality drops left no trace in the registry;
  // they are dropped the next time their step runs (a step served from its cache does not run).
  '0006-drop-review-rejections': {
    async up(db) {
      await sql`update contributions c set dropped_at = r.created_at, drop_reason = r.reason_code
        from rejections r
       where r.datanet = c.datanet and r.submission_id = c.submission_id and r.file = c.source_file
         and r.record_index = c.record_index and starts_with(r.reason_code, 'review.')
         and c.dropped_at is null and c.revoked_at is null`.execute(db);
    },
    async down() {
      // Nothing to undo: 0005's down drops the columns.
    },
  },
  // A contributor's page (GET /v1/contributors/{address}) counts that contributor's files: by
  // index, not by reading every file of the Datanet.
  '0007-submission-files-by-contributor': {
    async up(db) {
      await db.schema.createIndex('submission_files_by_contributor').on('submission_files').columns(['datanet', 'contributor']).execute();
    },
    async down(db) {
      await db.schema.dropIndex('submission_files_by_contributor').execute();
    },
  },
  // An upload's reservation counts until intake has decided its files, not until intake writes the
  // submission row: in between, its bytes counted nowhere, so a second upload passed the check
  // (202) and intake then refused it. What is in flight is now one function, read by the upload's
  // check (datanet_reserve_upload, replaced here), by intake's (reserveDailyUsage) and by the
  // contributor's page: each reservation less the files intake has decided of its submission.
  // The reservations table is made here too, so intake can read it where no upload route runs.
  '0008-uploads-in-flight': {
    async up(db) {
      await sql`create table if not exists upload_reservations (
        submission_id text primary key,
        datanet text not null,
        contributor text not null,
        day text not null,
        bytes bigint not null,
        files integer not null,
        state text not null,
        updated_at bigint not null)`.execute(db);
      await sql`create index if not exists upload_reservations_by_day on upload_reservations (datanet, day, contributor)`.execute(db);
      // Decided reservations are left out of every sum: the index holds only the others.
      await sql`create index if not exists upload_reservations_live on upload_reservations (datanet, day, contributor)
        where state <> 'decided'`.execute(db);
      // See uploadsInFlight (upload-reservations.ts). A reservation with a file row still pending
      // visible here is the caller's own (intake, inside decideFile's transaction: committed rows
      // are never pending), so intake's check counts the other uploads only.
      await sql`create or replace function datanet_uploads_in_flight(
          p_datanet text, p_who text, p_day text, p_now int8, p_stale_ms int8)
        returns table (bytes int8, files int8)
        language plpgsql stable as $fn$
        begin
          return query
            select coalesce(sum(greatest(r.bytes - coalesce(d.bytes, 0), 0)), 0)::int8,
                   coalesce(sum(greatest(r.files - coalesce(d.files, 0), 0)), 0)::int8
              from upload_reservations r
              left join lateral (
                select sum(f.size) as bytes, count(*) as files, bool_or(f.status = 'pending') as own
                  from submission_files f where f.submission_id = r.submission_id) d on true
             where r.datanet = p_datanet and r.day = p_day and (p_who is null or r.contributor = p_who)
               and r.state <> 'decided'
               and (r.state = 'received' or r.updated_at > p_now - p_stale_ms)
               and not coalesce(d.own, false);
        end
        $fn$`.execute(db);
      await sql`create or replace function datanet_reserve_upload(
          p_lock_key text, p_submission text, p_datanet text, p_contributor text, p_day text,
          p_bytes int8, p_files int8, p_bytes_cap int8, p_files_cap int8, p_datanet_cap int8,
          p_now int8, p_stale_ms int8)
        returns table (r_ok boolean, r_again boolean, r_limit text, r_cap int8, r_used int8)
        language plpgsql as $fn$
        declare
          v_who text := lower(p_contributor);
          v_bytes int8;
          v_files int8;
        begin
          perform pg_advisory_xact_lock(hashtext(p_lock_key));
          -- The same signed submission again (a retry): its earlier reservation stands for it,
          -- unless it was an upload left stale (it counted for nothing since): that one is checked anew.
          if exists (select 1 from upload_reservations where submission_id = p_submission
                       and (state <> 'uploading' or updated_at > p_now - p_stale_ms)) then
            update upload_reservations set updated_at = p_now where submission_id = p_submission and state = 'uploading';
            return query select true, true, null::text, null::int8, null::int8;
            return;
          end if;
          delete from upload_reservations where submission_id = p_submission;
          -- Decided usage (intake's counters) plus the uploads in flight.
          select coalesce((select u.bytes from daily_usage u where u.datanet = p_datanet and u.contributor = p_contributor and u.day = p_day), 0) + f.bytes,
                 coalesce((select u.files from daily_usage u where u.datanet = p_datanet and u.contributor = p_contributor and u.day = p_day), 0) + f.files
            into v_bytes, v_files
            from datanet_uploads_in_flight(p_datanet, v_who, p_day, p_now, p_stale_ms) f;
          if v_bytes + p_bytes > p_bytes_cap then
            return query select false, false, 'dailyBytesPerContributor'::text, p_bytes_cap, v_bytes;
            return;
          end if;
          if p_files_cap is not null and v_files + p_files > p_files_cap then
            return query select false, false, 'dailyFilesPerContributor'::text, p_files_cap, v_files;
            return;
          end if;
          if p_datanet_cap is not null then
            select coalesce((select u.bytes from daily_usage u where u.datanet = p_datanet and u.contributor = '*' and u.day = p_day), 0) + f.bytes
              into v_bytes
              from datanet_uploads_in_flight(p_datanet, null, p_day, p_now, p_stale_ms) f;
            if v_bytes + p_bytes > p_datanet_cap then
              return query select false, false, 'dailyBytesPerDatanet'::text, p_datanet_cap, v_bytes;
              return;
            end if;
          end if;
          insert into upload_reservations (submission_id, datanet, contributor, day, bytes, files, state, updated_at)
            values (p_submission, p_datanet, v_who, p_day, p_bytes, p_files, 'uploading', p_now);
          return query select true, false, null::text, null::int8, null::int8;
        end
        $fn$`.execute(db);
    },
    async down(db) {
      // 0003's datanet_reserve_upload again (create or replace), before what it no longer calls goes.
      await migrations['0003-upload-functions'].up(db);
      await sql`drop function if exists datanet_uploads_in_flight`.execute(db);
      await sql`drop index if exists upload_reservations_live`.execute(db);
    },
  },
  // Intake's daily check finds the time of receipt of the file it decides by its pending row
  // (reserveDailyUsage): a partial index holds only those (a row is pending inside one transaction).
  '0009-pending-files': {
    async up(db) {
      await sql`create index if not exists submission_files_pending on submission_files (datanet, contributor) where status = 'pending'`.execute(
        db,
      );
    },
    async down(db) {
      await sql`drop index if exists submission_files_pending`.execute(db);
    },
  },
};

export const REGISTRY_MIGRATION_TABLE = 'datanet_registry_migrations';

/** Brings the registry tables up to date; safe to call from every process on start. */
export async function migrateRegistry(db: Kysely<any>): Promise<void> {
  await migrateToLatest(db, 'datanet_registry', migrations);
}
