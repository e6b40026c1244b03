import { getAddress } from 'ethers';
import { z } from 'zod';
import { sql, type Kysely } from 'kysely';
import type { RegisterRoutes } from '@datanet/pipelines/server';
import { openRegistry } from '../registry/open-registry.js';
import { contributorStats, standingHistory } from '../registry/standing.js';
import { definitionRoleGrants, YAML_ROLE_SOURCE } from '../registry/datanet-roles.js';
import type { DatanetDefinition } from '../definition/datanet-definition.js';
import { DATANET_ID, definitionLoader } from '../definition/definition-loader.js';
import { quotaLeft } from './contributor-quota.js';
import { loadDatanetCatalog } from './datanet-catalog.js';
import { unknownDatanet } from './unknown-datanet.js';

const Refusal = z.object({ error: z.string(), message: z.string() });
const DatanetId = z.object({ id: z.string().regex(DATANET_ID, 'a Datanet id') });

const Rules = z.object({
  id: z.string(),
  title: z.string().nullable(),
  domain: z.string(),
  description: z.string().nullable(),
  modality: z.string(),
  formats: z.array(z.string()),
  limits: z.record(z.string(), z.unknown()),
  minFileBytes: z.number(),
  licences: z.array(z.string()),
  consent: z.object({ required: z.array(z.string()) }),
  quality: z.object({ ruleSets: z.array(z.string()) }),
  recordSchema: z.unknown().optional(),
});

function rules(d: DatanetDefinition): z.infer<typeof Rules> {
  return {
    id: d.id,
    title: d.title ?? null,
    domain: d.domain,
    description: d.description ?? null,
    modality: d.modality,
    formats: d.formats,
    limits: d.limits as Record<string, unknown>,
    minFileBytes: d.minFileBytes,
    licences: d.licences,
    consent: d.consent,
    quality: d.quality,
    recordSchema: d.recordSchema,
  };
}

/**
 * The Datanets this server serves (configs/datanets), their rules, and contributors' standing and
 * quota. At start each Datanet's roles section is seeded into the server's roles under its id.
 */
