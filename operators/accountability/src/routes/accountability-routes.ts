import { z } from 'zod';
import { DATANET_ID, DISPUTE_REASONS, datanetRoleOf, definitionLoader, refuseUnknownDatanets, unknownDatanet } from '@datanet/datanet';
import { scopeFromParam, type RegisterRoutes } from '@datanet/pipelines/server';
import { migrateReview } from '@datanet/review';
import { listAudit } from '../audit/audit-log.js';
import { registerReviewAudit } from '../audit/review-audit.js';
import { syncRoleAudit } from '../audit/role-audit.js';
import { verifyAudit } from '../audit/verify-audit.js';
import { DisputeRefusedError } from '../disputes/dispute-errors.js';
import { applyDisputeDeadlines, enqueueDisputeReview, registerDisputeOutcomes } from '../disputes/dispute-review.js';
import { DISPUTE_STATUSES } from '../disputes/dispute-status.js';
import { getDispute, pageDisputes, type Dispute } from '../disputes/dispute-store.js';
import { disputeRoleFor, openDispute } from '../disputes/open-dispute.js';
import { resolveDispute, stewardConflict } from '../disputes/resolve-dispute.js';
import { migrateAccountability } from '../store/migrations.js';
import { AuditEntrySchema, AuditVerificationSchema, DisputeSchema } from './accountability-schemas.js';

const Refusal = z.object({ error: z.string(), message: z.string() });
const Datanet = z.string().regex(DATANET_ID, 'a Datanet id');
const view = (d: Dispute): z.infer<typeof DisputeSchema> => d;

/**
 * Disputes of accepted contributions (filed by a signed-in address under the Datanet's dispute
 * rights, resolved by a steward or through the review queue's quorum) and the audit log.
 */
