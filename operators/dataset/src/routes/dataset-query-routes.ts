import { z } from 'zod';
import { DATANET_ID, definitionLoader, refuseUnknownDatanets } from '@datanet/datanet';
import type { RegisterRoutes } from '@datanet/pipelines/server';
import { DatasetQueryError, queryDataset } from '../query/query-dataset.js';
import { listDatasetVersions } from '../registry/dataset-versions.js';

/** The most rows one query answers with, and how long it may run: a look at a version, not an export. */
const QUERY_MAX_ROWS = 1000;
const QUERY_TIMEOUT_MS = 5000;
/** Longest SQL text accepted. */
const MAX_SQL_CHARS = 10_000;
/** Queries per minute per caller: each one opens DuckDB over a Parquet file. */
const QUERIES_PER_MINUTE = 30;

const Refusal = z.object({ error: z.string(), message: z.string() });

/**
 * The leading keyword, past comments: only SELECT, WITH and DuckDB's FROM-first SELECT are
 * queries here. DuckDB itself then checks the statement is one read-only SELECT under a locked
 * configuration with external access off (queryDataset's lock-down).
 */
function leadingKeyword(sql: string): string {
  return /^\s*(?:(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)\s*)*([A-Za-z]+)/.exec(sql)?.[1]?.toLowerCase() ?? '';
}

/** The CLI's wording names CLI flags; over HTTP there are none to pass. */
function forHttp(message: string): string {
  return message
    .replace(/;? ?pass --unsafe for full DuckDB/g, '')
    .replace(/,? or pass --unsafe/g, '')
    .replace(/ without --unsafe/g, '')
    .replace(/ \(raise it with --timeout SECONDS\)/g, '')
    .replace(/`datanet query`/g, 'the SQL box')
    .replace(/ \(\)/g, '')
    .trim();
}

/**
 * Read-only SQL over one dataset version, for the console's SQL box: one SELECT over the views
 * `dataset` and `contributions`, at most QUERY_MAX_ROWS rows, stopped after QUERY_TIMEOUT_MS.
 * Dataset versions are public, but each query costs the server CPU: signed-in callers only, rate
 * limited per caller.
 */
const register: RegisterRoutes = (app, ctx) => {
  refuseUnknownDatanets(app, definitionLoader(ctx.config.configRoot, app.log));
  app.post(
    '/v1/datanets/:id/datasets/:version/query',
    {
      config: {
        access: { role: 'contributor', why: 'queries cost CPU: signed-in callers only' },
        rateLimit: { max: QUERIES_PER_MINUTE, timeWindow: '1 minute' },
      },
      schema: {
        tags: ['datasets'],
        summary: `Read-only SQL (one SELECT) over a dataset version's views dataset and contributions; at most ${QUERY_MAX_ROWS} rows, ${QUERY_TIMEOUT_MS / 1000} s`,
        params: z.object({ id: z.string().regex(DATANET_ID, 'a Datanet id'), version: z.coerce.number().int().min(1) }),
        body: z.object({ sql: z.string().min(1).max(MAX_SQL_CHARS) }),
        response: {
          200: z.object({
            dataset: z.string(),
            columns: z.array(z.string()),
            rows: z.array(z.array(z.unknown())),
            truncated: z.boolean(),
            maxRows: z.number(),
            elapsedMs: z.number(),
          }),
          400: Refusal,
          404: Refusal,
          422: Refusal,
        },
      },
    },
    async (req, reply) => {
      const { id, version } = req.params;
      if (!(await listDatasetVersions(ctx.db, id)).some((v) => v.version === version))
        return reply.code(404).send({ error: 'unknown_dataset_version', message: `no dataset version ${version} of ${id}` });
      const sql = req.body.sql;
      const keyword = leadingKeyword(sql);
      if (!['select', 'with', 'from'].includes(keyword))
        return reply.code(400).send({
          error: 'read_only',
          message: `only a SELECT (or WITH ... SELECT) query runs here; this statement starts with ${keyword ? keyword.toUpperCase() : 'no keyword'}`,
        });
      const started = performance.now();
      try {
        const r = await queryDataset(ctx.db, `${id}@${version}`, sql, {
          maxRows: QUERY_MAX_ROWS,
          timeoutMs: QUERY_TIMEOUT_MS,
          threads: 2,
          memoryLimit: '512MB',
        });
        return {
          dataset: r.dataset,
          columns: r.columns,
          rows: r.rows,
          truncated: r.truncated === true,
          maxRows: QUERY_MAX_ROWS,
          elapsedMs: Math.round(performance.now() - started),
        };
      } catch (e) {
        if (!(e instanceof DatasetQueryError)) throw e;
        if (/ stopped after /.test(e.message)) return reply.code(422).send({ error: 'query_timeout', message: forHttp(e.message) });
        if (/ is missing at /.test(e.message))
          return reply.code(404).send({
            error: 'artifact_missing',
            message: `the Parquet file of ${id}@${version} is no longer in this server's state folder`,
          });
        return reply.code(400).send({ error: 'bad_query', message: forHttp(e.message) });
      }
    },
  );
};

export default register;
