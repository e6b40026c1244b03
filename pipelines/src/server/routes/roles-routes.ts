import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { scopeFromParam, type Principal } from '../auth/access.js';
import { DEPLOYMENT_SCOPE } from '../auth/roles.js';
import type { ServerContext, ZodApp } from '../server-context.js';

const Refusal = z.object({ error: z.string(), message: z.string() });
const DatanetId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'a Datanet id');
const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address (0x and 40 hex digits)');
const GRANTABLE = ['reviewer', 'steward', 'owner'] as const;

/** 404 for a Datanet this server does not serve (after the access check, as for every /v1/datanets/:id route). */
function unserved(ctx: ServerContext, id: string) {
  return ctx.servedScope && !ctx.servedScope(id) ? { error: 'unknown_datanet', message: `no Datanet ${id} on this server` } : undefined;
}

/** Who made a change: the signed-in address, or the API token's id. */
function actorOf(req: FastifyRequest): string {
  const p = req.principal as Principal;
  return p.kind === 'session' ? p.address.toLowerCase() : `token:${p.tokenId}`;
}

/**
 * Roles: the caller's own roles (so a client shows each person their pages), and per Datanet the
 * grants with their record (stewards read it), granted and revoked by the Datanet's owners.
 */
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
      // Roles on a Datanet this server does not serve (its YAML removed) are not shown: nothing here uses them.
      const served = rows.filter((r) => r.scope === DEPLOYMENT_SCOPE || !ctx.servedScope || ctx.servedScope(String(r.scope)));
      return {
        kind: p.kind,
        address: p.address.toLowerCase(),
        roles: served.map((r) => ({ scope: String(r.scope), role: String(r.role) })),
      };
    },
  );

  app.get(
    '/v1/datanets/:id/roles',
    {
      config: { access: { role: 'steward', scope: scopeFromParam('id') } },
      schema: {
        tags: ['roles'],
        summary: "A Datanet's role grants (from its YAML or granted here) and the record of grants and revocations, newest first",
        params: z.object({ id: DatanetId }),
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(100),
          before: z.coerce.number().int().min(1).optional().describe('page: events before this event id'),
        }),
        response: {
          200: z.object({
            grants: z.array(
              z.object({
                address: z.string(),
                role: z.string(),
                source: z
                  .string()
                  .describe("'grant' (granted through the API, revocable there) or where configuration granted it (the Datanet's YAML)"),
                grantedAt: z.number(),
                grantedBy: z.string().nullable(),
              }),
            ),
            events: z.array(
              z.object({
                id: z.number(),
                address: z.string(),
                role: z.string(),
                action: z.enum(['grant', 'revoke']),
                by: z.string(),
                at: z.number(),
              }),
            ),
          }),
          404: Refusal,
        },
      },
    },
    async (req, reply) => {
      const unknown = unserved(ctx, req.params.id);
      if (unknown) return reply.code(404).send(unknown);
      const [grants, events] = await Promise.all([
        ctx.roles.grants(req.params.id),
        ctx.roles.events(req.params.id, req.query.limit, req.query.before),
      ]);
      return {
        grants: grants.map((g) => ({
          address: g.principal,
          role: g.role,
          source: g.source,
          grantedAt: g.grantedAt,
          grantedBy: g.grantedBy,
        })),
        events: events.map((e) => ({
          id: e.id,
          address: e.principal,
          role: e.role,
          action: e.action as 'grant' | 'revoke',
          by: e.actor,
          at: e.at,
        })),
      };
    },
  );

  app.post(
    '/v1/datanets/:id/roles',
    {
      config: { access: { role: 'owner', scope: scopeFromParam('id'), why: "only the Datanet's owners grant roles" } },
      schema: {
        tags: ['roles'],
        summary: 'Grant a role on a Datanet to an address (owners only); recorded with who and when',
        params: z.object({ id: DatanetId }),
        body: z.object({ address: Address, role: z.enum(GRANTABLE) }),
        response: {
          200: z.object({ granted: z.literal(false), message: z.string() }),
          201: z.object({ granted: z.literal(true) }),
          404: Refusal,
        },
      },
    },
    async (req, reply) => {
      const unknown = unserved(ctx, req.params.id);
      if (unknown) return reply.code(404).send(unknown);
      const done = await ctx.roles.grantBy(req.params.id, { principal: req.body.address, role: req.body.role }, actorOf(req));
      if (!done)
        return reply.code(200).send({
          granted: false as const,
          message: `${req.body.address.toLowerCase()} already holds ${req.body.role} on ${req.params.id}`,
        });
      return reply.code(201).send({ granted: true as const });
    },
  );

  app.delete(
    '/v1/datanets/:id/roles/:address/:role',
    {
      config: { access: { role: 'owner', scope: scopeFromParam('id'), why: "only the Datanet's owners revoke roles" } },
      schema: {
        tags: ['roles'],
        summary:
          "Revoke a role granted on a Datanet (owners only); recorded with who and when. Grants from the Datanet's YAML are changed there",
        params: z.object({ id: DatanetId, address: Address, role: z.enum(GRANTABLE) }),
        response: { 200: z.object({ revoked: z.literal(true) }), 404: Refusal, 409: Refusal },
      },
    },
    async (req, reply) => {
      const { id, address, role } = req.params;
      const unknown = unserved(ctx, id);
      if (unknown) return reply.code(404).send(unknown);
      const who = address.toLowerCase();
      const outcome = await ctx.roles.revokeBy(id, { principal: who, role }, actorOf(req));
      switch (outcome) {
        case 'revoked':
          return { revoked: true as const };
        case 'not_held':
          return reply.code(404).send({ error: 'not_held', message: `${who} holds no ${role} grant on ${id}` });
        case 'from_config':
          return reply.code(409).send({
            error: 'from_config',
            message: `${who} is ${role} of ${id} by the Datanet's YAML (configs/datanets/${id}.yaml); change it there`,
          });
        case 'last_owner':
          return reply.code(409).send({ error: 'last_owner', message: `${who} is the last owner of ${id}; grant another owner first` });
      }
    },
  );
}
