import { sql } from 'kysely';
import { z } from 'zod';
import type { Registry } from 'prom-client';
import type { ServerContext, ZodApp } from '../server-context.js';

/** Liveness, readiness (the store answers) and Prometheus metrics. */
export function healthRoutes(app: ZodApp, ctx: ServerContext, metrics: Registry, isClosing: () => boolean): void {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: { tags: ['health'], summary: 'The process is up', response: { 200: z.object({ ok: z.literal(true) }) } },
    },
    async () => ({ ok: true as const }),
  );
  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        summary: 'The store answers and the server is not shutting down',
        response: {
          200: z.object({ ok: z.literal(true), store: z.string() }),
          503: z.object({ ok: z.literal(false), reason: z.string() }),
        },
      },
    },
    async (_req, reply) => {
      if (isClosing()) return reply.code(503).send({ ok: false as const, reason: 'shutting down' });
      try {
        await sql`select 1`.execute(ctx.db);
      } catch {
        return reply.code(503).send({ ok: false as const, reason: 'store unavailable' });
      }
      return { ok: true as const, store: ctx.dialect };
    },
  );
  app.get(
    '/metrics',
    { config: { access: 'public' }, schema: { tags: ['health'], summary: 'Prometheus metrics', hide: false } },
    async (_req, reply) => {
      reply.header('content-type', metrics.contentType);
      return metrics.metrics();
    },
  );
}
