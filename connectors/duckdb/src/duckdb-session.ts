import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import type { Table } from 'apache-arrow';

export type SqlParams = DuckDBValue[] | Record<string, DuckDBValue>;

export interface OpenOptions {
  /** Database file; omitted or `:memory:` for an in-memory database. */
  path?: string;
  /** DuckDB worker threads. Fixing it to 1 makes COPY output byte-identical across machines. */
  threads?: number;
  /** DuckDB's memory limit, e.g. `'1GB'`. */
  memoryLimit?: string;
}

export interface CopyOptions {
  /** Rows per Parquet row group (DuckDB's default is 122,880). */
  rowGroupSize?: number;
  /** zstd level, 1-22 (DuckDB's default is 3). */
  compressionLevel?: number;
  params?: SqlParams;
}

/**
 * One DuckDB database and connection. Rows come back as plain objects whose BIGINT/HUGEINT
 * values are numbers when they fit in a double exactly and decimal strings otherwise, so the
 * result can always be JSON-encoded.
 */
export class DuckDbSession {
  private constructor(
    readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(options: OpenOptions = {}): Promise<DuckDbSession> {
    // Loaded here so that importing the connector costs nothing until a database is needed.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const config: Record<string, string> = {};
    if (options.threads) config.threads = String(options.threads);
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    const instance = await DuckDBInstance.create(options.path ?? ':memory:', config);
    const connection = await instance.connect();
    return new DuckDbSession(instance, connection);
  }

  /** Runs one or more statements, discarding any result. */
  async exec(sql: string, params?: SqlParams): Promise<void> {
    await this.connection.run(sql, params);
  }

  /** Runs a query and returns every row as an object. */
  async all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map((row) => normaliseRow(row) as T);
  }

  /** Runs a query and returns its column names and rows as arrays (for printing tables). */
  async columnsAndRows(sql: string, params?: SqlParams): Promise<{ columns: string[]; rows: unknown[][] }> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return {
      columns: reader.columnNames(),
      rows: reader.getRowsJS().map((row) => row.map(normaliseValue)),
    };
  }

  /** `COPY (select) TO path` as zstd Parquet; returns the number of rows written. */
  async copyToParquet(selectSql: string, path: string, options: CopyOptions = {}): Promise<number> {
    const opts = ['FORMAT parquet', 'COMPRESSION zstd'];
    if (options.rowGroupSize) opts.push(`ROW_GROUP_SIZE ${Math.floor(options.rowGroupSize)}`);
    if (options.compressionLevel) opts.push(`COMPRESSION_LEVEL ${Math.floor(options.compressionLevel)}`);
    const reader = await this.connection.runAndReadAll(`COPY (${selectSql}) TO ${sqlString(path)} (${opts.join(', ')})`, options.params);
    const count = reader.getRows()[0]?.[0];
    return count === undefined ? 0 : Number(count);
  }

  /** See `readParquetAsArrow`. */
  async readParquetAsArrow(path: string): Promise<Table> {
    return readParquetAsArrow(path);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** Opens a session, runs `fn`, and always closes it. */
export async function withDuckDb<T>(fn: (db: DuckDbSession) => Promise<T>, options?: OpenOptions): Promise<T> {
  const db = await DuckDbSession.open(options);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

/** Reads a Parquet file into Arrow memory with parquet-wasm (DuckDB's arrow extension cannot be installed offline). */
export async function readParquetAsArrow(path: string): Promise<Table> {
  const [{ readFile }, wasm, arrow] = await Promise.all([import('node:fs/promises'), import('parquet-wasm/node'), import('apache-arrow')]);
  const bytes = await readFile(path);
  const wasmTable = wasm.readParquet(new Uint8Array(bytes));
  return arrow.tableFromIPC(wasmTable.intoIPCStream());
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function normaliseValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (Array.isArray(value)) return value.map(normaliseValue);
  if (value && typeof value === 'object' && value.constructor === Object) {
    return normaliseRow(value as Record<string, unknown>);
  }
  return value;
}

function normaliseRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = normaliseValue(v);
  return out;
}
