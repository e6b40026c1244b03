import { getAddress } from 'ethers';
import {
  contributorStats,
  definitionLoader,
  definitionRoleGrants,
  openRegistry,
  refuseUnknownDatanets,
  REVIEW_ROLE_SOURCE,
} from '@datanet/datanet';
import { roleAtLeast, scopeFromParam, type Principal, type RegisterRoutes, type ServerContext } from '@datanet/pipelines/server';
import { decide } from '../queue/decide.js';
import { syncGold } from '../queue/enqueue.js';
import { nextItems, releaseLeasesOf } from '../queue/next-items.js';
import { migrateReview } from '../queue/review-migrations.js';
import { queueStats, reviewerStats } from '../queue/review-stats.js';
import { ReviewError } from '../queue/queue-types.js';
import { deadlinePolicyOf, queuePolicyOf } from '../policy/queue-policy.js';
import { applyDueDeadlines, type DeadlinePolicyLookup } from '../queue/apply-due-deadlines.js';
import { startDeadlineSweep } from './deadline-sweep.js';
import type { Verdict } from '../rule/decision-rule.js';
import { loadReviewedDatanets, type ReviewedDatanet } from './review-catalog.js';
import {
  DatanetParam,
  DecisionBody,
  DecisionReply,
  ItemParam,
  NextItems,
  OverrideBody,
  QueueStatsSchema,
  Refusal,
  ReviewerStatsSchema,
} from './review-schemas.js';
import { z } from 'zod';

const refusals = { 400: Refusal, 401: Refusal, 403: Refusal, 404: Refusal, 409: Refusal };

/**
 * The review queue over HTTP: reviewers take their next items and decide them, stewards override
 * and watch the queue. At start each reviewed Datanet's gold items are loaded and its
 * `review.reviewers.addresses` are granted the reviewer role.
 */
