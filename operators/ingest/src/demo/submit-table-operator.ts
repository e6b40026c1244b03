import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { defineOperator, readParquetFile } from '@datanet/pipelines';
import { loadDatanetDefinition, resolveDatanetPath } from '@datanet/datanet';
import { submissionsTable, submitGroups } from './submit-groups.js';
import { intakeFolders } from '../intake/entry-store.js';

export const DEMO_SEED = 'datanet-demo';

export const ingestSubmitTableConfig = z
  .object({
    datanet: z.string().min(1).describe('Datanet definition path or id'),
    contributorColumn: z.string().default('contributor').describe('rows with the same value are one contributor'),
    fields: z.array(z.string()).min(1).describe('columns that become the fields of each submitted record'),
    inbox: z.string().min(1).optional().describe('inbox folder; default <stateDir>/inbox/<datanet id>'),
    seed: z.string().min(1).default(DEMO_SEED).describe('seed of the DEMO contributor keys (keccak256("<seed>:<contributor>"))'),
    licence: z.string().default('CC-BY-4.0'),
    recordsPerFile: z.int().min(1).default(250),
  })
  .strict();

function locate(config: z.output<typeof ingestSubmitTableConfig>, env: { pipelineDir: string; stateDir: string }) {
  const definition = loadDatanetDefinition(resolveDatanetPath(config.datanet, env.pipelineDir));
  const inbox = config.inbox ? resolve(env.pipelineDir, config.inbox) : join(env.stateDir, 'inbox', definition.id);
  return { definition, inbox };
}

/** Signs a table's records into a Datanet inbox, one demo contributor per value of a column. */
export const ingestSubmitTable = defineOperator({
  type: 'ingest.submit-table',
  version: '1.0.0',
  description:
    'Signs the rows of a table into a Datanet inbox as contributors (one per value of a column, deterministic DEMO keys), in JSONL files within the limits. Deterministic: a re-run writes nothing new.',
  config: ingestSubmitTableConfig,
  inputs: { table: { kind: 'table', schema: (c) => ({ columns: { [c.contributorColumn]: 'utf8' } }) } },
  outputs: {
    submissions: {
      kind: 'table',
      description: 'one row per signed submission',
      schema: {
        columns: {
          group: 'utf8',
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
  async verifyCached(config, outputs, env) {
    const { inbox } = locate(config, env);
    const table = await readParquetFile(outputs.submissions.path);
    const f = intakeFolders(inbox);
    // Intake moves decided entries out of the inbox: they still count as submitted.
    return (table.getChild('entry')!.toArray() as string[]).every((e) =>
      [f.inbox, f.processed, f.quarantine].some((d) => existsSync(join(d, e))),
    );
  },
  async run(ctx) {
    const { definition, inbox } = locate(ctx.config, ctx.run);
    if (!definition.licences.includes(ctx.config.licence))
      throw new Error(`Datanet ${definition.id} does not accept licence ${ctx.config.licence}`);
    const table = await ctx.input('table').readTable();
    const missing = [ctx.config.contributorColumn, ...ctx.config.fields].filter((c) => !table.getChild(c));
    if (missing.length)
      throw new Error(
        `ingest.submit-table: the input has no column ${missing.map((m) => `"${m}"`).join(', ')} (columns: ${table.schema.fields.map((f) => f.name).join(', ')})`,
      );
    const who = table.getChild(ctx.config.contributorColumn)!;
    const cols = ctx.config.fields.map((f) => [f, table.getChild(f)!] as const);
    const groups = new Map<string, Record<string, unknown>[]>();
    for (let i = 0; i < table.numRows; i++) {
      const g = String(who.get(i));
      const row = Object.fromEntries(
        cols.map(([f, c]) => {
          const v = c.get(i);
          return [f, typeof v === 'bigint' ? v.toString() : v];
        }),
      );
      (groups.get(g) ?? groups.set(g, []).get(g)!).push(row);
    }
    const subs = await submitGroups({
      groups,
      definition,
      inbox,
      seed: ctx.config.seed,
      recordsPerFile: ctx.config.recordsPerFile,
      licence: ctx.config.licence,
    });
    ctx.logger.info(
      `${subs.length} submissions from ${groups.size} contributors in ${inbox} (${subs.filter((s) => s.written).length} new)`,
    );
    await ctx.output('submissions').writeTable(submissionsTable(subs, 'group'), {
      summary: [`${subs.length} signed submissions from ${groups.size} contributors (${table.numRows} records)`],
    });
  },
});
