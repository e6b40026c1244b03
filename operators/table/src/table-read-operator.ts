import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineOperator } from '@datanet/pipelines';
import { fingerprintFiles, matchFiles, sqlString } from './files.js';

const Format = z.enum(['auto', 'jsonl', 'csv', 'parquet', 'text']);

const TableReadConfig = z
  .object({
    path: z.union([z.string(), z.array(z.string()).min(1)]).describe('file, glob, or a list of them; relative to the pipeline file'),
    format: Format.default('auto').describe('auto picks by extension; text reads each file as one row (path, text)'),
    columns: z.array(z.string()).optional().describe('keep only these columns'),
    where: z
      .string()
      .optional()
      .meta({ sql: true, description: 'SQL filter over the rows (DuckDB syntax); `$name` is the bound value params.name' }),
    params: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .optional()
      .describe('values bound to `$name` in where (prepared parameters): data, never SQL text'),
    limit: z.number().int().positive().optional(),
    filenameColumn: z.string().optional().describe('add the source file path in this column'),
  })
  .strict();

function formatOf(file: string, format: z.infer<typeof Format>): Exclude<z.infer<typeof Format>, 'auto'> {
  if (format !== 'auto') return format;
  if (/\.(jsonl|ndjson|json)(\.gz|\.zst)?$/i.test(file)) return 'jsonl';
  if (/\.(csv|tsv)(\.gz)?$/i.test(file)) return 'csv';
  if (/\.parquet$/i.test(file)) return 'parquet';
  return 'text';
}

/** JSONL, CSV, Parquet or plain-text files (globs allowed) -> one table, read by DuckDB. */
export const tableRead = defineOperator({
  type: 'table.read',
  version: '1',
  description: 'Reads JSONL, CSV, Parquet or text files (paths or globs) into a table',
  config: TableReadConfig,
  outputs: { table: { kind: 'table', description: 'the rows of every matched file, in file order' } },
  async fingerprint(config, env) {
    return fingerprintFiles(await matchFiles(Array.isArray(config.path) ? config.path : [config.path], env.pipelineDir));
  },
  async run(ctx) {
    const patterns = Array.isArray(ctx.config.path) ? ctx.config.path : [ctx.config.path];
    const files = await matchFiles(patterns, ctx.run.pipelineDir);
    const missing = files.filter((f) => !existsSync(f));
    if (missing.length) throw new Error(`table.read: no such file: ${missing.join(', ')}`);
    if (!files.length) throw new Error(`table.read: nothing matches ${patterns.join(', ')} (relative to ${ctx.run.pipelineDir})`);
    const formats = new Set(files.map((f) => formatOf(f, ctx.config.format)));
    if (formats.size > 1)
      throw new Error(
        `table.read: the matched files mix formats (${[...formats].join(', ')}); read each format in its own step or set format`,
      );
    const format = [...formats][0];
    const list = `[${files.map(sqlString).join(', ')}]`;
    const fname = ctx.config.filenameColumn && format !== 'text' ? ', filename = true' : '';
    const source = {
      jsonl: `read_json_auto(${list}, format = 'newline_delimited'${fname})`,
      csv: `read_csv_auto(${list}, header = true${fname})`,
      parquet: `read_parquet(${list}${fname})`,
      text: `(select filename as path, content as text from read_text(${list}))`,
    }[format];
    const cols = ctx.config.columns?.map((c) => `"${c.replace(/"/g, '""')}"`).join(', ') ?? (fname ? '* exclude (filename)' : '*');
    const withName = ctx.config.filenameColumn
      ? `, ${format === 'text' ? 'path' : 'filename'} as "${ctx.config.filenameColumn.replace(/"/g, '""')}"`
      : '';
    let select = `select ${cols}${withName} from ${source}${ctx.config.where ? ` where ${ctx.config.where}` : ''}`;
    if (ctx.config.limit) select += ` limit ${ctx.config.limit}`;
    const out = join(ctx.workDir, 'table.parquet');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:', { threads: '2' });
    const conn = await db.connect();
    try {
      // Parameters are bound values, never pasted into the filter.
      const values = ctx.config.params && Object.keys(ctx.config.params).length ? ctx.config.params : undefined;
      await conn.run(`copy (${select}) to ${sqlString(out)} (format parquet, compression zstd)`, values);
    } catch (err) {
      throw new Error(`table.read: ${files.length === 1 ? files[0] : `${files.length} files`}: ${(err as Error).message}`);
    } finally {
      conn.closeSync();
    }
    ctx.logger.info(`read ${files.length} file(s) as ${format}`);
    await ctx.output('table').writeParquetFile(out, { files: files.length, format });
  },
});