const register: RegisterRoutes = async (app, ctx) => {
  await openRegistry(ctx.db, ctx.dialect);
  await migrateReview(ctx.db);
  refuseUnknownDatanets(app, definitionLoader(ctx.config.configRoot, app.log));
  const unreviewed: string[] = [];
  const reviewed = loadReviewedDatanets(
    ctx.config.configRoot,
    (file, message) => app.log.error({ file }, `review policy skipped: ${message}`),
    unreviewed,
  );
  for (const r of reviewed.values()) {
    await syncGold(ctx.db, r.definition.id, r.gold, r.review.version);
    await ctx.roles.seed(r.definition.id, definitionRoleGrants(r.definition)[REVIEW_ROLE_SOURCE], REVIEW_ROLE_SOURCE);
  }
  // A Datanet whose YAML no longer has a review section keeps none of the reviewers that section
  // granted (a file that fails to load is left alone: its grants return with it once it is fixed).
  for (const id of unreviewed) await ctx.roles.seed(id, [], REVIEW_ROLE_SOURCE);
  // A reviewer whose grant is revoked, and who has no other way to review here, gives back what they hold.
  ctx.roles.onRevoke(async (scope, principal) => {
    const r = reviewed.get(scope);
    if (!r) return;
    try {
      if (await mayReview(ctx, r, principal)) return;
      const released = await releaseLeasesOf(ctx.db, scope, principal);
      if (released) app.log.info({ datanet: scope }, `review: ${released} item(s) a revoked reviewer held are back in the queue`);
    } catch (e) {
      app.log.error(
        { datanet: scope, err: e },
        'review: could not release the items of a revoked reviewer (their leases run out as usual)',
      );
    }
  });
  // Batches no run waits on (disputes) reach their deadline in the server: on a timer, and before
  // the queue is read, so nobody is handed an item whose deadline already decided it.
  const deadlinePolicies: DeadlinePolicyLookup = (id) => {
    const r = reviewed.get(id);
    return r ? deadlinePolicyOf(r.review) : undefined;
  };
  startDeadlineSweep(app, ctx.db, deadlinePolicies);
  const dueDeadlines = (id: string) => applyDueDeadlines(ctx.db, deadlinePolicies, { datanet: id });
  const datanet = (id: string) => {
    const r = reviewed.get(id);
    if (!r) throw new ReviewError(404, 'no_review', `Datanet ${id} is not served here or has no review policy`);
    return r;
  };
  /** Whether the item is a dispute of a Datanet whose disputes only the review quorum decides. */
  const quorumOnlyDispute = async (r: ReviewedDatanet, item: string) =>
    r.definition.disputes.resolvers === 'quorum' &&
    (
      await ctx.db
        .selectFrom('review_items')
        .select('kind')
        .where('id', '=', item)
        .where('datanet', '=', r.definition.id)
        .executeTakeFirst()
    )?.kind === 'dispute';
  const reviewerAccess = {
    role: 'contributor' as const,
    scope: scopeFromParam('id'),
    why: 'reviewers of the Datanet (checked in the handler)',
  };
  const stewardAccess = { role: 'steward' as const, scope: scopeFromParam('id') };

  app.get(
    '/v1/datanets/:id/review/next',
    {
      config: { access: reviewerAccess },
      schema: {
        tags: ['review'],
        summary: 'My next items to review (held for me under a lease); gold items look like the others',
        params: DatanetParam,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(50).default(5) }),
        response: { 200: NextItems, ...refusals },
      },
    },
    async (req) => {
      const r = datanet(req.params.id);
      const reviewer = await reviewerOf(req, ctx, r);
      await dueDeadlines(r.definition.id);
      return {
        items: await nextItems(ctx.db, { datanet: r.definition.id, reviewer, limit: req.query.limit, policy: queuePolicyOf(r.review) }),
      };
    },
  );

  app.post(
    '/v1/datanets/:id/review/items/:item/decision',
    {
      config: { access: reviewerAccess },
      schema: {
        tags: ['review'],
        summary:
          'Decide an item handed to me while its lease is live: approve, reject (with a reason code), skip or flag (to stewards). ' +
          'Sent twice, recorded once; after the lease ran out or was released, 409 lease_expired (fetch the item again with next)',
        params: ItemParam,
        body: DecisionBody,
        response: { 200: DecisionReply, ...refusals },
      },
    },
    async (req) => {
      const r = datanet(req.params.id);
      const reviewer = await reviewerOf(req, ctx, r);
      // A flag hands an item to stewards, who may not decide these: it would wait for good.
      if (req.body.verdict === 'flag' && (await quorumOnlyDispute(r, req.params.item)))
        throw new ReviewError(
          409,
          'flag_not_allowed',
          `disputes of ${r.definition.id} are decided by the review quorum alone (disputes.resolvers: quorum), not by stewards: ` +
            'approve (uphold), reject (dismiss) or skip it',
        );
      return decide(
        ctx.db,
        {
          datanet: r.definition.id,
          itemId: req.params.item,
          reviewer,
          verdict: req.body.verdict as Verdict,
          reason: req.body.reason,
          note: req.body.note,
        },
        queuePolicyOf(r.review),
      );
    },
  );

  app.post(
    '/v1/datanets/:id/review/items/:item/override',
    {
      config: { access: stewardAccess },
      schema: {
        tags: ['review'],
        summary: "A steward's decision: approves or rejects the item at once (when the policy allows overrides)",
        params: ItemParam,
        body: OverrideBody,
        response: { 200: DecisionReply, ...refusals },
      },
    },
    async (req) => {
      const r = datanet(req.params.id);
      const p = req.principal!;
      // The Datanet's owners chose that only the quorum decides its disputes: an override would be
      // a steward deciding one alone, which the disputes route refuses too.
      if (await quorumOnlyDispute(r, req.params.item))
        throw new ReviewError(
          403,
          'quorum_decides',
          `disputes of ${r.definition.id} are decided by the review quorum alone (disputes.resolvers: quorum); a steward does not override them`,
        );
      return decide(
        ctx.db,
        {
          datanet: r.definition.id,
          itemId: req.params.item,
          reviewer: p.kind === 'session' ? p.address : `token:${p.tokenId}`,
          verdict: req.body.verdict,
          reason: req.body.reason,
          note: req.body.note,
          override: true,
        },
        queuePolicyOf(r.review),
      );
    },
  );

  app.get(
    '/v1/datanets/:id/review/me',
    {
      config: { access: reviewerAccess },
      schema: {
        tags: ['review'],
        summary: 'My figures: gold accuracy, agreement with the consensus, per day; whether my rights are suspended',
        params: DatanetParam,
        response: { 200: ReviewerStatsSchema, ...refusals },
      },
    },
    async (req) => {
      const r = datanet(req.params.id);
      return reviewerStats(ctx.db, r.definition.id, await reviewerOf(req, ctx, r));
    },
  );

  app.get(
    '/v1/datanets/:id/review/stats',
    {
      config: { access: stewardAccess },
      schema: {
        tags: ['review'],
        summary:
          "The queue for stewards: backlog, queue age, throughput, rejection reasons, each reviewer's accuracy and agreement, batches",
        params: DatanetParam,
        response: { 200: QueueStatsSchema, ...refusals },
      },
    },
    async (req) => {
      const r = datanet(req.params.id);
      await dueDeadlines(r.definition.id);
      const stats = await queueStats(ctx.db, r.definition.id);
      const batches = await ctx.db
        .selectFrom('review_batches')
        .selectAll()
        .where('datanet', '=', r.definition.id)
        .orderBy('created_at', 'desc')
        .limit(50)
        .execute();
      return {
        ...stats,
        batches: batches.map((b) => ({
          batch: String(b.batch),
          runId: b.run_id ?? null,
          stepId: b.step_id ?? null,
          items: Number(b.items),
          open: Number(b.open),
          deadline: new Date(Math.min(Number(b.deadline), 8.64e15)).toISOString(),
          settledAt: b.settled_at == null ? null : new Date(Number(b.settled_at)).toISOString(),
        })),
      };
    },
  );
};

