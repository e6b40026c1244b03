import { sql, type Kysely } from 'kysely';
import { reservationFrom, reserveUploadArgs, type ReservationRow, type UploadReservation, type UploadRequest } from '@datanet/datanet';
import type { ServerContext } from '@datanet/pipelines/server';
import { UploadRefusal } from './receive-files.js';
import { createFunction } from './sql-functions.js';

export type Admission =
  /** The same signed submission was answered before: that answer again, nothing else done. */
  | { earlier: { status: number; body: unknown } }
  | {
      earlier?: undefined;
      quota: UploadReservation;
      /** This very submission had claimed or used its nonce before (a retry). */
      seenBefore: boolean;
      /** Another submission used the nonce (409): the reservation, if granted, is the caller's to release. */
      replayed?: UploadRefusal;
    };

/**
 * Everything an upload asks of the store before its bytes are read, in one statement (one round
 * trip, one commit): the answer kept for this submission, if any (then nothing else happens); else
 * the daily-limit reservation (datanet_reserve_upload, under its lock: see reserveUploadStatement)
 * and, when it is granted, the nonce's claim: one submission per (Datanet, contributor, nonce),
 * looked up among those intake recorded and claimed for this submission. A refused nonce (409)
 * leaves the reservation to the caller to release, as any failure after reserving does. A SQL
 * function (createAdmitFunction), so the statement is planned once per connection.
 */
export async function admitUpload(ctx: ServerContext, q: UploadRequest, nonce: string): Promise<Admission> {
  const nonceKey = `nonce:${q.datanet}:${q.contributor.toLowerCase()}:${nonce}`;
  const { rows } = await sql<
    ReservationRow & { earlier_status: number | null; earlier_body: unknown; used: string | null; claimed: string | null }
  >`select * from datanet_admit_upload(${reserveUploadArgs(q)}, ${nonce}::text, ${nonceKey}::text,
      ${JSON.stringify({ submissionId: q.submissionId })}::jsonb, ${Date.now()}::int8)`.execute(ctx.db);
  const row = rows[0];
  if (row.earlier_status !== null) {
    const body = typeof row.earlier_body === 'string' ? JSON.parse(row.earlier_body) : row.earlier_body;
    return { earlier: { status: Number(row.earlier_status), body } };
  }
  const quota = reservationFrom(row, q);
  if (!quota.ok) return { quota, seenBefore: false };
  if (row.claimed !== null) return { quota, seenBefore: false };
  // Used by intake, or claimed earlier over HTTP (the claim is read once it is committed).
  const by =
    row.used ?? (await ctx.db.selectFrom('server_idempotency').select('subject').where('key', '=', nonceKey).executeTakeFirst())?.subject;
  if (by !== q.submissionId)
    return {
      quota,
      seenBefore: false,
      replayed: new UploadRefusal(
        409,
        'replayed',
        `nonce ${nonce} of ${q.contributor} was already used by submission ${by}; sign a new submission with a fresh nonce`,
      ),
    };
  return { quota, seenBefore: true };
}

/** Makes datanet_admit_upload (see admitUpload); the upload route does when it starts. */
export async function createAdmitFunction(db: Kysely<any>): Promise<void> {
  await createFunction(
    db,
    'datanet_admit_upload',
    sql`create or replace function datanet_admit_upload(
        p_lock_key text, p_submission text, p_datanet text, p_contributor text, p_day text,
        p_bytes int8, p_files int8, p_bytes_cap int8, p_files_cap int8, p_datanet_cap int8,
        p_now int8, p_stale_ms int8, p_nonce text, p_nonce_key text, p_nonce_body jsonb, p_created_at int8)
      returns table (earlier_status int4, earlier_body jsonb, r_ok boolean, r_again boolean, r_limit text,
        r_cap int8, r_used int8, used text, claimed text)
      language plpgsql as $fn$
      declare
        v_status int4;
        v_body jsonb;
        v_res record;
        v_used text;
        v_claimed text;
      begin
        select i.status, i.body into v_status, v_body from server_idempotency i where i.key = 'submission:' || p_submission;
        if found then
          return query select v_status, v_body, null::boolean, null::boolean, null::text, null::int8, null::int8, null::text, null::text;
          return;
        end if;
        select * into v_res from datanet_reserve_upload(p_lock_key, p_submission, p_datanet, p_contributor, p_day,
          p_bytes, p_files, p_bytes_cap, p_files_cap, p_datanet_cap, p_now, p_stale_ms);
        if v_res.r_ok then
          select n.submission_id into v_used from submission_nonces n
            where n.datanet = p_datanet and n.contributor = p_contributor and n.nonce = p_nonce limit 1;
          if v_used is null then
            insert into server_idempotency (key, kind, subject, status, body, created_at)
              values (p_nonce_key, 'nonce', p_submission, 200, p_nonce_body, p_created_at)
              on conflict (key) do nothing
              returning subject into v_claimed;
          end if;
        end if;
        return query select null::int4, null::jsonb, v_res.r_ok, v_res.r_again, v_res.r_limit, v_res.r_cap, v_res.r_used, v_used, v_claimed;
      end
      $fn$`,
  );
}
