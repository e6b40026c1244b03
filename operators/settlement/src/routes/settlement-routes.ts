import { z } from 'zod';
import { DATANET_ID, definitionLoader, refuseUnknownDatanets } from '@datanet/datanet';
import type { RegisterRoutes } from '@datanet/pipelines/server';
import { parseEpoch } from '../core/epoch.js';
import { computeReceipt } from '../receipts/compute-receipt.js';
import { inferenceView } from '../receipts/inference-view.js';
import { renderInferenceHtml, renderReceiptHtml } from '../receipts/receipt-html.js';
import { migrateProposals } from '../proposal/proposal-migrations.js';
import { listProposals, loadProposalPayouts, type Proposal } from '../proposal/proposal-store.js';
import { InferenceViewSchema, ProposalSchema, ReceiptSchema, SettlementDetailSchema } from './settlement-schemas.js';

const Refusal = z.object({ error: z.string(), message: z.string() });
const Datanet = z.string().regex(DATANET_ID, 'a Datanet id');
const Epoch = z.string().regex(/^\d{4}-\d{2}-\d{2}@[A-Za-z0-9_+\-/]{1,64}$/, 'an epoch id YYYY-MM-DD@ZONE, e.g. 2026-11-24@UTC');
const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address: 0x and 40 hex digits');

const view = (p: Proposal): z.infer<typeof ProposalSchema> => ({
  epoch: p.epoch,
  epochNumber: p.epochNumber.toString(),
  version: p.version,
  status: p.status,
  proposedAt: p.proposedAt,
  finalAt: p.finalAt,
  finalisedAt: p.finalisedAt,
  reason: p.reason,
  fees: p.fees.toString(),
  contributorPool: p.contributorPool.toString(),
  paid: p.paid.toString(),
  unallocated: p.unallocated.toString(),
  merkleRoot: p.merkleRoot,
  excluded: p.excluded,
  auditHash: p.auditHash,
  auditRoot: p.finalAuditHash,
  paidSetRoot: p.paidSetRoot,
});

const current = (ps: Proposal[]) => ps.find((p) => p.status === 'final') ?? ps[ps.length - 1];

/**
 * Settlements as proposed and final, receipts and inference views. Public reads: payouts are public
 * on-chain once funded, and a proposal is published so that it can be challenged.
 */
