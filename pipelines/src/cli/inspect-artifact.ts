import { copyFile, readFile } from 'node:fs/promises';
import type { ArtifactRef } from '../operator/operator-context.js';
import { readParquetFile } from '../artifact/table-io.js';

/** A short text preview of an artifact (a table's first rows, a report's JSON) plus rows for --json. */
export async function previewArtifact(ref: ArtifactRef, limit: number): Promise<{ text: string; rows?: unknown[]; columns?: Record<string, string>; numRows?: number; json?: unknown }> {
  if (ref.kind === 'table') {
    const table = await readParquetFile(ref.path);
    const rows: Record<string, unknown>[] = [];
    for (let i = 0; i < Math.min(limit, table.numRows); i++) rows.push(plain(table.get(i)?.toJSON() ?? {}));
    const columns = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
    const lines = [`${table.numRows} rows; columns: ${Object.entries(columns).map(([k, v]) => `${k}:${v}`).join(', ')}`];
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
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' ? v.toString() : v && typeof v === 'object' && 'toJSON' in v ? (v as { toJSON(): unknown }).toJSON() : v;
  return out;
}

/** Exports a table artifact to .jsonl, .csv or .parquet (by extension). Returns the row count. */
export async function exportArtifact(ref: ArtifactRef, file: string): Promise<number> {
  if (ref.kind !== 'table') throw new Error(`only tables can be exported with --out; this output is a ${ref.kind} at ${ref.path}`);
  const format = /\.parquet$/i.test(file) ? 'parquet' : /\.csv$/i.test(file) ? 'csv' : /\.jsonl?$/i.test(file) ? 'json' : undefined;
  if (!format) throw new Error(`--out ${file}: use a .jsonl, .csv or .parquet file name`);
  const rows = Number(ref.meta?.rows ?? (await readParquetFile(ref.path)).numRows);
  if (format === 'parquet') {
    await copyFile(ref.path, file);
    return rows;
  }
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  await conn.run(`copy (select * from read_parquet(${q(ref.path)})) to ${q(file)} (format ${format}${format === 'csv' ? ', header true' : ''})`);
  conn.closeSync();
  return rows;
}
