import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { RegisterRoutes } from '@datanet/pipelines/server';
import { createFunction } from './sql-functions.js';

const Refusal = z.object({ error: z.string(), message: z.string() });

/**
 * A submission's fate, readable by anyone who has its id (the id is the hash of the signed
 * manifest and its signature): received, then per file and per record accepted or rejected with
 * the reason code, a human message and, for duplicates, the contribution that kept the credit.
 */
const register: RegisterRoutes = async (app, ctx) => {
  await createStatusFunction(ctx.db);
  app.get(
    '/v1/submissions/:id',
    {
      config: { access: 'public' },
      schema: {
        tags: ['contributors'],
        summary: "A submission's fate: received, then per file accepted or rejected with reason",
        params: z.object({
          id: z.string().regex(/^[0-9a-f]{64}$/, 'a submission id (64 lower-case hex digits, as the 202 answer gives it)'),
        }),
        response: {
          200: z.object({
            submissionId: z.string(),
            status: z.enum(['received', 'decided']),
            receipt: z.record(z.string(), z.unknown()).nullable(),
            files: z.array(
              z.object({
                name: z.string(),
                status: z.string(),
                reasonCode: z.string().nullable(),
                message: z.string().nullable(),
                size: z.number(),
              }),
            ),
            rejections: z
              .array(
                z.object({
                  file: z.string(),
                  recordIndex: z.number(),
                  reasonCode: z.string(),
                  message: z.string(),
                  duplicateOf: z.string().nullable(),
                  step: z
                    .string()
                    .describe(
                      "'intake', or the later step that dropped the record after intake had recorded it (dedupe.exact, dedupe.minhash, dedupe.reuse, quality.filter, review), or 'dispute' for a revoked contribution",
                    ),
                }),
              )
              .describe('records refused at intake, dropped by a later step of the pipeline, or revoked after a dispute'),
            accepted: z
              .number()
              .describe('records that stand: recorded as contributions, not dropped by a later step, not revoked, not waiting for review'),
            pending: z
              .array(z.object({ file: z.string(), recordIndex: z.number(), heldFor: z.array(z.string()) }))
              .describe(
                'records held for human review, with why (newcomer, low_standing, low_quality, near_duplicate, exposure, audit): they stand or are rejected once reviewers decide',
              ),
          }),
          404: Refusal,
        },
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      const hit = recent.get(id);
      let json: Promise<string | undefined>;
      if (hit && hit.until > Date.now()) json = hit.json;
      else {
        // One read of the store per id at a time: polls arriving while it runs wait for it.
        json = readStatus(ctx.db, id);
        remember(id, json);
        json.then(
          (text) => text === undefined && recent.delete(id),
          () => recent.delete(id),
        );
      }
      const text = await json;
      if (text === undefined) return reply.code(404).send({ error: 'unknown_submission', message: `no submission ${id}` });
      // Sent as serialized once (the body is built in the 200 schema's shape and key order).
      return reply.header('content-type', 'application/json; charset=utf-8').send(text as never);
    },
  );
};

/**
 * The status read as a SQL function, so PostgreSQL plans it once per connection (PL/pgSQL keeps
 * its plans) instead of on every read: one statement, each part on an index: the receipt (by key),
 * the decision (by id), the files (primary key), the rejections (primary key, which leads with the
 * Datanet) and the count of accepted contributions (by submission). Made when the route starts.
 */
async function createStatusFunction(db: Kysely<any>): Promise<void> {
  // v3 added `later` (drops after intake, revocations) and `held` (records waiting for review), and
  // counts only standing records: a new name, as a function's result type cannot be replaced in
  // place, and replicas of the previous version still call the old one during a rolling update.
  await createFunction(
    db,
    STATUS_FUNCTION,
    sql`create or replace function ${sql.raw(STATUS_FUNCTION)}(p_id text)
      returns table (receipt jsonb, decided boolean, known boolean, files json, rejections json, accepted int8, later json, held json)
      language plpgsql stable as $fn$
      #variable_conflict use_column
      declare
        v_held json := '[]'::json;
      begin
        -- Records a review queue holds for a person's decision (the review package's table, absent
        -- from a store that never served review): pending until reviewers decide.
        if to_regclass('review_items') is not null then
          execute $q$select coalesce(json_agg(json_build_object('file', c.source_file, 'recordIndex', c.record_index,
              'heldFor', ri.held_for, 'dropped', c.dropped_at is not null) order by c.source_file, c.record_index), '[]'::json)
            from contributions c join review_items ri on ri.datanet = c.datanet and ri.ref = c.id
            where c.submission_id = $1 and c.revoked_at is null and ri.state in ('open', 'escalated')$q$
            into v_held using p_id;
        end if;
        return query
        with s as (select id, datanet, inbox_entry from submissions where id = p_id),
          r as (select body from server_idempotency where key = 'submission:' || p_id),
          d as (select coalesce((select datanet from s), (select body ->> 'datanet' from r)) as datanet)
        select
          (select body from r),
          -- Decided once intake has closed the entry's receipt: intake writes the submission row when it
          -- starts deciding and the accepted contributions at the end, and a read in between must say
          -- "received", not "decided" with nothing accepted yet.
          (exists (select 1 from s) and not exists (select 1 from intake_receipts ir, s
            where ir.datanet = s.datanet and ir.entry = s.inbox_entry and ir.decided_at is null)),
          exists (select 1 from s),
          coalesce((select json_agg(json_build_object('name', f.name, 'status', f.status, 'reasonCode', f.reason_code,
              'message', f.message, 'size', f.size) order by f.name)
            from submission_files f where f.submission_id = p_id), '[]'::json),
          coalesce((select json_agg(json_build_object('file', j.file, 'recordIndex', j.record_index, 'reasonCode', j.reason_code,
              'message', j.message, 'duplicateOf', j.duplicate_of) order by j.file, j.record_index)
            from rejections j where j.datanet = (select datanet from d) and j.submission_id = p_id), '[]'::json),
          (select count(*) from contributions c where c.submission_id = p_id and c.dropped_at is null and c.revoked_at is null),
          -- Records intake recorded that a later step dropped, or a dispute revoked. A review rejection
          -- is also a rejection row (listed above), so a record with one at its place is not repeated.
          coalesce((select json_agg(json_build_object('file', c.source_file, 'recordIndex', c.record_index,
              'dropReason', c.drop_reason, 'revokeReason', c.revoke_reason, 'revoked', c.revoked_at is not null)
              order by c.source_file, c.record_index)
            from contributions c where c.submission_id = p_id and (c.dropped_at is not null or c.revoked_at is not null)
              and not exists (select 1 from rejections j where j.datanet = c.datanet and j.submission_id = p_id
                and j.file = c.source_file and j.record_index = c.record_index)), '[]'::json),
          v_held;
      end
      $fn$`,
  );
}

/** The status of submission `id` as JSON, or undefined when neither a receipt nor a decision exists. */
async function readStatus(db: Kysely<any>, id: string): Promise<string | undefined> {
  const { rows } = await sql<StatusRow>`select * from ${sql.raw(STATUS_FUNCTION)}(${id}::text)`.execute(db);
  const row = rows[0];
  const receipt = typeof row.receipt === 'string' ? (JSON.parse(row.receipt) as Record<string, unknown>) : row.receipt;
  if (!receipt && !row.known) return undefined;
  const files = (typeof row.files === 'string' ? JSON.parse(row.files) : row.files) as StatusFile[];
  const rejections = (typeof row.rejections === 'string' ? JSON.parse(row.rejections) : row.rejections) as StatusRejection[];
  const held = (typeof row.held === 'string' ? (JSON.parse(row.held) as HeldRow[]) : row.held).map((h) => ({
    file: h.file,
    recordIndex: Number(h.recordIndex),
    heldFor: h.heldFor ? h.heldFor.split(',') : [],
    dropped: h.dropped,
  }));
  const isHeld = new Set(held.map((h) => `${h.recordIndex}\n${h.file}`));
  const later = (typeof row.later === 'string' ? (JSON.parse(row.later) as LaterRow[]) : row.later).filter(
    (l) => !isHeld.has(`${Number(l.recordIndex)}\n${l.file}`),
  );
  const body = {
    submissionId: id,
    status: row.decided ? ('decided' as const) : ('received' as const),
    receipt: receipt ?? null,
    files: files.map((f) => ({ ...f, size: Number(f.size) })),
    rejections: [
      ...rejections.map((r) => ({
        ...r,
        recordIndex: Number(r.recordIndex),
        step: r.reasonCode.startsWith('review.') ? 'review' : 'intake',
      })),
      ...later.map(laterRejection),
    ].sort(byPlace),
    // A held record stands only once reviewers approve it.
    accepted: Number(row.accepted) - held.filter((h) => !h.dropped).length,
    pending: held.map(({ file, recordIndex, heldFor }) => ({ file, recordIndex, heldFor })).sort(byPlace),
  };
  return JSON.stringify(body);
}

const STATUS_FUNCTION = 'datanet_submission_status_v3';

const byPlace = (a: { file: string; recordIndex: number }, b: { file: string; recordIndex: number }) =>
  a.file < b.file ? -1 : a.file > b.file ? 1 : a.recordIndex - b.recordIndex;

/** A record held in a review queue, waiting for reviewers. */
interface HeldRow {
  file: string;
  recordIndex: number | string;
  /** Why it was held, comma-separated (newcomer, low_standing, low_quality, near_duplicate, exposure, audit). */
  heldFor: string | null;
  /** A near duplicate held for review is dropped by dedupe until reviewers approve it. */
  dropped: boolean;
}

/** A record recorded at intake and then dropped by a later step, or revoked, as a rejection. */
interface LaterRow {
  file: string;
  recordIndex: number | string;
  dropReason: string | null;
  revokeReason: string | null;
  revoked: boolean;
}

/**
 * A later drop as the status lists it. Drop reasons are "<step>: <why>" ("dedupe.minhash: near
 * duplicate of <id> (similarity 0.912)", "dedupe.reuse: reused from <id>", "quality.filter:
 * <rule>") or "review.<code>"; the code says what happened, the step which step decided.
 */
function laterRejection(r: LaterRow): StatusRejection & { step: string } {
  const base = { file: r.file, recordIndex: Number(r.recordIndex) };
  if (r.revoked || r.dropReason === null) {
    const why = r.revokeReason ?? 'revoked';
    return { ...base, reasonCode: 'revoked', step: 'dispute', message: `revoked after acceptance: ${why}`, duplicateOf: null };
  }
  const reason = r.dropReason;
  const colon = reason.indexOf(': ');
  const step = colon > 0 ? reason.slice(0, colon) : reason.startsWith('review.') ? 'review' : reason;
  const why = colon > 0 ? reason.slice(colon + 2) : reason;
  const source = /^(?:near duplicate of|duplicate of|reused from) (\S+)/.exec(why)?.[1] ?? null;
  const reasonCode = why.startsWith('near duplicate of')
    ? 'near_duplicate'
    : why.startsWith('duplicate of')
      ? 'duplicate'
      : why.startsWith('reused from')
        ? 'reused'
        : step === 'quality.filter'
          ? `quality.${why}`
          : colon > 0
            ? step
            : reason;
  return { ...base, reasonCode, step, message: `dropped after intake by ${step}: ${why}`, duplicateOf: source };
}

interface StatusFile {
  name: string;
  status: string;
  reasonCode: string | null;
  message: string | null;
  size: number | string;
}
interface StatusRejection {
  file: string;
  recordIndex: number;
  reasonCode: string;
  message: string;
  duplicateOf: string | null;
}
interface StatusRow {
  receipt: Record<string, unknown> | string | null;
  decided: boolean;
  known: boolean;
  files: StatusFile[] | string;
  rejections: StatusRejection[] | string;
  accepted: number | string;
  later: LaterRow[] | string;
  held: HeldRow[] | string;
}

/**
 * Statuses are polled (a portal refreshing, a script waiting for intake): each is answered from
 * this process's memory for a second after it was read, so a burst of polls costs one read of the
 * store. Nothing another replica needs lives here; a status is at most a second stale.
 */
const STATUS_TTL_MS = 1000;
const MAX_REMEMBERED = 10_000;
const recent = new Map<string, { until: number; json: Promise<string | undefined> }>();
function remember(id: string, json: Promise<string | undefined>): void {
  if (recent.size >= MAX_REMEMBERED) recent.delete(recent.keys().next().value!);
  recent.delete(id);
  recent.set(id, { until: Date.now() + STATUS_TTL_MS, json });
}

export default register;
