import { sql } from 'kysely';
import { z } from 'zod';
import { DATANET_ID, definitionLoader, openRegistry, refuseUnknownDatanets, unknownDatanet } from '@datanet/datanet';
import { scopeFromParam, type RegisterRoutes } from '@datanet/pipelines/server';
import { buildQualityReport } from '../build-report.js';
import { findReportRun, inputsFromRun, QualityReportError } from '../gather/run-inputs.js';

const Refusal = z.object({ error: z.string(), message: z.string() });
const DatanetParam = z.object({ id: z.string().regex(DATANET_ID, 'a Datanet id') });
const Member = z.object({
  id: z.string(),
  contributor: z.string().nullable(),
  excerpt: z.string().nullable(),
  similarity: z.number().nullable(),
});

// The report model (model/report-model.ts) as the API answers it: the same document the HTML report renders.
const ReportSchema = z.object({
  kind: z.literal('datanet.quality-report'),
  version: z.number(),
  datanet: z.string(),
  runId: z.string().nullable(),
  generatedAt: z.string(),
  totals: z.object({
    submittedFiles: z.number().nullable(),
    acceptedFiles: z.number().nullable(),
    rejectedFiles: z.number().nullable(),
    acceptanceRate: z.number().nullable(),
    acceptedRecords: z.number(),
    intakeRejections: z.number(),
    duplicates: z.number(),
    qualityRejected: z.number(),
    keptRecords: z.number(),
  }),
  contributors: z.array(
    z.object({
      contributor: z.string(),
      submittedFiles: z.number().nullable(),
      acceptedFiles: z.number().nullable(),
      rejectedFiles: z.number().nullable(),
      acceptanceRate: z.number(),
      acceptanceBasis: z.enum(['files', 'records']),
      acceptedRecords: z.number(),
      intakeRejections: z.number(),
      duplicates: z.number(),
      qualityRejected: z.number(),
      revoked: z.number(),
      standing: z.number(),
    }),
  ),
  rejectionReasons: z.array(
    z.object({ stage: z.enum(['intake', 'dedupe', 'quality']), reason: z.string(), count: z.number(), example: z.string().nullable() }),
  ),
  duplicates: z.object({
    rows: z.number(),
    clusters: z.number(),
    largestCluster: z.number(),
    ofEarlierRuns: z.number(),
    top: z.array(
      z.object({ clusterId: z.string(), size: z.number(), keeper: Member, keeperFromEarlierRun: z.boolean(), examples: z.array(Member) }),
    ),
  }),
  qualityScores: z
    .object({
      count: z.number(),
      mean: z.number(),
      median: z.number(),
      min: z.number(),
      max: z.number(),
      passed: z.number(),
      bins: z.array(z.object({ from: z.number(), to: z.number(), count: z.number() })),
    })
    .nullable(),
  rules: z.array(
    z.object({
      rule: z.string(),
      family: z.string().nullable(),
      threshold: z.number().nullable(),
      checked: z.number(),
      failed: z.number(),
      passRate: z.number(),
      firstFailure: z.number().nullable(),
    }),
  ),
  notes: z.array(z.string()),
  rejectionsByDay: z.array(z.object({ day: z.string(), reason: z.string(), count: z.number() })),
});

/**
 * The steward dashboard's data: the quality report model of the Datanet's newest intake run (the
 * document `datanet report quality` renders as HTML), plus the registry's rejections per day and reason.
 */
const register: RegisterRoutes = async (app, ctx) => {
  await openRegistry(ctx.db, ctx.dialect);
  const definition = definitionLoader(ctx.config.configRoot, app.log);
  refuseUnknownDatanets(app, definition);
  app.get(
    '/v1/datanets/:id/report',
    {
      config: { access: { role: 'steward', scope: scopeFromParam('id') } },
      schema: {
        tags: ['datanets'],
        summary:
          'Steward report: contributors (acceptance, standing, rejections), rejection reasons (also per day), duplicate clusters, quality scores and rule pass rates',
        params: DatanetParam,
        response: { 200: ReportSchema, 404: Refusal },
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      const def = definition(id);
      if (!def) return reply.code(404).send(unknownDatanet(id));
      let run;
      try {
        run = await findReportRun(ctx.db, { datanet: id });
      } catch (e) {
        // The message is the CLI's, which names its --run flag: over HTTP, launching intake is the way.
        if (e instanceof QualityReportError)
          return reply.code(404).send({
            error: 'no_report',
            message: `${e.message.replace(/, or pass --run RUN_ID$/, '')} (POST /api/runs with the Datanet's intake pipeline, as a steward)`,
          });
        throw e;
      }
      const { inputs, notes } = await inputsFromRun(run);
      const model = await buildQualityReport({
        datanet: id,
        runId: run.runId,
        inputs,
        registry: { db: ctx.db, dialect: ctx.dialect, policy: def.standing },
      });
      model.notes.unshift(`run ${run.runId} (${run.pipeline}, ${run.status}): ${run.chosenBecause}`, ...notes);
      const days = await ctx.db
        .selectFrom('rejections')
        .select([
          sql<string>`to_char(to_timestamp(created_at / 1000.0) at time zone 'UTC', 'YYYY-MM-DD')`.as('day'),
          'reason_code',
          (eb) => eb.fn.countAll().as('n'),
        ])
        .where('datanet', '=', id)
        .groupBy(['day', 'reason_code'])
        .orderBy('day')
        .execute();
      return {
        ...model,
        rejectionsByDay: days.map((d) => ({ day: String(d.day), reason: String(d.reason_code), count: Number(d.n) })),
      } as never;
    },
  );
};

export default register;