const register: RegisterRoutes = async (app, ctx) => {
  await migrateProposals(ctx.db);
  refuseUnknownDatanets(app, definitionLoader(ctx.config.configRoot, app.log));
  const notFound = (message: string) => ({ error: 'not_found', message });
  // Settlements are keyed by the epoch id with its zone named one way: `2026-11-24@utc` and
  // `2026-11-24@Etc/UTC` find `2026-11-24@UTC`; a zone that is no IANA name is a 400.
  app.addHook('preHandler', async (req, reply) => {
    const params = req.params as { epoch?: unknown };
    if (typeof params.epoch !== 'string') return;
    try {
      params.epoch = parseEpoch(params.epoch).id;
    } catch (e) {
      return reply.code(400).send({ error: 'bad_epoch', message: `params/epoch: ${(e as Error).message}` });
    }
  });

  app.get(
    '/v1/datanets/:id/settlements',
    {
      config: { access: 'public' },
      schema: {
        tags: ['settlements'],
        summary: "A Datanet's epochs: the proposal in force (or the final one) of each, with its challenge window",
        params: z.object({ id: Datanet }),
        response: { 200: z.object({ settlements: z.array(ProposalSchema) }), 404: Refusal },
      },
    },
    async (req) => {
      const all = await listProposals(ctx.db, req.params.id);
      const byEpoch = new Map<string, Proposal[]>();
      for (const p of all) byEpoch.set(p.epoch, [...(byEpoch.get(p.epoch) ?? []), p]);
      return { settlements: [...byEpoch.values()].map((ps) => view(current(ps))) };
    },
  );

  app.get(
    '/v1/datanets/:id/settlements/:epoch',
    {
      config: { access: 'public' },
      schema: {
        tags: ['settlements'],
        summary: "An epoch's proposals (re-settlements included) and the payouts of the one in force",
        params: z.object({ id: Datanet, epoch: Epoch }),
        response: { 200: SettlementDetailSchema, 404: Refusal },
      },
    },
    async (req, reply) => {
      const ps = await listProposals(ctx.db, req.params.id, req.params.epoch);
      if (!ps.length) return reply.code(404).send(notFound(`no settlement of ${req.params.epoch} in ${req.params.id}`));
      const c = current(ps);
      const payouts = await loadProposalPayouts(ctx.db, c.datanet, c.epoch, c.version);
      return {
        datanet: c.datanet,
        epoch: c.epoch,
        current: view(c),
        proposals: ps.map(view),
        payouts: payouts.map((p) => ({ ...p, amount: p.amount.toString() })),
      };
    },
  );

  const receiptParams = z.object({ id: Datanet, epoch: Epoch, account: Address });
  const receiptQuery = z.object({ version: z.coerce.number().int().min(1).optional() });
  const receiptOf = (p: z.infer<typeof receiptParams>, q: z.infer<typeof receiptQuery>) =>
    computeReceipt(ctx.db, { datanet: p.id, epoch: p.epoch, account: p.account, version: q.version });

  app.get(
    '/v1/datanets/:id/settlements/:epoch/receipts/:account',
    {
      config: { access: 'public' },
      schema: {
        tags: ['settlements'],
        summary: "A contributor's receipt: the inferences, spans or influence, weights, amount and Merkle proof behind each unit",
        params: receiptParams,
        querystring: receiptQuery,
        response: { 200: ReceiptSchema, 404: Refusal },
      },
    },
    async (req, reply) => {
      const r = await receiptOf(req.params, req.query);
      return r ?? reply.code(404).send(notFound(`no receipt for ${req.params.account} in ${req.params.epoch} of ${req.params.id}`));
    },
  );

  app.get(
    '/v1/datanets/:id/settlements/:epoch/receipts/:account/html',
    {
      config: { access: 'public' },
      schema: {
        tags: ['settlements'],
        summary: 'The receipt as a self-contained HTML page (spans highlighted in the output and the contribution)',
        params: receiptParams,
        querystring: receiptQuery,
        response: { 200: z.string(), 404: Refusal },
      },
    },
    async (req, reply) => {
      const r = await receiptOf(req.params, req.query);
      if (!r) return reply.code(404).send(notFound(`no receipt for ${req.params.account} in ${req.params.epoch} of ${req.params.id}`));
      const base = `/v1/datanets/${encodeURIComponent(r.datanet)}/settlements/${encodeURIComponent(r.epoch)}/inferences`;
      return reply
        .type('text/html; charset=utf-8')
        .send(renderReceiptHtml(r, { inferenceHref: (i) => `${base}/${encodeURIComponent(i)}/html` }));
    },
  );

  const infParams = z.object({ id: Datanet, epoch: Epoch, inference: z.string().min(1).max(200) });
  app.get(
    '/v1/datanets/:id/settlements/:epoch/inferences/:inference',
    {
      config: { access: 'public' },
      schema: {
        tags: ['settlements'],
        summary: 'One inference, OLMoTrace-style: its output with the attributed spans, each with the contributions it matched',
        params: infParams,
        response: { 200: InferenceViewSchema, 404: Refusal },
      },
    },
    async (req, reply) => {
      const v = await inferenceView(ctx.db, { datanet: req.params.id, epoch: req.params.epoch, inferenceId: req.params.inference });
      return v ?? reply.code(404).send(notFound(`no inference ${req.params.inference} in ${req.params.epoch} of ${req.params.id}`));
    },
  );

  app.get(
    '/v1/datanets/:id/settlements/:epoch/inferences/:inference/html',
    {
      config: { access: 'public' },
      schema: {
        tags: ['settlements'],
        summary: 'The inference view as a self-contained HTML page',
        params: infParams,
        response: { 200: z.string(), 404: Refusal },
      },
    },
    async (req, reply) => {
      const v = await inferenceView(ctx.db, { datanet: req.params.id, epoch: req.params.epoch, inferenceId: req.params.inference });
      if (!v) return reply.code(404).send(notFound(`no inference ${req.params.inference} in ${req.params.epoch} of ${req.params.id}`));
      return reply.type('text/html; charset=utf-8').send(renderInferenceHtml(v));
    },
  );
};

export default register;