const register: RegisterRoutes = async (app, ctx) => {
  await migrateAccountability(ctx.db);
  registerReviewAudit();
  const definition = definitionLoader(ctx.config.configRoot, app.log);
  refuseUnknownDatanets(app, definition);
  // A quorum's upheld dispute lowers standing under the Datanet's own policy, as a steward's does.
  registerDisputeOutcomes((id) => definition(id)?.standing);
  const refuse = (reply: any, err: unknown) => {
    if (err instanceof DisputeRefusedError) return reply.code(err.status).send({ error: err.code, message: err.message });
    throw err;
  };
  // A dispute's review item has a deadline and no run waiting on it: the review routes apply it on
  // a timer; the list applies what is due first, so it never shows a dispute its deadline decided.
  await migrateReview(ctx.db);
  const dueDeadlines = (id: string) => applyDisputeDeadlines(ctx.db, definition, id);
  const scope = scopeFromParam('id');
  // Role grants change outside this package (the Datanet's YAML at start, grants by owners): the log
  // catches up with them before it is read or a dispute decision depends on them.
  // Each change names who made it: the grant's granter, the revocation's revoker (the role store's
  // record of changes made through the API, newest first), an address or `token:<id>`.
  const rolesLogged = async (id: string) => {
    if (!definition(id)) return;
    const revokedBy = async (principal: string, role: string) => {
      for (let before: number | undefined; ;) {
        const events = await ctx.roles.events(id, 500, before);
        const last = events.find((e) => e.principal === principal && e.role === role);
        if (last) return last.action === 'revoke' ? last.actor : undefined;
        if (events.length < 500) return undefined;
        before = events.at(-1)!.id;
      }
    };
    await syncRoleAudit(ctx.db, id, await ctx.roles.grants(id), revokedBy);
  };

  app.post(
    '/v1/datanets/:id/disputes',
    {
      config: { access: { role: 'contributor', scope, why: 'disputes are filed by a signed-in address under the Datanet dispute rights' } },
      schema: {
        tags: ['disputes'],
        summary: 'Dispute an accepted contribution (reason code and evidence); the review quorum or a steward decides',
        params: z.object({ id: Datanet }),
        body: z.object({
          contribution: z.string().min(1).max(200),
          reason: z.enum(DISPUTE_REASONS),
          duplicateOf: z.string().min(1).max(200).optional(),
          evidence: z.string().max(20_000),
        }),
        response: {
          201: z.object({ dispute: DisputeSchema, created: z.boolean(), queued: z.boolean() }),
          200: z.object({ dispute: DisputeSchema, created: z.boolean(), queued: z.boolean() }),
          400: Refusal,
          403: Refusal,
          404: Refusal,
          409: Refusal,
          429: Refusal,
        },
      },
    },
    async (req, reply) => {
      const def = definition(req.params.id);
      if (!def) return reply.code(404).send(unknownDatanet(req.params.id));
      await rolesLogged(def.id);
      const p = req.principal;
      if (p?.kind !== 'session')
        return reply
          .code(403)
          .send({ error: 'forbidden', message: 'a dispute is filed by a signed-in address (SIWE session), not a token' });
      const role = disputeRoleFor(await datanetRoleOf(ctx.db, def, p.address), def.disputes.openers);
      try {
        const r = await openDispute(ctx.db, {
          datanet: def.id,
          contributionId: req.body.contribution,
          filer: p.address,
          role,
          reason: req.body.reason,
          duplicateOf: req.body.duplicateOf,
          evidence: req.body.evidence,
          policy: def.disputes,
          standingPolicy: def.standing,
        });
        const queued = r.dispute.status === 'open' ? await enqueueDisputeReview(ctx.db, r.dispute, def) : false;
        return reply.code(r.created ? 201 : 200).send({ dispute: view(r.dispute), created: r.created, queued });
      } catch (err) {
        return refuse(reply, err);
      }
    },
  );

  app.get(
    '/v1/datanets/:id/disputes',
    {
      config: { access: { role: 'contributor', scope } },
      schema: {
        tags: ['disputes'],
        summary: "A Datanet's disputes, paged: oldest first (order=desc: newest first), with the total",
        params: z.object({ id: Datanet }),
        querystring: z.object({
          status: z.enum(DISPUTE_STATUSES).optional(),
          contribution: z.string().max(200).optional(),
          order: z.enum(['asc', 'desc']).default('asc').describe('by opening time, then id'),
          page: z.coerce.number().int().min(1).max(100_000).default(1),
          pageSize: z.coerce.number().int().min(1).max(100).default(50),
        }),
        response: {
          200: z.object({ disputes: z.array(DisputeSchema), total: z.number(), page: z.number(), pageSize: z.number() }),
          404: Refusal,
        },
      },
    },
    async (req) => {
      const { status, contribution, order, page, pageSize } = req.query;
      await dueDeadlines(req.params.id);
      const r = await pageDisputes(ctx.db, { datanet: req.params.id, status, contributionId: contribution, order, page, pageSize });
      return { disputes: r.disputes.map(view), total: r.total, page, pageSize };
    },
  );

  app.post(
    '/v1/datanets/:id/disputes/:dispute/resolution',
    {
      config: { access: { role: 'steward', scope, why: 'a steward resolves a dispute (the quorum resolves it through the review queue)' } },
      schema: {
        tags: ['disputes'],
        summary: 'A steward upholds (revokes the contribution, lowers standing) or dismisses a dispute; once',
        params: z.object({ id: Datanet, dispute: z.string().regex(/^dsp_[0-9a-f]{24}$/, 'a dispute id') }),
        body: z.object({ decision: z.enum(['upheld', 'dismissed']), note: z.string().max(2000).optional() }),
        response: {
          200: z.object({
            dispute: DisputeSchema,
            resolved: z.boolean(),
            revocation: z
              .object({ contribution: z.string(), contributor: z.string(), standingBefore: z.number(), standingAfter: z.number() })
              .optional()
              .describe('this resolution revoked the contribution and lowered its owner standing'),
            alreadyRevoked: z
              .object({
                contribution: z.string(),
                contributor: z.string(),
                revokedAt: z.number(),
                byDispute: z.string().nullable(),
                reason: z.string(),
              })
              .optional()
              .describe('upheld, but the contribution was revoked before (by byDispute): nothing was revoked or lowered again'),
            closedAsMoot: z
              .array(z.string())
              .optional()
              .describe("the contribution's other open disputes this revocation closed (status moot; out of the review queue)"),
          }),
          403: Refusal,
          404: Refusal,
        },
      },
    },
    async (req, reply) => {
      const def = definition(req.params.id);
      if (!def) return reply.code(404).send(unknownDatanet(req.params.id));
      await rolesLogged(def.id);
      if (def.disputes.resolvers === 'quorum')
        return reply
          .code(403)
          .send({ error: 'forbidden', message: `disputes of ${def.id} are decided by the review quorum; use the review queue` });
      const d = await getDispute(ctx.db, req.params.dispute);
      if (!d || d.datanet !== def.id)
        return reply.code(404).send({ error: 'not_found', message: `no dispute ${req.params.dispute} in ${def.id}` });
      const p = req.principal!;
      const actor = p.kind === 'session' ? p.address : `token:${p.tokenId}`;
      const conflict = stewardConflict(d, actor);
      if (conflict) return reply.code(403).send({ error: 'conflict_of_interest', message: conflict });
      try {
        const r = await resolveDispute(ctx.db, {
          id: d.id,
          decision: req.body.decision,
          actor,
          via: 'steward',
          note: req.body.note,
          standingPolicy: def.standing,
        });
        return {
          dispute: view(r.dispute),
          resolved: r.resolved,
          ...(r.revocation ? { revocation: r.revocation } : {}),
          ...(r.alreadyRevoked ? { alreadyRevoked: r.alreadyRevoked } : {}),
          ...(r.closedAsMoot ? { closedAsMoot: r.closedAsMoot } : {}),
        };
      } catch (err) {
        return refuse(reply, err);
      }
    },
  );

  app.get(
    '/v1/datanets/:id/audit',
    {
      config: { access: 'public' },
      schema: {
        tags: ['audit'],
        summary: "The Datanet's append-only audit log (who decided what, hash-chained), in chain order",
        params: z.object({ id: Datanet }),
        querystring: z.object({
          after: z.coerce.number().int().min(0).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
          kind: z.string().max(64).optional(),
        }),
        response: { 200: z.object({ entries: z.array(AuditEntrySchema) }), 404: Refusal },
      },
    },
    async (req) => {
      await rolesLogged(req.params.id);
      return {
        entries: await listAudit(ctx.db, {
          datanet: req.params.id,
          afterSeq: req.query.after,
          limit: req.query.limit,
          kind: req.query.kind,
        }),
      };
    },
  );

  app.get(
    '/v1/datanets/:id/audit/verify',
    {
      config: { access: 'public' },
      schema: {
        tags: ['audit'],
        summary: 'Recompute the audit chain from the store (the CLI `datanet audit verify` also checks the on-chain heads)',
        params: z.object({ id: Datanet }),
        response: { 200: AuditVerificationSchema, 404: Refusal },
      },
    },
    async (req) => {
      await rolesLogged(req.params.id);
      return verifyAudit(ctx.db, req.params.id);
    },
  );
};

export default register;
