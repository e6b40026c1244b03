import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEPLOYMENT_SCOPE } from '../auth/roles.js';
import { datanetOf, type RunReader } from '../runs/run-reader.js';
import type { ServerContext, ZodApp } from '../server-context.js';

const Refusal = z.object({ error: z.string(), message: z.string() });
const RunId = z.object({ id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a run id') });
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
/** The most rows a preview reads: enough to see a table's shape, never a way to copy it out. */
const PREVIEW_MAX_ROWS = 200;
const CELL_MAX_CHARS = 2000;

/**
 * What the console draws a run with, beside the runs API: the DAG of the pipeline the run kept
 * (steps and their upstream steps) and a capped preview of a step's table output, read by DuckDB.
 * Both under the same access as the run itself (reviewer of the run's Datanet, else the deployment).
 */
export function runViewRoutes(app: ZodApp, ctx: ServerContext, reader: RunReader): void {
  const runScope = async (req: FastifyRequest) => {
    const id = (req.params as { id?: string }).id ?? '';
    const run = id.length <= 100 ? await reader.get(id) : undefined;
    return (run && datanetOf(run)) ?? DEPLOYMENT_SCOPE;
  };

  app.get(
    '/api/pipelines',
    {
      config: { access: { role: 'contributor' } },
      schema: {
        tags: ['runs'],
        summary: 'Pipelines under configs/pipelines that can be launched, with their parameters (for a launch form)',
        response: {
          200: z.object({
            pipelines: z.array(
              z.object({
                name: z.string(),
                description: z.string().nullable(),
                steps: z.number(),
                parameters: z.array(
                  z.object({
                    name: z.string(),
                    type: z.string(),
                    default: z.unknown().optional(),
                    description: z.string().nullable(),
                    enum: z.array(z.unknown()).nullable(),
                  }),
                ),
              }),
            ),
          }),
        },
      },
    },
    async () => ({ pipelines: listPipelines(join(ctx.config.configRoot, 'configs', 'pipelines')) }),
  );

  app.get(
    '/api/runs/:id/graph',
    {
      config: { access: { role: 'reviewer', scope: runScope } },
      schema: {
        tags: ['runs'],
        summary: "The run's DAG as the pipeline it kept declares it: steps, operator types and upstream steps",
        params: RunId,
        response: {
          200: z.object({
            steps: z.array(
              z.object({ id: z.string(), uses: z.string().nullable(), description: z.string().nullable(), needs: z.array(z.string()) }),
            ),
          }),
          404: Refusal,
        },
      },
    },
    async (req, reply) => {
      const row = await ctx.db.selectFrom('runs').select('spec_yaml').where('id', '=', req.params.id).executeTakeFirst();
      if (!row) return reply.code(404).send({ error: 'unknown_run', message: `no run ${req.params.id}` });
      return { steps: graphOf(String(row.spec_yaml ?? '')) };
    },
  );

  app.get(
    '/api/runs/:id/steps/:step/outputs/:output/preview',
    {
      config: { access: { role: 'reviewer', scope: runScope } },
      schema: {
        tags: ['runs'],
        summary: `The first rows of a step's table output (DuckDB over its Parquet; at most ${PREVIEW_MAX_ROWS} rows, long cells cut)`,
        params: RunId.extend({
          step: z.string().regex(NAME, 'a step id'),
          output: z.string().regex(NAME, 'an output name'),
        }),
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(PREVIEW_MAX_ROWS).default(50) }),
        response: {
          200: z.object({
            columns: z.array(z.object({ name: z.string(), type: z.string() })),
            rows: z.array(z.array(z.unknown())),
            numRows: z.number(),
            limit: z.number(),
          }),
          404: Refusal,
          409: Refusal,
        },
      },
    },
    async (req, reply) => {
      const { id, step, output } = req.params;
      const steps = (await reader.detail(id))?.steps as { stepId: string; partition: string; outputs: Record<string, OutputRef> }[];
      if (!steps) return reply.code(404).send({ error: 'unknown_run', message: `no run ${id}` });
      const s = steps.find((x) => x.stepId === step && x.partition === '');
      if (!s) return reply.code(404).send({ error: 'unknown_step', message: `run ${id} has no step ${step}` });
      // Own properties only: "constructor" or "__proto__" name no output.
      const out = s.outputs && Object.hasOwn(s.outputs, output) ? s.outputs[output] : undefined;
      if (!out) return reply.code(404).send({ error: 'unknown_output', message: `step ${step} has no output ${output} (yet)` });
      if (out.kind !== 'table')
        return reply.code(409).send({ error: 'not_a_table', message: `output ${output} is a ${out.kind}; only tables have a preview` });
      if (!existsSync(out.path))
        return reply
          .code(404)
          .send({ error: 'artifact_missing', message: `the file of ${step}.${output} is no longer in this server's artifact store` });
      return previewTable(out.path, req.query.limit);
    },
  );
}

