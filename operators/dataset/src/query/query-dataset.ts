import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { DuckDbSession, sqlString } from '@datanet/connector-duckdb';
import { resolveDatasetVersion, type DatasetVersion } from '../registry/dataset-versions.js';

export interface QueryResult {
  dataset: string;
  columns: string[];
  rows: unknown[][];
  /** Set when the result was written to a file instead of returned. */
  out?: { path: string; format: string; rows: number };
}

/** A bad query or a missing artifact: the CLI maps it to exit code 1. */
export class DatasetQueryError extends Error {
  override name = 'DatasetQueryError';
}

const OUT_FORMATS: Record<string, string> = {
  '.parquet': 'FORMAT parquet, COMPRESSION zstd',
  '.csv': 'FORMAT csv, HEADER true',
  '.json': 'FORMAT json, ARRAY true',
  '.jsonl': 'FORMAT json',
  '.ndjson': 'FORMAT json',
};

/**
 * Runs DuckDB SQL over one dataset version. Views: `dataset` (the version's rows) and
 * `contributions` (one row per contribution: contribution_id, contributor, split, rows).
 */
export async function queryDataset(db: Kysely<any>, ref: string, sql: string, options: { out?: string } = {}): Promise<QueryResult> {
  const version = await resolveDatasetVersion(db, ref);
  const name = `${version.datanet}@${version.version}`;
  if (!existsSync(version.datasetPath)) {
    throw new DatasetQueryError(
      `the Parquet file of ${name} (${version.datasetDigest}) is missing at ${version.datasetPath}; was the state folder moved or cleaned? Rebuild the version or point --state-dir at the original`,
    );
  }
  const statement = sql.trim().replace(/;\s*$/, '');
  if (!statement) throw new DatasetQueryError('the query is empty');
  const session = await DuckDbSession.open();
  try {
    await defineViews(session, version);
    if (options.out) {
      const path = resolve(options.out);
      const opts = OUT_FORMATS[extname(path).toLowerCase()];
      if (!opts) throw new DatasetQueryError(`--out ${options.out}: use a .parquet, .csv, .json or .jsonl file name`);
      const rows = await run(async () => {
        const reader = await session.connection.runAndReadAll(`COPY (${statement}) TO ${sqlString(path)} (${opts})`);
        return Number(reader.getRows()[0]?.[0] ?? 0);
      }, name);
      return { dataset: name, columns: [], rows: [], out: { path, format: extname(path).slice(1), rows } };
    }
    const { columns, rows } = await run(() => session.columnsAndRows(statement), name);
    return { dataset: name, columns, rows };
  } finally {
    session.close();
  }
}

async function run<T>(fn: () => Promise<T>, name: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new DatasetQueryError(`query over ${name} failed: ${(err as Error).message}`);
  }
}

async function defineViews(session: DuckDbSession, v: DatasetVersion): Promise<void> {
  await session.exec(`CREATE VIEW dataset AS SELECT * FROM read_parquet(${sqlString(v.datasetPath)})`);
  await session.exec(
    'CREATE VIEW contributions AS SELECT contribution_id, contributor, split, count(*) AS rows FROM dataset GROUP BY ALL ORDER BY contribution_id',
  );
}

/** Renders rows as an aligned text table for a terminal; long cells are cut. */
export function formatTable(columns: string[], rows: unknown[][], maxWidth = 60): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    const flat = s.replace(/\s+/g, ' ');
    return flat.length > maxWidth ? flat.slice(0, maxWidth - 1) + '…' : flat;
  };
  const body = rows.map((r) => r.map(cell));
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)].join('\n');
}
