import { setSharedIdentity } from './identity-kernel.js';
import { setFastMatMul } from './matmul/fast-matmul.js';

/**
 * tfjs with the wasm backend, loaded lazily: importing the package must stay cheap, and the
 * backend is process-wide so it is set up once. Single-threaded wasm keeps results bit-identical
 * for a seed. BatchMatMul runs on our SIMD kernel (same outputs bit for bit, see
 * matmul/fast-matmul.ts) and Identity shares data
 * instead of copying it; DATANET_FAST_MATMUL=0 keeps tfjs's own kernels (the benchmark's baseline).
 */
export type Tf = typeof import('@tensorflow/tfjs');

let loading: Promise<Tf> | undefined;

export function loadTf(): Promise<Tf> {
  loading ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    if (tf.getBackend() !== 'wasm') {
      const ok = await tf.setBackend('wasm');
      if (!ok) throw new Error('could not start the tfjs wasm backend (@tensorflow/tfjs-backend-wasm)');
    }
    await tf.ready();
    if (process.env.DATANET_FAST_MATMUL !== '0') setFastKernels(tf, true);
    return tf;
  })();
  return loading;
}

/** Our BatchMatMul and Identity (true) or tfjs's own (false); outputs are the same bits either way. */
export function setFastKernels(tf: Tf, enabled: boolean): void {
  setFastMatMul(tf, enabled);
  setSharedIdentity(tf, enabled);
}