interface OutputRef {
  kind: string;
  path: string;
}

/** The launchable pipelines: their names, descriptions and `parameters:` as written. */
function listPipelines(dir: string) {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((f) => /^[a-z0-9][a-z0-9._-]{0,63}\.yaml$/.test(f));
  } catch {
    return [];
  }
  const out = [];
  for (const f of names.sort()) {
    let doc: { kind?: unknown; metadata?: { description?: unknown }; parameters?: Record<string, unknown>; steps?: object } | null;
    try {
      doc = parseYaml(readFileSync(join(dir, f), 'utf8')) as typeof doc;
    } catch {
      continue;
    }
    if (!doc || doc.kind !== 'Pipeline') continue;
    const params = Object.entries(doc.parameters ?? {}).map(([name, raw]) => {
      const p = (raw && typeof raw === 'object' ? raw : { default: raw }) as Record<string, unknown>;
      return {
        name,
        type: typeof p.type === 'string' ? p.type : 'string',
        ...(p.default !== undefined ? { default: p.default } : {}),
        description: typeof p.description === 'string' ? p.description : null,
        enum: Array.isArray(p.enum) ? p.enum : null,
      };
    });
    out.push({
      name: f.replace(/\.yaml$/, ''),
      description: typeof doc.metadata?.description === 'string' ? doc.metadata.description : null,
      steps: Object.keys(doc.steps ?? {}).length,
      parameters: params,
    });
  }
  return out;
}

/** Steps and their upstream steps: `needs:` (a step or "step.output") and `inputs:` ("step.output"). */
function graphOf(specYaml: string) {
  type StepShape = { uses?: unknown; description?: unknown; needs?: unknown; inputs?: unknown };
  let steps: Record<string, StepShape>;
  try {
    steps = (parseYaml(specYaml) as { steps?: Record<string, StepShape> } | null)?.steps ?? {};
  } catch {
    return [];
  }
  return Object.entries(steps).map(([id, s]) => {
    const refs = [
      ...(Array.isArray(s?.needs) ? s.needs : []),
      ...(s?.inputs && typeof s.inputs === 'object' ? Object.values(s.inputs as Record<string, unknown>) : []),
    ].filter((r): r is string => typeof r === 'string');
    const needs = [...new Set(refs.map((r) => r.split('.')[0]))].filter((n) => n !== id && n in steps);
    return {
      id,
      uses: typeof s?.uses === 'string' ? s.uses : null,
      description: typeof s?.description === 'string' ? s.description : null,
      needs,
    };
  });
}

async function previewTable(path: string, limit: number) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await db.connect();
  const q = `'${path.replace(/'/g, "''")}'`;
  try {
    const count = await conn.runAndReadAll(`select count(*) from read_parquet(${q})`);
    const result = await conn.runAndReadAll(`select * from read_parquet(${q}) limit ${Math.floor(limit)}`);
    const names = result.columnNames();
    const types = result.columnTypes();
    const rows = result.getRowsJson().map((r) => r.map(cell));
    return {
      columns: names.map((name, i) => ({ name, type: String(types[i]) })),
      rows,
      numRows: Number(count.getRows()[0][0]),
      limit,
    };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

function cell(v: unknown): unknown {
  if (typeof v === 'string' && v.length > CELL_MAX_CHARS) return `${v.slice(0, CELL_MAX_CHARS)}…`;
  return v;
}
