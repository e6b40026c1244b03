import { getAddress } from 'ethers';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { roleAtLeast, type RegisterRoutes } from '@datanet/pipelines/server';
import { contributionCounts } from '@datanet/datanet';

const Refusal = z.object({ error: z.string(), message: z.string() });
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const DATANET = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/**
 * A contributor's submissions, newest first: those received over HTTP (their receipts, pending
 * until intake decides) and those intake recorded (HTTP or the inbox), with what became of their
 * records in all. Private: only the signed-in address itself, or the stewards (and owners) of the
 * Datanet named by `?datanet=`.
 */
const register: RegisterRoutes = (app, ctx) => {
  app.get(
    '/v1/contributors/:address/submissions',
    {
      config: { access: { role: 'contributor', why: 'the address itself, or a steward of the Datanet named by ?datanet=' } },
      // Decided before the request is validated, so a caller who may not read learns nothing from errors.
      preValidation: async (req, reply) => {
        const p = req.principal!;
        const address = String((req.params as { address?: string }).address ?? '').toLowerCase();
        const datanet = (req.query as { datanet?: unknown }).datanet;
        if (p.kind === 'session' && ADDRESS.test(address) && p.address.toLowerCase() === address) return;
        if (typeof datanet === 'string' && DATANET.test(datanet)) {
          const held = p.kind === 'token' ? (p.scope === datanet ? p.role : 'contributor') : await ctx.roles.roleOf(datanet, p.address);
          if (roleAtLeast(held, 'steward')) return;
        }
        return reply.code(403).send({
          error: 'forbidden',
          message:
            typeof datanet === 'string'
              ? `only ${address || 'that address'} itself or a steward of ${datanet} may list these submissions`
              : `only ${address || 'that address'} itself may list its submissions; a steward names the Datanet (?datanet=)`,
        });
      },
      schema: {
        tags: ['contributors'],
        summary: "A contributor's submissions, newest first, paged (private: the address itself, or stewards of ?datanet=)",
        params: z.object({ address: z.string().regex(ADDRESS, 'an address (0x and 40 hex digits)') }),
        querystring: z.object({
          datanet: z.string().regex(DATANET, 'a Datanet id').optional(),
          page: z.coerce.number().int().min(1).max(100_000).default(1),
          pageSize: z.coerce.number().int().min(1).max(100).default(20),
        }),
        response: {
          200: z.object({
            records: z
              .object({
                standing: z.number().describe('recorded at intake, not dropped by a later step, not revoked, not waiting for review'),
                waitingForReview: z
                  .number()
                  .describe('held in a review queue until reviewers decide (a near duplicate held there included): not dropped'),
                dropped: z.number().describe('dropped after intake by a later step (dedupe, quality, a review rejection): not counted'),
                revoked: z.number().describe('revoked after a dispute'),
              })
              .describe(
                "what became of the records of all these submissions, counted as GET /v1/submissions/{id} counts each submission's (accepted, pending, rejections by step)",
              ),
            total: z.number(),
            page: z.number(),
            pageSize: z.number(),
            items: z.array(
              z.object({
                id: z.string(),
                datanet: z.string(),
                receivedAt: z.number(),
                status: z.enum(['received', 'decided']),
                files: z.number().nullable(),
              }),
            ),
          }),
          403: Refusal,
        },
      },
    },
    async (req) => {
      const address = req.params.address.toLowerCase();
      const { datanet, page, pageSize } = req.query;
      // Receipts: key 'submission:<id>', subject '<datanet>:<address>:<day>'.
      const receipts = sql`select substr(key, 12) as id, split_part(subject, ':', 1) as datanet, created_at as received_at,
          false as decided, (body->>'fileCount')::int as files
        from server_idempotency
        where kind = 'submission' and split_part(subject, ':', 2) = ${address}
        ${datanet ? sql`and split_part(subject, ':', 1) = ${datanet}` : sql``}`;
      // Decided once intake has closed the entry's receipt, as GET /v1/submissions/{id} says: intake
      // writes the submission row when it starts deciding, before its records.
      const recorded = sql`select s.id, s.datanet, s.received_at, not exists (select 1 from intake_receipts ir
            where ir.datanet = s.datanet and ir.entry = s.inbox_entry and ir.decided_at is null) as decided, s.file_count as files
        from submissions s where lower(s.contributor) = ${address} ${datanet ? sql`and s.datanet = ${datanet}` : sql``}`;
      const merged = sql`select id, min(datanet) as datanet, min(received_at) as received_at, bool_or(decided) as decided, max(files) as files
        from (${receipts} union all ${recorded}) s group by id`;
      const [rows, count, records] = await Promise.all([
        sql<{ id: string; datanet: string; received_at: string | number; decided: boolean; files: number | null }>`
          select * from (${merged}) m order by received_at desc, id desc limit ${pageSize} offset ${(page - 1) * pageSize}`.execute(ctx.db),
        sql<{ n: string | number }>`select count(*) as n from (${merged}) m`.execute(ctx.db),
        recordFates(ctx.db, address, datanet),
      ]);
      return {
        records,
        total: Number(count.rows[0]?.n ?? 0),
        page,
        pageSize,
        items: rows.rows.map((r) => ({
          id: r.id,
          datanet: r.datanet,
          receivedAt: Number(r.received_at),
          status: r.decided ? ('decided' as const) : ('received' as const),
          files: r.files === null ? null : Number(r.files),
        })),
      };
    },
  );
};

/** The contributor's records by fate (contributionCounts: the submission status's definitions), summed over Datanets. */
async function recordFates(db: Kysely<any>, address: string, datanet: string | undefined) {
  // Intake records the signer as ethers recovers it: checksummed (the index is (datanet, contributor)).
  const [r] = await contributionCounts(db, datanet, getAddress(address));
  return { standing: r?.accepted ?? 0, waitingForReview: r?.waitingForReview ?? 0, dropped: r?.dropped ?? 0, revoked: r?.revoked ?? 0 };
}

export default register;
