import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from './tf.js';

let original: KernelConfig | undefined;

/**
 * tfjs-backend-wasm's Identity copies the tensor's bytes; autodiff calls it hundreds of times per
 * backward pass. Tensors are immutable, so the output can share the input's data, as
 * tfjs-backend-cpu's Identity does (the backend counts references and frees at the last dispose).
 * `enabled` false puts tfjs's own kernel back.
 */
export function setSharedIdentity(tf: Tf, enabled: boolean): void {
  original ??= tf.getKernel('Identity', 'wasm');
  if (!original) throw new Error('tfjs wasm backend has no Identity kernel to replace');
  const base = original;
  tf.unregisterKernel('Identity', 'wasm');
  if (!enabled) {
    tf.registerKernel(base);
    return;
  }
  const kernelFunc: KernelFunc = (args) => {
    const x = (args.inputs as { x: TensorInfo }).x;
    if (x.dtype === 'string') return base.kernelFunc(args);
    (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc });
}
