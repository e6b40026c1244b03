import { join } from 'node:path';
import { z } from 'zod';
import { defineOperator } from '@datanet/pipelines';
import { sqlString } from './files.js';

const TableSqlConfig = z
  .object({
    query: z.string().min(1).describe('DuckDB SQL; the input tables are the views `input` and `other`'),
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
      await conn.run(`copy (${ctx.config.query.trim().replace(/;\s*$/, '')}) to ${sqlString(out)} (format parquet, compression zstd)`);
    } catch (err) {
      throw new Error(`table.sql: ${(err as Error).message}`);
    } finally {
      conn.closeSync();
    }
    await ctx.output('table').writeParquetFile(out);
  },
});
