import { z } from 'zod';
import { defineOperator, type InputArtifact } from '@datanet/pipelines';
import type { ReportInputs, TableSource } from './gather/table-inputs.js';

const ReportConfig = z
  .object({
    datanet: z.string().min(1).optional().describe('Datanet id; defaults to the `datanet` column of the accepted or rejections table'),
    registry: z.boolean().default(true).describe('take acceptance by files and standing from the Datanet registry in the run store'),
    idColumn: z.string().min(1).default('id'),
    textColumn: z.string().min(1).default('text'),
    contributorColumn: z.string().min(1).default('contributor'),
    topClusters: z.number().int().min(0).max(1000).default(10).describe('duplicate clusters shown, biggest first'),
    examplesPerCluster: z.number().int().min(0).max(100).default(3),
    excerptChars: z.number().int().min(0).max(10_000).default(160),
  })
  .strict();

const table = (description: string) => ({ kind: 'table' as const, optional: true, description });

export const reportQuality = defineOperator({
  type: 'report.quality',
  version: '1',
  description:
    'Steward quality report: acceptance and standing per contributor, rejection reasons, duplicate clusters, quality scores, per-rule pass rates (JSON + self-contained HTML)',
  config: ReportConfig,
  inputs: {
    accepted: table('records accepted at intake (ingest.submissions accepted)'),
    rejections: table('intake rejections with reason_code and message (ingest.submissions rejections)'),
    duplicates: table('rows dropped as exact duplicates, with duplicate_of and cluster_id (dedupe.exact duplicates)'),
    nearDuplicates: table('rows dropped as near duplicates (dedupe.minhash duplicates)'),
    qualityRejected: table('rows failing a quality rule, with rule and reason (quality.filter rejected)'),
    qualityScores: table('per-record quality_score and passed (quality.filter scores)'),
    qualityReport: { kind: 'report', optional: true, description: 'quality.filter report: per-rule pass rates and thresholds' },
    checksReport: { kind: 'report', optional: true, description: 'quality.checks report: declarative column checks' },
    reuseReport: { kind: 'report', optional: true, description: 'dedupe.reuse report: copied passages shown beside their sources' },
  },
  // The registry changes between runs while the input digests stay the same: a cached report would
  // show stale standing.
  cacheable: false,
  outputs: { report: { kind: 'report', description: 'the report model as JSON, with the HTML rendering in meta.html' } },
  async run(ctx) {
    const c = ctx.config;
    const src = (name: string, label?: string): TableSource[] | undefined => {
      const a = ctx.inputs[name] as InputArtifact | InputArtifact[] | undefined;
      if (!a) return undefined;
      return (Array.isArray(a) ? a : [a]).map((x) => ({ path: x.path, label }));
    };
    const reports = async (name: string) => {
      const a = ctx.inputs[name] as InputArtifact | InputArtifact[] | undefined;
      return a ? Promise.all((Array.isArray(a) ? a : [a]).map((r) => r.readJson())) : [];
    };
    const inputs: ReportInputs = {
      accepted: src('accepted'),
      rejections: src('rejections'),
      duplicates: [...(src('duplicates', 'exact_duplicate') ?? []), ...(src('nearDuplicates', 'near_duplicate') ?? [])],
      qualityRejected: src('qualityRejected'),
      qualityScores: src('qualityScores'),
      qualityReports: await reports('qualityReport'),
      checksReports: await reports('checksReport'),
      columns: { id: c.idColumn, text: c.textColumn, contributor: c.contributorColumn },
    };
    const [{ buildQualityReport }, { renderQualityHtml }, { inferDatanet }] = await Promise.all([
      import('./build-report.js'),
      import('./render/render-html.js'),
      import('./gather/infer-datanet.js'),
    ]);
    const datanet = c.datanet ?? (await inferDatanet([...(inputs.accepted ?? []), ...(inputs.rejections ?? [])]));
    if (!datanet) ctx.logger.warn('report.quality: no `datanet` in config and none in the tables; the registry is not consulted');
    const model = await buildQualityReport({
      datanet: datanet ?? 'unknown',
      runId: ctx.run.runId,
      inputs,
      registry: c.registry && datanet ? { db: ctx.db, dialect: ctx.dbDialect } : undefined,
      options: { topClusters: c.topClusters, examplesPerCluster: c.examplesPerCluster, excerptChars: c.excerptChars },
    });
    ctx.logger.info(
      `report.quality: ${model.contributors.length} contributors, ${model.totals.acceptedRecords} accepted, ${model.totals.duplicates} duplicates, ${model.totals.qualityRejected} quality rejections`,
    );
    // Copied passages (dedupe.reuse): their own section, after the rest of the report.
    const { reuseSectionFrom } = await import('./gather/reuse-section.js');
    const { reuseSection } = await import('./render/reuse-html.js');
    const reuse = reuseSectionFrom(await reports('reuseReport'));
    const html = renderQualityHtml(model);
    await ctx
      .output('report')
      .writeReport(reuse ? { ...model, reuse } : model, reuse ? html.replace(/<\/main>/, `${reuseSection(reuse)}\n</main>`) : html, {
        datanet: model.datanet,
      });
  },
});
