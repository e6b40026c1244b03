import { readFile } from 'node:fs/promises';
import { type Table, tableFromIPC, tableToIPC, type Schema } from 'apache-arrow';

type ParquetWasm = typeof import('parquet-wasm/node');
let wasm: ParquetWasm | undefined;
async function parquet(): Promise<ParquetWasm> {
  wasm ??= await import('parquet-wasm/node');
  return wasm;
}

/** Rows per Parquet row group: big enough for zstd and DuckDB scans, small enough to stream. */
const ROW_GROUP_SIZE = 64 * 1024;

/** Arrow -> Parquet bytes (zstd). The same table always gives the same bytes, so digests are stable. */
export async function tableToParquet(table: Table): Promise<Uint8Array> {
  const pw = await parquet();
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.ZSTD)
    .setMaxRowGroupSize(ROW_GROUP_SIZE)
    .setCreatedBy('datanet')
    .build();
  return pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(table, 'stream')), props);
}

export async function parquetToTable(bytes: Uint8Array): Promise<Table> {
  const pw = await parquet();
  return tableFromIPC(pw.readParquet(bytes).intoIPCStream());
}

export async function readParquetFile(path: string): Promise<Table> {
  return parquetToTable(await readFile(path));
}

/** A compact description of a table's columns: name -> Arrow type string. */
export function describeSchema(schema: Schema): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of schema.fields) out[field.name] = String(field.type);
  return out;
}
