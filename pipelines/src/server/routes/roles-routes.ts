import { z } from 'zod';
import type { ServerContext, ZodApp } from '../server-context.js';

/** Who is asking and which roles they hold, so a client (the console) shows each person their pages. */
export function rolesRoutes(app: ZodApp, ctx: ServerContext): void {
  app.get(
    '/auth/roles',
    {
      config: { access: { role: 'contributor' } },
      schema: {
        tags: ['sign-in'],
        summary: "The caller's roles per scope (a Datanet id, or '*' for the deployment)",
        response: {
          200: z.object({
            kind: z.string(),
            address: z.string().nullable(),
            roles: z.array(z.object({ scope: z.string(), role: z.string() })),
          }),
        },
      },
    },
    async (req) => {
      const p = req.principal!;
      if (p.kind === 'token') return { kind: p.kind, address: null, roles: [{ scope: p.scope, role: p.role }] };
      const rows = await ctx.db
        .selectFrom('server_roles')
        .select(['scope', 'role'])
        .where('principal', '=', p.address.toLowerCase())
        .orderBy('scope')
        .orderBy('role')
        .execute();
      return { kind: p.kind, address: p.address.toLowerCase(), roles: rows.map((r) => ({ scope: String(r.scope), role: String(r.role) })) };
    },
  );
}
