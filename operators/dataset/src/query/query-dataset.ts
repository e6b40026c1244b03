import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { DuckDbSession, normaliseValue, sqlString } from '@datanet/connector-duckdb';
import { resolveDatasetVersion, type DatasetVersion } from '../registry/dataset-versions.js';

export interface QueryResult {
  dataset: string;
  columns: string[];
  rows: unknown[][];
  /** Set when the result was written to a file instead of returned. */
  out?: { path: string; format: string; rows: number };
  /** True when more rows matched than `maxRows`: only the first `maxRows` are in `rows`. */
  truncated?: boolean;
}

export interface QueryOptions {
  out?: string;
  /**
   * Full DuckDB: any statements, files, COPY, ATTACH, INSTALL. Off by default: one read-only
   * statement over the dataset's own files.
   */
  unsafe?: boolean;
  /** Most rows returned (not for --out). Default 1000. */
  maxRows?: number;
  /** The query is interrupted after this long. Default 30 s. */
  timeoutMs?: number;
  /** DuckDB worker threads (default: DuckDB's, all cores); a server caps it. */
  threads?: number;
  /** DuckDB's memory limit, e.g. '512MB'. */
  memoryLimit?: string;
}

export const DEFAULT_MAX_ROWS = 1000;
export const DEFAULT_TIMEOUT_MS = 30_000;

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
export async function queryDataset(db: Kysely<any>, ref: string, sql: string, options: QueryOptions = {}): Promise<QueryResult> {
  const version = await resolveDatasetVersion(db, ref);
  const name = `${version.datanet}@${version.version}`;
  if (!existsSync(version.datasetPath)) {
    throw new DatasetQueryError(
      `the Parquet file of ${name} (${version.datasetDigest}) is missing at ${version.datasetPath}; was the state folder moved or cleaned? Rebuild the version or point --state-dir at the original`,
    );
  }
  const statement = sql.trim().replace(/;\s*$/, '');
  if (!statement) throw new DatasetQueryError('the query is empty');
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  if (!Number.isInteger(maxRows) || maxRows < 1)
    throw new DatasetQueryError(`--max-rows ${maxRows}: expected a whole number of at least 1`);
  const out = options.out ? resolve(options.out) : undefined;
  const outOpts = out ? OUT_FORMATS[extname(out).toLowerCase()] : undefined;
  if (out && !outOpts) throw new DatasetQueryError(`--out ${options.out}: use a .parquet, .csv, .json or .jsonl file name`);
  const session = await DuckDbSession.open({ threads: options.threads, memoryLimit: options.memoryLimit });
  const timer = setTimeout(() => session.connection.interrupt(), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    await defineViews(session, version);
    if (!options.unsafe) await lockDown(session, statement, [version.datasetPath, ...(out ? [out] : [])], name);
    if (out) {
      const rows = await run(
        async () => {
          const reader = await session.connection.runAndReadAll(`COPY (${statement}) TO ${sqlString(out)} (${outOpts})`);
          return Number(reader.getRows()[0]?.[0] ?? 0);
        },
        name,
        options,
      );
      return { dataset: name, columns: [], rows: [], out: { path: out, format: extname(out).slice(1), rows } };
    }
    return await run(
      async () => {
        // Read one row past the cap to know whether there were more, without reading them all.
        // --unsafe may run several statements: all run, DuckDB returns the first one's result.
        const reader = options.unsafe
          ? await session.connection.runAndReadAll(statement)
          : await session.connection.streamAndReadUntil(statement, maxRows + 1);
        const all = reader.getRowsJS();
        return {
          dataset: name,
          columns: reader.columnNames(),
          rows: all.slice(0, maxRows).map((r) => r.map(normaliseValue)),
          ...(all.length > maxRows ? { truncated: true } : {}),
        };
      },
      name,
      options,
    );
  } finally {
    clearTimeout(timer);
    session.close();
  }
}

/** Statements a read-only query refuses by name, with what to do instead. */
const REFUSED: Record<string, string> = {
  copy: 'COPY writes files; use --out FILE to export a result',
  attach: 'ATTACH opens other databases',
  detach: 'DETACH changes the session',
  install: 'INSTALL downloads extensions',
  load: 'LOAD loads extensions',
  export: 'EXPORT DATABASE writes files; use --out FILE',
  import: 'IMPORT DATABASE reads files',
  set: 'SET changes the configuration',
  reset: 'RESET changes the configuration',
  pragma: 'PRAGMA changes the configuration',
  call: 'CALL runs table functions that may reach outside the dataset',
};
/** DuckDB StatementType values a read-only query may run: SELECT (1) and EXPLAIN (14). */
const READ_ONLY_TYPES = new Set([1, 14]);

