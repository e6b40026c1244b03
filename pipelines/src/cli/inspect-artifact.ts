import { constants, createReadStream, lstatSync, mkdtempSync, openSync, closeSync, rmSync, unlinkSync, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ArtifactRef } from '../operator/operator-context.js';
import { readParquetFile } from '../artifact/table-io.js';
import { verifyArtifact, type ArtifactStore } from '../artifact/artifact-store.js';
import { CliError } from './cli-env.js';

/** A short text preview of an artifact (a table's first rows, a report's JSON) plus rows for --json. */
export async function previewArtifact(
  ref: ArtifactRef,
  limit: number,
): Promise<{ text: string; rows?: unknown[]; columns?: Record<string, string>; numRows?: number; json?: unknown }> {
  await verifyArtifact(ref);
  if (ref.kind === 'table') {
    const table = await readParquetFile(ref.path);
    const rows: Record<string, unknown>[] = [];
    for (let i = 0; i < Math.min(limit, table.numRows); i++) rows.push(plain(table.get(i)?.toJSON() ?? {}));
    const columns = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
    const lines = [
      `${table.numRows} rows; columns: ${Object.entries(columns)
        .map(([k, v]) => `${k}:${v}`)
        .join(', ')}`,
    ];
    for (const r of rows) lines.push(JSON.stringify(r, (_, v) => (typeof v === 'string' && v.length > 160 ? `${v.slice(0, 157)}...` : v)));
    return { text: lines.join('\n'), rows, columns, numRows: table.numRows };
  }
  if (ref.kind === 'report' || ref.meta?.contentType === 'application/json') {
    const json = JSON.parse(await readFile(ref.path, 'utf8'));
    const text = JSON.stringify(json, null, 2);
    return { text: text.length > 4000 ? `${text.slice(0, 4000)}\n... (${text.length} chars; ${ref.path})` : text, json };
  }
  return { text: `${ref.path}${ref.meta?.files ? `\nfiles: ${(ref.meta.files as string[]).join(', ')}` : ''}` };
}

function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row))
    out[k] = typeof v === 'bigint' ? v.toString() : v && typeof v === 'object' && 'toJSON' in v ? (v as { toJSON(): unknown }).toJSON() : v;
  return out;
}

export interface ExportOptions {
  /** Replace an existing regular file (never a link, never a folder). */
  force?: boolean;
  /** The artifact store: an export never writes inside it. */
  store?: ArtifactStore;
}

/**
 * Exports a table artifact to .jsonl, .csv or .parquet (by extension). Returns the row count.
 * The artifact's digest is checked first; the target is created with O_EXCL | O_NOFOLLOW, so an
 * existing file is refused without `force`, and a symbolic link is never followed, even with it.
 */
export async function exportArtifact(ref: ArtifactRef, file: string, options: ExportOptions = {}): Promise<number> {
  if (ref.kind !== 'table') throw new CliError(`only tables can be exported with --out; this output is a ${ref.kind} at ${ref.path}`);
  const format = /\.parquet$/i.test(file) ? 'parquet' : /\.csv$/i.test(file) ? 'csv' : /\.jsonl?$/i.test(file) ? 'json' : undefined;
  if (!format) throw new CliError(`--out ${file}: use a .jsonl, .csv or .parquet file name`);
  if (options.store?.contains(file))
    throw new CliError(
      `--out ${file} is inside the artifact store (${options.store.root}); stored artifacts are immutable: write somewhere else`,
    );
  await verifyArtifact(ref);
  const fd = openTarget(file, Boolean(options.force));
  let scratch: string | undefined;
  try {
    let source = ref.path;
    if (format !== 'parquet') {
      // DuckDB writes to a path of its choosing; give it a private folder, then copy through our descriptor.
      scratch = mkdtempSync(join(tmpdir(), 'datanet-export-'));
      source = join(scratch, `out.${format}`);
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
      try {
        await conn.run(
          `copy (select * from read_parquet(${q(ref.path)})) to ${q(source)} (format ${format}${format === 'csv' ? ', header true' : ''})`,
        );
      } finally {
        conn.closeSync();
      }
    }
    await pipeline(createReadStream(source), createWriteStream('', { fd, autoClose: true }));
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // Closed by the stream already.
    }
    throw err;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  return Number(ref.meta?.rows ?? (await readParquetFile(ref.path)).numRows);
}

function openTarget(file: string, force: boolean): number {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  try {
    return openSync(file, flags, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new CliError(`--out ${file}: ${(err as Error).message}`);
  }
  const info = lstatSync(file);
  if (info.isSymbolicLink())
    throw new CliError(`--out ${file} is a symbolic link; refusing to write through it (remove it or choose another name)`);
  if (!force) throw new CliError(`--out ${file} exists; pass --force to replace it`);
  if (!info.isFile()) throw new CliError(`--out ${file} exists and is not a regular file; refusing to replace it`);
  // Replace by unlink + exclusive create: if a link appears in between, O_EXCL | O_NOFOLLOW refuses it.
  unlinkSync(file);
  try {
    return openSync(file, flags, 0o644);
  } catch (err) {
    throw new CliError(`--out ${file}: ${(err as Error).message}`);
  }
}
