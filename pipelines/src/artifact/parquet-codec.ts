// Parquet encoding and decoding (parquet-wasm): kernels of the codec thread (see table-io.ts).
// Plain bytes in, plain bytes out.

type ParquetWasm = typeof import('parquet-wasm/node');
let wasm: ParquetWasm | undefined;
async function parquet(): Promise<ParquetWasm> {
  wasm ??= await import('parquet-wasm/node');
  return wasm;
}

/** Rows per Parquet row group: big enough for zstd and DuckDB scans, small enough to stream. */
const ROW_GROUP_SIZE = 64 * 1024;

/** An Arrow IPC stream -> Parquet bytes (zstd); deterministic. */
export async function ipcToParquet({ ipc }: { ipc: Uint8Array }): Promise<Uint8Array> {
  const pw = await parquet();
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.ZSTD)
    .setMaxRowGroupSize(ROW_GROUP_SIZE)
    .setCreatedBy('datanet')
    .build();
  return pw.writeParquet(pw.Table.fromIPCStream(ipc), props);
}

/** Parquet bytes -> an Arrow IPC stream. */
export async function parquetToIpc({ bytes }: { bytes: Uint8Array }): Promise<Uint8Array> {
  const pw = await parquet();
  return pw.readParquet(bytes).intoIPCStream();
}