/**
 * Makes the session read-only over the dataset's own files: exactly one statement, a SELECT,
 * external access off except the dataset's Parquet (and the --out file), configuration locked so
 * the statement cannot turn it back on.
 */
async function lockDown(session: DuckDbSession, statement: string, allowed: string[], name: string): Promise<void> {
  const extracted = await session.connection.extractStatements(statement).catch((err: Error) => {
    throw new DatasetQueryError(`the query does not parse: ${err.message}`);
  });
  if (extracted.count !== 1) {
    throw new DatasetQueryError(
      `one statement per query: this has ${extracted.count} (only the first result would be shown, the rest would run unseen); run them one by one, or pass --unsafe`,
    );
  }
  const keyword = /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*([A-Za-z]+)/.exec(statement)?.[1]?.toLowerCase() ?? '';
  if (REFUSED[keyword])
    throw new DatasetQueryError(
      `${keyword.toUpperCase()} is refused: \`datanet query\` is read-only (${REFUSED[keyword]}); pass --unsafe for full DuckDB`,
    );
  await session.exec(`SET allowed_paths = [${allowed.map(sqlString).join(', ')}]`);
  await session.exec('SET enable_external_access = false');
  await session.exec('SET lock_configuration = true');
  let type: number;
  try {
    type = (await session.connection.prepare(statement)).statementType as unknown as number;
  } catch (err) {
    throw new DatasetQueryError(refusalOf(err as Error) ?? `query over ${name} failed: ${(err as Error).message}`);
  }
  if (!READ_ONLY_TYPES.has(type)) {
    throw new DatasetQueryError(
      `only SELECT (or EXPLAIN) queries run without --unsafe: \`datanet query\` is read-only; this statement starts with ${keyword.toUpperCase() || 'something else'}`,
    );
  }
}

/** A clear message for DuckDB's refusals under the locked configuration. */
function refusalOf(err: Error): string | undefined {
  const m = /Cannot access (?:file|directory) "([^"]*)"/.exec(err.message);
  if (m)
    return `reading or writing "${m[1]}" is refused: \`datanet query\` reads only the dataset's own files (views dataset and contributions); pass --unsafe for full DuckDB`;
  if (/Permission Error/.test(err.message))
    return `refused: \`datanet query\` is read-only over the dataset (${err.message.split('\n')[0]}); pass --unsafe for full DuckDB`;
  return undefined;
}

async function run<T>(fn: () => Promise<T>, name: string, options: QueryOptions): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const message = (err as Error).message;
    if (/INTERRUPT/i.test(message))
      throw new DatasetQueryError(
        `query over ${name} stopped after ${(options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s (raise it with --timeout SECONDS)`,
      );
    throw new DatasetQueryError(refusalOf(err as Error) ?? `query over ${name} failed: ${message}`);
  }
}

async function defineViews(session: DuckDbSession, v: DatasetVersion): Promise<void> {
  await session.exec(`CREATE VIEW dataset AS SELECT * FROM read_parquet(${sqlString(v.datasetPath)})`);
  await session.exec(
    'CREATE VIEW contributions AS SELECT contribution_id, contributor, split, count(*) AS rows FROM dataset GROUP BY ALL ORDER BY contribution_id',
  );
}

/**
 * Renders rows as an aligned text table for a terminal; long cells are cut. Control characters
 * (ANSI escapes, C1 codes, bidi overrides) are shown escaped, never sent raw: a contributor's
 * text must not clear or recolour the reader's terminal.
 */
export function formatTable(columns: string[], rows: unknown[][], maxWidth = 60): string {
  const cell = (v: unknown) => {
    const s =
      v === null || v === undefined
        ? 'NULL'
        : typeof v === 'object'
          ? JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x))
          : String(v);
    const flat = escapeControls(s.replace(/[ \t\r\n]+/g, ' '));
    return flat.length > maxWidth ? flat.slice(0, maxWidth - 1) + '…' : flat;
  };
  const body = rows.map((r) => r.map(cell));
  const head = columns.map((c) => escapeControls(c));
  const widths = head.map((c, i) => Math.max(c.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)].join('\n');
}

/** C0 and C1 controls, DEL, and the bidi and zero-width format characters, as `\u{..}` text. */
export function escapeControls(s: string): string {
  return s.replace(
    /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g,
    (c) => `\\u{${c.charCodeAt(0).toString(16)}}`,
  );
}
