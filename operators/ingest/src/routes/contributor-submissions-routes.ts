import { sql } from 'kysely';
import { z } from 'zod';
import { roleAtLeast, type RegisterRoutes } from '@datanet/pipelines/server';

const Refusal = z.object({ error: z.string(), message: z.string() });
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const DATANET = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/**
 * A contributor's submissions, newest first: those received over HTTP (their receipts, pending
 * until intake decides) and those intake recorded (HTTP or the inbox). Private: only the
 * signed-in address itself, or the stewards (and owners) of the Datanet named by `?datanet=`.
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
      const recorded = sql`select id, datanet, received_at, true as decided, file_count as files
        from submissions where lower(contributor) = ${address} ${datanet ? sql`and datanet = ${datanet}` : sql``}`;
      const merged = sql`select id, min(datanet) as datanet, min(received_at) as received_at, bool_or(decided) as decided, max(files) as files
        from (${receipts} union all ${recorded}) s group by id`;
      const [rows, count] = await Promise.all([
        sql<{ id: string; datanet: string; received_at: string | number; decided: boolean; files: number | null }>`
          select * from (${merged}) m order by received_at desc, id desc limit ${pageSize} offset ${(page - 1) * pageSize}`.execute(ctx.db),
        sql<{ n: string | number }>`select count(*) as n from (${merged}) m`.execute(ctx.db),
      ]);
      return {
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

export default register;