const register: RegisterRoutes = async (app, ctx) => {
  await openRegistry(ctx.db, ctx.dialect);
  const catalog = loadDatanetCatalog(ctx.config.configRoot, (file, message) =>
    app.log.error({ file }, `Datanet definition skipped: ${message}`),
  );
  for (const def of catalog.values()) await ctx.roles.seed(def.id, definitionRoleGrants(def)[YAML_ROLE_SOURCE], YAML_ROLE_SOURCE);
  // The server's own /v1/datanets/:id routes (roles) and its list of a caller's roles serve only
  // Datanets with a definition, as every route of the operator packages does. Grants of a removed
  // Datanet stay in the store (a server of another deployment sharing it may still serve that
  // Datanet); its YAML's grants are replaced as a whole if it comes back.
  const definition = definitionLoader(ctx.config.configRoot, app.log);
  ctx.servedScope = (id) => Boolean(definition(id));

  app.get(
    '/v1/datanets',
    {
      config: { access: 'public' },
      schema: {
        tags: ['datanets'],
        summary: 'Datanets served here, with their rules',
        response: { 200: z.object({ datanets: z.array(Rules) }) },
      },
    },
    async () => ({ datanets: [...catalog.values()].map(rules) }),
  );

  app.get(
    '/v1/datanets/:id',
    {
      config: { access: 'public' },
      schema: {
        tags: ['datanets'],
        summary: "A Datanet's rules: formats, limits, licences, consent, quality rule sets",
        params: DatanetId,
        response: { 200: Rules, 404: Refusal },
      },
    },
    async (req, reply) => {
      const def = catalog.get(req.params.id);
      if (!def) return reply.code(404).send(unknownDatanet(req.params.id));
      return rules(def);
    },
  );

  app.get(
    '/v1/contributors/:address',
    {
      config: { access: 'public' },
      schema: {
        tags: ['contributors'],
        summary: 'A contributor per Datanet: acceptance rate, standing, quota left today and its reset; contributions paged',
        params: z.object({ address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address: 0x and 40 hex digits') }),
        querystring: z.object({
          datanet: z.string().max(64).optional(),
          page: z.coerce.number().int().min(1).max(100_000).default(1),
          pageSize: z.coerce.number().int().min(1).max(200).default(50),
          order: z
            .enum(['oldest', 'newest'])
            .default('oldest')
            .describe('contributions oldest first (pages stay put as new ones arrive) or newest first'),
        }),
        response: {
          200: z.object({
            address: z.string(),
            datanets: z.array(
              z.object({
                datanet: z.string(),
                submittedFiles: z.number(),
                acceptedFiles: z.number(),
                rejectedFiles: z.number(),
                acceptanceRate: z.number(),
                contributions: z
                  .number()
                  .describe('contributions that count toward standing: accepted, neither revoked, waiting for review nor dropped'),
                waitingForReview: z
                  .number()
                  .describe(
                    "held in a review queue until reviewers decide (a newcomer's record, a near duplicate held there, ...): not accepted yet, so not counted toward standing, and not dropped",
                  ),
                revoked: z.number().describe('revoked after a dispute; each lowers standing unless a later step had dropped it first'),
                dropped: z
                  .number()
                  .describe(
                    'recorded at intake, then dropped by dedupe, quality or review, and not waiting for review (not counted, not a penalty)',
                  ),
                standing: z
                  .number()
                  .describe('from the contributions and revocations above; records waiting for review count once approved'),
                standingHistory: z.array(z.object({ event: z.string(), ref: z.string(), standing: z.number(), at: z.string() })),
                quota: z.object({
                  day: z.string(),
                  bytesUsed: z.number(),
                  bytesLeft: z
                    .number()
                    .describe(
                      "bytes an upload may still take today: the smaller of what is left of the contributor's and of the Datanet's daily bytes",
                    ),
                  bytesLimit: z
                    .enum(['dailyBytesPerContributor', 'dailyBytesPerDatanet'])
                    .describe(
                      "which daily limit bytesLeft is left of: the contributor's own, or the Datanet-wide cap when less is left of it",
                    ),
                  datanetBytesLeft: z
                    .number()
                    .nullable()
                    .describe("left today of the Datanet's daily byte cap, shared by all its contributors; null when it has none"),
                  filesUsed: z.number(),
                  filesLeft: z.number().nullable(),
                  resetsAt: z.string(),
                }),
              }),
            ),
            contributions: z.object({
              page: z.number(),
              pageSize: z.number(),
              total: z.number(),
              items: z.array(
                z.object({
                  id: z.string(),
                  datanet: z.string(),
                  submissionId: z.string(),
                  sourceFile: z.string(),
                  recordIndex: z.number(),
                  acceptedAt: z.number(),
                  revokedAt: z.number().nullable(),
                  droppedAt: z.number().nullable(),
                  dropReason: z.string().nullable().describe('the step that dropped it and why, e.g. "quality.filter: gopher_min_words"'),
                  waitingForReview: z
                    .array(z.string())
                    .nullable()
                    .describe(
                      'held in a review queue until reviewers decide, and why (newcomer, audit, near_duplicate, ...); null when not held',
                    ),
                }),
              ),
            }),
          }),
          404: Refusal,
        },
      },
    },
    async (req, reply) => {
      const address = getAddress(req.params.address.toLowerCase());
      const wanted = req.query.datanet
        ? [catalog.get(req.query.datanet)].filter((d): d is DatanetDefinition => Boolean(d))
        : [...catalog.values()];
      if (req.query.datanet && wanted.length === 0) return reply.code(404).send(unknownDatanet(req.query.datanet));
      const now = Date.now();
      const datanets = [];
      for (const def of wanted) {
        const stats = (await contributorStats(ctx.db, def.id, def.standing, { contributor: address })).find(
          (s) => s.contributor.toLowerCase() === address.toLowerCase(),
        );
        const history = await standingHistory(ctx.db, def.id, address);
        datanets.push({
          datanet: def.id,
          submittedFiles: stats?.submittedFiles ?? 0,
          acceptedFiles: stats?.acceptedFiles ?? 0,
          rejectedFiles: stats?.rejectedFiles ?? 0,
          acceptanceRate: stats?.acceptanceRate ?? 0,
          contributions: stats?.contributions ?? 0,
          waitingForReview: stats?.waitingForReview ?? 0,
          revoked: stats?.revoked ?? 0,
          dropped: stats?.dropped ?? 0,
          standing: stats?.standing ?? 0,
          standingHistory: history.map((h) => ({ ...h, at: new Date(h.at).toISOString() })),
          quota: await quotaLeft(ctx.db, def.id, address, def.limits, now),
        });
      }
      const ids = wanted.map((d) => d.id);
      let items: {
        id: string;
        datanet: string;
        submissionId: string;
        sourceFile: string;
        recordIndex: number;
        acceptedAt: number;
        revokedAt: number | null;
        droppedAt: number | null;
        dropReason: string | null;
        waitingForReview: string[] | null;
      }[] = [];
      let total = 0;
      if (ids.length > 0) {
        const base = ctx.db.selectFrom('contributions').where('datanet', 'in', ids).where('contributor', '=', address);
        total = Number((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst())?.n ?? 0);
        const dir = req.query.order === 'newest' ? 'desc' : 'asc';
        const rows = await base
          .selectAll()
          .orderBy('accepted_at', dir)
          .orderBy('submission_id', dir)
          .orderBy('source_file', dir)
          .orderBy('record_index', dir)
          .limit(req.query.pageSize)
          .offset((req.query.page - 1) * req.query.pageSize)
          .execute();
        items = rows.map((r) => ({
          id: r.id,
          datanet: r.datanet,
          submissionId: r.submission_id,
          sourceFile: r.source_file,
          recordIndex: Number(r.record_index),
          acceptedAt: Number(r.accepted_at),
          revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
          droppedAt: r.dropped_at === null ? null : Number(r.dropped_at),
          dropReason: r.drop_reason,
          waitingForReview: null as string[] | null,
        }));
        const held = await heldForReview(
          ctx.db,
          ids,
          items.map((i) => i.id),
        );
        for (const item of items) item.waitingForReview = held.get(`${item.datanet}\n${item.id}`) ?? null;
      }
      return { address, datanets, contributions: { page: req.query.page, pageSize: req.query.pageSize, total, items } };
    },
  );
};

/**
 * Which of these contributions a review queue holds (open or escalated items), with why: read from
 * the review package's table when the store has one, as `datanet-key\nid` -> reasons.
 */
async function heldForReview(db: Kysely<any>, datanets: string[], ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  const has = await sql<{ t: boolean }>`select to_regclass('review_items') is not null as t`.execute(db);
  if (!has.rows[0]?.t) return out;
  const { rows } = await sql<{ datanet: string; ref: string; held_for: string }>`
    select datanet, ref, held_for from review_items
     where datanet = any(${datanets}::text[]) and ref = any(${ids}::text[]) and state in ('open', 'escalated')`.execute(db);
  for (const r of rows) out.set(`${r.datanet}\n${r.ref}`, r.held_for ? r.held_for.split(',') : []);
  return out;
}

export default register;
