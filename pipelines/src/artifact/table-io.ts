import { readFile } from 'node:fs/promises';
import { type Table, tableFromIPC, tableToIPC, type Schema } from 'apache-arrow';
import { runKernel } from '../compute/kernel-pool.js';

const CODEC = new URL('./parquet-codec.ts', import.meta.url);

/**
 * Parquet is encoded and decoded in the codec thread, never on the event loop: zstd over a few MB is
 * one synchronous WebAssembly call of 100 ms or more, and parquet-wasm's first use compiles its
 * module synchronously, either of which would stall the engine's heartbeats and the server's
 * requests. The hop costs well under a millisecond per table; the bytes are the same as inline.
 */

/** Arrow -> Parquet bytes (zstd). The same table always gives the same bytes, so digests are stable. */
export async function tableToParquet(table: Table): Promise<Uint8Array> {
  const ipc = tableToIPC(table, 'stream');
  // Moved, not copied, when the stream owns its whole buffer (it does: the writer concatenates).
  const owned = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength;
  return runKernel<Uint8Array>(
    CODEC,
    'ipcToParquet',
    { ipc },
    { pool: 'codec', ...(owned ? { transferList: [ipc.buffer as ArrayBuffer] } : {}) },
  );
}

export async function parquetToTable(bytes: Uint8Array): Promise<Table> {
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
