import { sql } from 'kysely';
import { reservationFrom, reserveUploadStatement, type ReservationRow, type UploadReservation, type UploadRequest } from '@datanet/datanet';
import type { ServerContext } from '@datanet/pipelines/server';
import { UploadRefusal } from './receive-files.js';

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
 * the daily-limit reservation (under its lock, see reserveUploadStatement) and, when it is granted,
 * the nonce's claim: one submission per (Datanet, contributor, nonce), looked up among those intake
 * recorded and claimed for this submission. A refused nonce (409) leaves the reservation to the
 * caller to release, as any failure after reserving does.
 */
export async function admitUpload(ctx: ServerContext, q: UploadRequest, nonce: string): Promise<Admission> {
  const nonceKey = `nonce:${q.datanet}:${q.contributor.toLowerCase()}:${nonce}`;
  // `reservation` runs only when no answer is kept (a one-time filter on the function scan), and
  // the claim only when the reservation is granted.
  const { rows } = await sql<
    ReservationRow & { earlier_status: number | null; earlier_body: unknown; used: string | null; claimed: string | null }
  >`
    with earlier as (
      select status, body from server_idempotency where key = ${`submission:${q.submissionId}`}
    ), reservation as (
      select * from (${reserveUploadStatement(q)}) as r where not exists (select 1 from earlier)
    ), used as (
      select submission_id from submission_nonces where datanet = ${q.datanet} and contributor = ${q.contributor} and nonce = ${nonce} limit 1
    ), claimed as (
      insert into server_idempotency (key, kind, subject, status, body, created_at)
      select ${nonceKey}::text, 'nonce', ${q.submissionId}::text, 200, ${JSON.stringify({ submissionId: q.submissionId })}::jsonb, ${Date.now()}::int8
      where not exists (select 1 from used) and exists (select 1 from reservation where r_ok)
      on conflict (key) do nothing
      returning subject
    )
    select e.status as earlier_status, e.body as earlier_body, r.r_ok, r.r_again, r.r_limit, r.r_cap, r.r_used,
      (select submission_id from used) as used, (select subject from claimed) as claimed
    from (select 1) as one left join earlier e on true left join reservation r on true`.execute(ctx.db);
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
