import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from '../tf.js';
import { MATMUL_WASM_BASE64 } from './matmul-wasm.js';

/**
 * tfjs-backend-wasm 4.22 sends every transposed or batched matmul (all of the model's linear
 * layers, which keep PyTorch's [out, in] weights, attention, and most gradients) to a scalar
 * loop that does one multiply-add per few nanoseconds. This kernel does the same arithmetic, per
 * output in the same order (see matmul.wat), with SIMD lanes across output columns: outputs are
 * bit-identical, about 5x faster. Untransposed unbatched matmuls stay on tfjs's XNNPACK path,
 * whose arithmetic is its own.
 */

interface WasmBackend {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

interface Mm {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  mm(a: number, b: number, out: number, batch: number, M: number, K: number, N: number): void;
}

// The repository's TypeScript lib has no WebAssembly declarations; Node has the API.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
}

let mmModule: Mm | undefined;
function mm(): Mm {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  mmModule ??= new wasm.Instance(new wasm.Module(Buffer.from(MATMUL_WASM_BASE64, 'base64'))).exports as Mm;
  return mmModule;
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Float view of the module's memory with at least `floats` floats. */
function scratch(floats: number): Float32Array {
  const { memory } = mm();
  const need = floats * 4 - memory.buffer.byteLength;
  if (need > 0) memory.grow(Math.ceil(need / 65536));
  return new Float32Array(memory.buffer);
}

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
  const Mp = roundUp(M, 4);
  const Np = roundUp(N, 8);
  const aOff = 0;
  const bOff = roundUp(aOff + batch * Mp * K, 4);
  const oOff = roundUp(bOff + batch * K * Np, 4);
  const mem = scratch(oOff + batch * Mp * Np);
  const av = backend.typedArrayFromHeap(a);
  const bv = backend.typedArrayFromHeap(b);
  for (let x = 0; x < batch; x++) {
    const dst = aOff + x * Mp * K;
    if (!transposeA) mem.set(av.subarray(x * M * K, (x + 1) * M * K), dst);
    else {
      const src = x * K * M;
      for (let k = 0; k < K; k++) for (let i = 0; i < M; i++) mem[dst + i * K + k] = av[src + k * M + i];
    }
    mem.fill(0, dst + M * K, dst + Mp * K);
    const dstB = bOff + x * K * Np;
    if (!transposeB) {
      if (Np === N) mem.set(bv.subarray(x * K * N, (x + 1) * K * N), dstB);
      else for (let k = 0; k < K; k++) mem.set(bv.subarray((x * K + k) * N, (x * K + k + 1) * N), dstB + k * Np);
    } else {
      const src = x * N * K;
      for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) mem[dstB + k * Np + j] = bv[src + j * K + k];
    }
    if (Np !== N) for (let k = 0; k < K; k++) mem.fill(0, dstB + k * Np + N, dstB + (k + 1) * Np);
  }
  mm().mm(aOff * 4, bOff * 4, oOff * 4, batch, Mp, K, Np);
  const outShape = [...(ar >= br ? a.shape : b.shape).slice(0, -2), M, N];
  const out = backend.makeOutput(outShape, 'float32');
  const ov = backend.typedArrayFromHeap(out);
  const res = new Float32Array(mm().memory.buffer);
  if (Mp === M && Np === N) ov.set(res.subarray(oOff, oOff + batch * M * N));
  else
    for (let x = 0; x < batch; x++)
      for (let i = 0; i < M; i++) ov.set(res.subarray(oOff + (x * Mp + i) * Np, oOff + (x * Mp + i) * Np + N), (x * M + i) * N);
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
