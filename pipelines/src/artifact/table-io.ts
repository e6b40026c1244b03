import { readFile } from 'node:fs/promises';
import { type Table, tableFromIPC, tableToIPC, type Schema } from 'apache-arrow';
import { runKernel } from '../compute/kernel-pool.js';
import { ipcToParquet, parquetToIpc } from './parquet-codec.js';

const CODEC = new URL('./parquet-codec.ts', import.meta.url);

/**
 * Tables above this size are encoded and decoded in the codec thread: zstd and Parquet over a few
 * MB is one synchronous WebAssembly call of 100 ms or more, which would stall the event loop (the
 * engine's heartbeats, the server's requests). Below it, the thread hop costs more than it saves.
 */
const OFFLOAD_BYTES = 1 << 20;

/** Arrow -> Parquet bytes (zstd). The same table always gives the same bytes, so digests are stable. */
export async function tableToParquet(table: Table): Promise<Uint8Array> {
  const ipc = tableToIPC(table, 'stream');
  if (ipc.byteLength < OFFLOAD_BYTES) return ipcToParquet({ ipc });
  return runKernel<Uint8Array>(CODEC, 'ipcToParquet', { ipc }, { transferList: [ipc.buffer as ArrayBuffer], pool: 'codec' });
}

export async function parquetToTable(bytes: Uint8Array): Promise<Table> {
  if (bytes.byteLength < OFFLOAD_BYTES / 4) return tableFromIPC(await parquetToIpc({ bytes }));
  // The bytes are copied into the thread (the caller may still hold them); the IPC stream comes back.
  return tableFromIPC(await runKernel<Uint8Array>(CODEC, 'parquetToIpc', { bytes }, { pool: 'codec' }));
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
