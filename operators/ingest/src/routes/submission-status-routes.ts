import { z } from 'zod';
import type { RegisterRoutes } from '@datanet/pipelines/server';

const Refusal = z.object({ error: z.string(), message: z.string() });

/**
 * A submission's fate, readable by anyone who has its id (the id is the hash of the signed
 * manifest and its signature): received, then per file and per record accepted or rejected with
 * the reason code, a human message and, for duplicates, the contribution that kept the credit.
 */
const register: RegisterRoutes = (app, ctx) => {
  app.get(
    '/v1/submissions/:id',
    {
      config: { access: 'public' },
      schema: {
        tags: ['contributors'],
        summary: "A submission's fate: received, then per file accepted or rejected with reason",
        params: z.object({ id: z.string().regex(/^[0-9a-f]{64}$/, 'a submission id (64 hex digits)') }),
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
            rejections: z.array(
              z.object({
                file: z.string(),
                recordIndex: z.number(),
                reasonCode: z.string(),
                message: z.string(),
                duplicateOf: z.string().nullable(),
              }),
            ),
            accepted: z.number(),
          }),
          404: Refusal,
        },
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      const hit = recent.get(id);
      if (hit && hit.until > Date.now()) return hit.body as never;
      const receipt = await ctx.idempotency.get(`submission:${id}`);
      const decided = await ctx.db.selectFrom('submissions').select('id').where('id', '=', id).executeTakeFirst();
      if (!receipt && !decided) return reply.code(404).send({ error: 'unknown_submission', message: `no submission ${id}` });
      const files = await ctx.db.selectFrom('submission_files').selectAll().where('submission_id', '=', id).orderBy('name').execute();
      const rejections = await ctx.db
        .selectFrom('rejections')
        .selectAll()
        .where('submission_id', '=', id)
        .orderBy('file')
        .orderBy('record_index')
        .execute();
      const accepted = Number(
        (
          await ctx.db
            .selectFrom('contributions')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('submission_id', '=', id)
            .executeTakeFirst()
        )?.n ?? 0,
      );
      const body = {
        submissionId: id,
        status: decided ? ('decided' as const) : ('received' as const),
        receipt: (receipt?.body as Record<string, unknown>) ?? null,
        files: files.map((f) => ({ name: f.name, status: f.status, reasonCode: f.reason_code, message: f.message, size: Number(f.size) })),
        rejections: rejections.map((r) => ({
          file: r.file,
          recordIndex: Number(r.record_index),
          reasonCode: r.reason_code,
          message: r.message,
          duplicateOf: r.duplicate_of,
        })),
        accepted,
      };
      remember(id, body);
      return body;
    },
  );
};

/**
 * Statuses are polled (a portal refreshing, a script waiting for intake): each is answered from
 * this process's memory for a second after it was read, so a burst of polls costs one read of the
 * store. Nothing another replica needs lives here; a status is at most a second stale.
 */
const STATUS_TTL_MS = 1000;
const MAX_REMEMBERED = 10_000;
const recent = new Map<string, { until: number; body: unknown }>();
function remember(id: string, body: unknown): void {
  if (recent.size >= MAX_REMEMBERED) recent.delete(recent.keys().next().value!);
  recent.delete(id);
  recent.set(id, { until: Date.now() + STATUS_TTL_MS, body });
}

export default register;
