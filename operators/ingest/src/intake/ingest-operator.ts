import { lstat, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { defineOperator } from '@datanet/pipelines';
import {
  CONTRIBUTION_COLUMNS,
  REJECTION_COLUMNS,
  contributionsTable,
  loadDatanetDefinition,
  rejectionsTable,
  resolveDatanetPath,
} from '@datanet/datanet';
import { processInbox } from './process-inbox.js';
import { decisionListing, intakeFolders } from './entry-store.js';

export const ingestSubmissionsConfig = z
  .object({
    datanet: z
      .string()
      .min(1)
      .describe('Datanet definition: a path to its YAML (relative to the pipeline file) or its id (configs/datanets/<id>.yaml)'),
    inbox: z.string().min(1).optional().describe('inbox folder; default <stateDir>/inbox/<datanet id>'),
  })
  .strict();

export type IngestSubmissionsConfig = z.output<typeof ingestSubmissionsConfig>;

function locate(config: IngestSubmissionsConfig, env: { pipelineDir: string; stateDir: string }) {
  const definitionPath = resolveDatanetPath(config.datanet, env.pipelineDir);
  const definition = loadDatanetDefinition(definitionPath);
  const inbox = config.inbox ? resolve(env.pipelineDir, config.inbox) : join(env.stateDir, 'inbox', definition.id);
  return { definitionPath, definition, inbox };
}

export const ingestSubmissions = defineOperator({
  type: 'ingest.submissions',
  version: '1.0.0',
  description:
    "Reads a Datanet's inbox of signed submissions, verifies signatures and nonces, applies the daily limits atomically and format validation, records contributions and rejections in the registry, and outputs the accepted records and the rejections.",
  config: ingestSubmissionsConfig,
  inputs: {
    submitted: {
      kind: 'table',
      optional: true,
      description:
        'what an upstream submitter step wrote into the inbox (e.g. ingest.medquad); wiring it orders the steps and keys the cache on it',
    },
  },
  outputs: {
    accepted: {
      kind: 'table',
      description: 'one row per accepted record: id (content hash), contributor, datanet, text, record fields, provenance',
      schema: { columns: { ...CONTRIBUTION_COLUMNS }, open: true },
    },
    rejections: {
      kind: 'table',
      description: "one row per rejected submission ('' file), file (record_index -1) or record, with reason_code and message",
      schema: { columns: { ...REJECTION_COLUMNS }, open: false },
    },
  },
  resources: { pool: 'cpu' },
  // The inbox lives outside the artifact store: a new or changed entry must re-run the step.
  async fingerprint(config, env) {
    const { definitionPath, inbox } = locate(config, env);
    const entries = await readdir(inbox).catch(() => [] as string[]);
    const listing: [string, number][] = [];
    for (const e of entries.filter((n) => !n.startsWith('.')).sort()) listing.push([e, (await lstat(join(inbox, e))).mtimeMs]);
    // Decided entries have left the inbox; the tables are rebuilt from their stored decisions.
    const decided = await decisionListing(intakeFolders(inbox));
    return { definition: definitionPath, definitionMtime: (await stat(definitionPath)).mtimeMs, inbox, listing, decided };
  },
  async run(ctx) {
    const { definition, inbox } = locate(ctx.config, ctx.run);
    ctx.logger.info(`reading inbox ${inbox} for Datanet ${definition.id}`);
    const result = await processInbox({
      db: ctx.db,
      dialect: ctx.dbDialect,
      definition,
      inbox,
      runId: ctx.run.runId,
      log: (message, fields) => ctx.logger.info(message, fields),
      progress: (done, total) => ctx.progress(done, total, 'submissions'),
      signal: ctx.signal,
    });
    const partial = result.submissions.filter((s) => s.status === 'partial').length;
    const rejected = result.submissions.filter((s) => s.status === 'rejected').length;
    ctx.logger.info(
      `${result.submissions.length} submissions (${rejected} rejected, ${partial} partly; ${result.decidedNow.length} decided in this run): ${result.accepted.length} records accepted, ${result.rejections.length} rejections`,
    );
    const reasons = new Map<string, number>();
    for (const r of result.rejections) reasons.set(r.reason_code, (reasons.get(r.reason_code) ?? 0) + 1);
    const byReason = [...reasons]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    await ctx.output('accepted').writeTable(contributionsTable(result.accepted, result.fieldNames), {
      datanet: definition.id,
      summary: [
        `${result.accepted.length} records accepted, ${result.rejections.length} rejected${byReason ? ` (${byReason})` : ''}, from ${result.submissions.length} submissions`,
      ],
    });
    await ctx.output('rejections').writeTable(rejectionsTable(result.rejections), { datanet: definition.id });
  },
});
