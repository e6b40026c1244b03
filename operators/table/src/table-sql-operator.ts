import { join } from 'node:path';
import { z } from 'zod';
import { defineOperator } from '@datanet/pipelines';
import { sqlString } from './files.js';

const TableSqlConfig = z
  .object({
    query: z.string().min(1).meta({
      sql: true,
      description: 'DuckDB SQL; the input tables are the views `input` and `other`; `$name` is the bound value params.name',
    }),
    params: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .optional()
      .describe('values bound to `$name` in the query (prepared parameters): data, never SQL text'),
  })
  .strict();

/** DuckDB SQL over one or two tables -> a table (reshape, filter, join, aggregate). */
export const tableSql = defineOperator({
  type: 'table.sql',
  version: '1',
  description: 'Runs DuckDB SQL over its input tables (views `input` and `other`) and outputs the result',
  config: TableSqlConfig,
  inputs: { input: { kind: 'table' }, other: { kind: 'table', optional: true } },
  outputs: { table: { kind: 'table' } },
  async run(ctx) {
    const out = join(ctx.workDir, 'result.parquet');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:', { threads: '2' });
    const conn = await db.connect();
    try {
      await conn.run(`create view input as select * from read_parquet(${sqlString(ctx.input('input').path)})`);
      const other = ctx.inputs.other;
      if (other) await conn.run(`create view other as select * from read_parquet(${sqlString(other.path)})`);
      // Parquet row order follows the query; the same query over the same inputs gives the same bytes.
      // Parameters are bound values (DuckDB prepared parameters), never pasted into the statement.
      const values = ctx.config.params && Object.keys(ctx.config.params).length ? ctx.config.params : undefined;
      await conn.run(
        `copy (${ctx.config.query.trim().replace(/;\s*$/, '')}) to ${sqlString(out)} (format parquet, compression zstd)`,
        values,
      );
    } catch (err) {
      throw new Error(`table.sql: ${(err as Error).message}`);
    } finally {
      conn.closeSync();
    }
    await ctx.output('table').writeParquetFile(out);
  },
});
