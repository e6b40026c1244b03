import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { intakeFolders } from '../intake/entry-store.js';
import { join, resolve } from 'node:path';
import { submissionsTable } from '../demo/submit-groups.js';
import { z } from 'zod';
import { defineOperator } from '@datanet/pipelines';
import { loadDatanetDefinition, resolveDatanetPath } from '@datanet/datanet';
import { MEDQUAD_DEMO_SEED, submitMedquad } from './medquad-submitter.js';

export const ingestMedquadConfig = z
  .object({
    corpus: z.string().min(1).describe('path of medquad_with_answers.jsonl.gz (or a .jsonl sample), relative to the pipeline file'),
    datanet: z.string().min(1).default('medical-qa').describe('Datanet definition path or id'),
    inbox: z.string().min(1).optional().describe('inbox folder; default <stateDir>/inbox/<datanet id>'),
    seed: z.string().min(1).default(MEDQUAD_DEMO_SEED).describe('seed of the DEMO contributor keys (keccak256("<seed>:<source>"))'),
    recordsPerFile: z.int().min(1).default(250),
    limitPerSource: z.int().min(1).optional().describe('at most this many records per source site (quick demos)'),
  })
  .strict();

function locate(config: z.output<typeof ingestMedquadConfig>, env: { pipelineDir: string; stateDir: string }) {
  const definition = loadDatanetDefinition(resolveDatanetPath(config.datanet, env.pipelineDir));
  const inbox = config.inbox ? resolve(env.pipelineDir, config.inbox) : join(env.stateDir, 'inbox', definition.id);
  return { definition, inbox, corpus: resolve(env.pipelineDir, config.corpus) };
}

export const ingestMedquad = defineOperator({
  type: 'ingest.medquad',
  version: '1.0.0',
  description:
    'Signs MedQuAD into a Datanet inbox as nine contributors (one per NIH source site, deterministic DEMO keys), in JSONL files within the per-submission and daily limits. Deterministic: a re-run writes nothing new.',
  config: ingestMedquadConfig,
  outputs: {
    submissions: {
      kind: 'table',
      description: 'one row per signed submission: source, contributor, entry, submission_id, files, records, bytes',
      schema: {
        columns: {
          source: 'utf8',
          contributor: 'utf8',
          entry: 'utf8',
          submission_id: 'utf8',
          files: 'int32',
          records: 'int32',
          bytes: 'int32',
        },
      },
    },
  },
  resources: { pool: 'cpu' },
  async fingerprint(config, env) {
    const { corpus, inbox } = locate(config, env);
    const s = await stat(corpus).catch(() => undefined);
    return { corpus, size: s?.size, mtime: s?.mtimeMs, inbox };
  },
  // The effect is the inbox entries: a cache hit is only good while they are still there.
  async verifyCached(config, outputs, env) {
    const { inbox } = locate(config, env);
    const { readParquetFile } = await import('@datanet/pipelines');
    const table = await readParquetFile(outputs.submissions.path);
    const f = intakeFolders(inbox);
    // Intake moves decided entries out of the inbox: they still count as submitted.
    return table
      .getChild('entry')!
      .toArray()
      .every((e: string) => [f.inbox, f.processed, f.quarantine].some((d) => existsSync(join(d, e))));
  },
  async run(ctx) {
    const { definition, inbox, corpus } = locate(ctx.config, ctx.run);
    const subs = await submitMedquad({
      corpus,
      definition,
      inbox,
      seed: ctx.config.seed,
      recordsPerFile: ctx.config.recordsPerFile,
      limitPerSource: ctx.config.limitPerSource,
    });
    const written = subs.filter((s) => s.written).length;
    ctx.logger.info(
      `${subs.length} MedQuAD submissions from ${new Set(subs.map((s) => s.source)).size} contributors in ${inbox} (${written} new)`,
    );
    await ctx.output('submissions').writeTable(
      submissionsTable(
        subs.map(({ source, ...rest }) => ({ group: source, ...rest })),
        'source',
      ),
    );
  },
});
