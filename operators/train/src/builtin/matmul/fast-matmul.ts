import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from '../tf.js';
import { MATMUL_WASM_BASE64 } from './matmul-wasm.js';

/**
 * tfjs-backend-wasm 4.22 sends every transposed or batched matmul (all of the model's linear
 * layers, which keep PyTorch's [out, in] weights, attention, and most gradients) to a scalar
 * loop that does one multiply-add per few nanoseconds. This kernel does the same arithmetic, per
 * output in the same order (see matmul.wat), with SIMD lanes across output columns: outputs are
 * bit-identical, 5-25x faster. It runs in tfjs's wasm memory, on tensors where they lie. Untransposed unbatched matmuls stay on tfjs's XNNPACK path,
 * whose arithmetic is its own.
 */

interface WasmBackend {
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  wasm: { asm: { memory: object }; _malloc(bytes: number): number; _free(ptr: number): void };
}

type Fn7 = (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
interface Kernels {
  mm(a: number, b: number, out: number, batch: number, M: number, K: number, N: number, sAi: number, sAk: number, sAb: number): void;
  packA: Fn7;
  packB: Fn7;
  unpack: Fn7;
}

// The repository's TypeScript lib has no WebAssembly declarations; Node has the API.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}

let kernels: Kernels | undefined;
let scratchPtr = 0;
let scratchBytes = 0;

/** Our module, instantiated on tfjs's memory (one backend per thread, so one instance). */
function kernelsFor(backend: WasmBackend): Kernels {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  kernels ??= new wasm.Instance(new wasm.Module(Buffer.from(MATMUL_WASM_BASE64, 'base64')), {
    env: { memory: backend.wasm.asm.memory },
  }).exports as Kernels;
  return kernels;
}

/** Scratch in tfjs's heap, kept between calls and grown when a call needs more. */
function scratch(backend: WasmBackend, bytes: number): number {
  if (bytes > scratchBytes) {
    if (scratchPtr) backend.wasm._free(scratchPtr);
    scratchBytes = Math.max(bytes, scratchBytes * 2);
    scratchPtr = backend.wasm._malloc(scratchBytes) >>> 0;
  }
  return scratchPtr;
}

/**
 * Packed copies of transposed unbatched right operands: weights ([out, in], used as x W^T), which
 * generation multiplies by one row at a time. tfjs data ids are fresh objects for every tensor and
 * tensors are immutable, so an id always means the same values; the oldest entries are freed.
 */
const packedWeights = new Map<object, number>();
const PACKED_WEIGHTS_MAX = 256;

function packedWeight(backend: WasmBackend, k: Kernels, b: TensorInfo, K: number, N: number, Np: number): number {
  let ptr = packedWeights.get(b.dataId);
  if (ptr === undefined) {
    if (packedWeights.size >= PACKED_WEIGHTS_MAX) {
      const [oldest, oldPtr] = packedWeights.entries().next().value as [object, number];
      packedWeights.delete(oldest);
      backend.wasm._free(oldPtr);
    }
    ptr = backend.wasm._malloc(K * Np * 4) >>> 0;
    k.packB(backend.dataIdMap.get(b.dataId).memoryOffset, ptr, 1, K, N, 1, Np);
    packedWeights.set(b.dataId, ptr);
  }
  return ptr;
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * out[x] = op(a[x]) x op(b[x]) for a [.., M, K] (or [.., K, M] transposed) and b [.., K, N] (or
 * [.., N, K]); null where tfjs's own kernel must run (XNNPACK path, broadcast batches, empty).
 */
function fastBatchMatMul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, backend: WasmBackend): TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const ar = a.shape.length;
  const br = b.shape.length;
  const batch = size(a.shape.slice(0, -2));
  if (batch !== size(b.shape.slice(0, -2)) || (!transposeA && !transposeB && batch === 1)) return null;
  const K = transposeA ? a.shape[ar - 2] : a.shape[ar - 1];
  const M = transposeA ? a.shape[ar - 1] : a.shape[ar - 2];
  const N = transposeB ? b.shape[br - 2] : b.shape[br - 1];
  if ((transposeB ? b.shape[br - 1] : b.shape[br - 2]) !== K || !K || !M || !N) return null;
  if (ar > 2 && br > 2 && a.shape.slice(0, -2).join() !== b.shape.slice(0, -2).join()) return null;
  const k = kernelsFor(backend);
  const Mp = roundUp(M, 4);
  const Np = roundUp(N, 8);
  const out = backend.makeOutput([...(ar >= br ? a.shape : b.shape).slice(0, -2), M, N], 'float32');
  // Operands the kernel can read as stored stay in place (A transposed or not, when M fills its
  // 4-row tiles); the rest are packed into scratch.
  const packA = Mp !== M;
  const cachedB = transposeB && batch === 1 ? packedWeight(backend, k, b, K, N, Np) : 0;
  const packB = !cachedB && (transposeB || Np !== N);
  const packOut = Mp !== M || Np !== N;
  const aBytes = packA ? roundUp(batch * Mp * K * 4, 16) : 0;
  const bBytes = packB ? roundUp(batch * K * Np * 4, 16) : 0;
  const base = scratch(backend, aBytes + bBytes + (packOut ? batch * Mp * Np * 4 : 0) + 16);
  // Offsets are read after the scratch allocation: it may grow the heap, never move a tensor.
  const aPtr = backend.dataIdMap.get(a.dataId).memoryOffset;
  const bPtr = backend.dataIdMap.get(b.dataId).memoryOffset;
  const outPtr = backend.dataIdMap.get(out.dataId).memoryOffset;
  const aUse = packA ? base : aPtr;
  const bUse = cachedB || (packB ? base + aBytes : bPtr);
  const oUse = packOut ? base + aBytes + bBytes : outPtr;
  if (packA) k.packA(aPtr, aUse, batch, M, K, transposeA ? 1 : 0, Mp);
  if (packB) k.packB(bPtr, bUse, batch, K, N, transposeB ? 1 : 0, Np);
  if (packA || !transposeA) k.mm(aUse, bUse, oUse, batch, Mp, K, Np, K, 1, Mp * K);
  else k.mm(aUse, bUse, oUse, batch, Mp, K, Np, 1, M, M * K);
  if (packOut) k.unpack(oUse, outPtr, batch, M, N, Mp, Np);
  return out;
}

let original: KernelConfig | undefined;

/** Puts this kernel (true) or tfjs's own (false) behind BatchMatMul on the wasm backend. */
export function setFastMatMul(tf: Tf, enabled: boolean): void {
  original ??= tf.getKernel('BatchMatMul', 'wasm');
  if (!original) throw new Error('tfjs wasm backend has no BatchMatMul kernel to replace');
  const base = original;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  if (!enabled) {
    tf.registerKernel(base);
    return;
  }
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const attrs = args.attrs as NamedAttrMap & { transposeA: boolean; transposeB: boolean };
    return fastBatchMatMul(a, b, attrs.transposeA, attrs.transposeB, args.backend as unknown as WasmBackend) ?? base.kernelFunc(args);
  };
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc });
}
