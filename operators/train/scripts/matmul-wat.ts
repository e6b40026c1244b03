import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const WAT = fileURLToPath(new URL('../src/builtin/matmul/matmul.wat', import.meta.url));
export const MATMUL_WASM_TS = fileURLToPath(new URL('../src/builtin/matmul/matmul-wasm.ts', import.meta.url));

/** matmul.wat as wasm bytes (wabt, SIMD and bulk memory). */
export async function compileMatmulWat(): Promise<Uint8Array> {
  const wabt = await (await import('wabt')).default();
  const mod = wabt.parseWat('matmul.wat', readFileSync(WAT, 'utf8'), { simd: true, bulk_memory: true });
  try {
    mod.validate();
    return mod.toBinary({}).buffer;
  } finally {
    mod.destroy();
  }
}
