import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { defineOperator } from '@datanet/pipelines';
import { existsSync } from 'node:fs';
import { sha256File } from '@datanet/pipelines';
import { sqlString } from './files.js';

const TableWriteConfig = z
  .object({
    path: z.string().describe('where to write; relative to the pipeline file'),
    format: z.enum(['auto', 'jsonl', 'csv', 'parquet']).default('auto').describe('auto picks by extension'),
  })
  .strict();

function target(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** A table -> a JSONL, CSV or Parquet file at a path (written by DuckDB from the Parquet artifact). */
export const tableWrite = defineOperator({
  type: 'table.write',
  version: '1',
  description: 'Writes a table to a JSONL, CSV or Parquet file',
  config: TableWriteConfig,
  inputs: { table: { kind: 'table' } },
  outputs: { file: { kind: 'file', description: 'the written file' } },
  // The written file is outside the store: if someone deletes or edits it, write it again.
  async verifyCached(config, outputs, env) {
    const path = target(config.path, env.pipelineDir);
    return existsSync(path) && `sha256:${await sha256File(path)}` === outputs.file?.digest;
  },
  async run(ctx) {
    const out = target(ctx.config.path, ctx.run.pipelineDir);
    const format =
      ctx.config.format !== 'auto'
        ? ctx.config.format
        : /\.parquet$/i.test(out)
          ? 'parquet'
          : /\.csv$/i.test(out)
            ? 'csv'
            : /\.jsonl?$/i.test(out)
              ? 'jsonl'
              : undefined;
    if (!format)
      throw new Error(`table.write: cannot tell the format of "${ctx.config.path}"; name it .jsonl, .csv or .parquet, or set format`);
    await mkdir(dirname(out), { recursive: true });
    const input = ctx.input('table');
    if (format === 'parquet') await copyFile(input.path, out);
    else {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const db = await DuckDBInstance.create(':memory:', { threads: '1' });
      const conn = await db.connect();
      try {
        await conn.run(
          `copy (select * from read_parquet(${sqlString(input.path)})) to ${sqlString(out)} (format ${format === 'jsonl' ? 'json' : 'csv'}${format === 'csv' ? ', header true' : ''})`,
        );
      } finally {
        conn.closeSync();
      }
    }
    ctx.logger.info(`wrote ${out}`);
    await ctx.output('file').writePath(out, { target: out, format });
  },
});
