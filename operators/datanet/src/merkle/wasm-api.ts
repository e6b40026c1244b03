/**
 * The slice of the WebAssembly API the tree builder uses. The repository's TypeScript lib has no
 * WebAssembly declarations (no DOM lib); Node has the API.
 */
export interface SharedWasmMemory {
  readonly buffer: SharedArrayBuffer;
}

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => SharedWasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: object };
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A shared memory of exactly `pages` 64 KiB pages. */
export function sharedMemory(pages: number): SharedWasmMemory {
  return new wasm.Memory({ initial: pages, maximum: pages, shared: true });
}