/**
 * Who is reviewing: an address with the reviewer role or stronger on the Datanet (seeded from
 * `roles.reviewers` and `review.reviewers.addresses`), or a contributor who earned review rights.
 * Never an API token: a token names no person (`datanet token create` records a name, a scope and
 * a role, not an address), so neither "nobody reviews their own records" nor "one vote per person"
 * could hold for it; one person could vote once signed in and again through each token.
 */
async function reviewerOf(req: { principal?: Principal }, ctx: ServerContext, r: ReviewedDatanet): Promise<string> {
  const p = req.principal;
  const id = r.definition.id;
  if (!p) throw new ReviewError(403, 'not_a_reviewer', 'sign in first');
  if (p.kind === 'token')
    throw new ReviewError(
      403,
      'token_cannot_review',
      'an API token stands for no person, so it cannot take, decide or score review items: sign in with your address ' +
        '(Sign-In with Ethereum; `datanet review --key FILE`). A steward token may still override and read the queue figures',
    );
  const address = p.address.toLowerCase();
  if (await mayReview(ctx, r, address)) return address;
  // Rights lost without a revocation through the API (earned rights after standing fell, a YAML
  // seed changed): what they still hold goes back to the queue now, not when the leases run out.
  await releaseLeasesOf(ctx.db, id, address);
  const earned = r.review.reviewers.earned;
  throw new ReviewError(
    403,
    'not_a_reviewer',
    `you are not a reviewer of ${id}${earned ? ` (earned rights need standing >= ${earned.minStanding} and ${earned.minAccepted} accepted contributions)` : ''}`,
  );
}

/** A role of reviewer or above on the Datanet, or review rights earned by standing and accepted contributions. */
async function mayReview(ctx: ServerContext, r: ReviewedDatanet, address: string): Promise<boolean> {
  const id = r.definition.id;
  if (roleAtLeast(await ctx.roles.roleOf(id, address), 'reviewer')) return true;
  const earned = r.review.reviewers.earned;
  if (!earned) return false;
  // Earned by contributing: only an address contributes (stored checksummed, as signed), and only
  // its rows are read, not the whole Datanet's.
  let contributor: string;
  try {
    contributor = getAddress(address);
  } catch {
    return false;
  }
  const [mine] = await contributorStats(ctx.db, id, r.definition.standing, { contributor });
  return Boolean(mine && mine.standing >= earned.minStanding && mine.contributions >= earned.minAccepted);
}

export default register;
