import type { Tensor } from '@tensorflow/tfjs';
import type { LoraTensors } from '../adapter/adapter-folder.js';
import type { NamedTensor } from '../adapter/safetensors.js';
import { LINEAR_MODULES, linearName, linearShape, type BaseModel, type LinearModule, type TinyLlamaConfig } from './model-config.js';
import { dequantizeNf4, nf4Bytes, quantizeNf4, type Nf4Tensor } from './nf4.js';
import { uniformArray } from './rng.js';
import type { Tf } from './tf.js';
import type { LoraParams, WeightProvider } from './transformer.js';

export interface FrozenBase {
  provider: WeightProvider;
  /** fp32 bytes of the weights that QLoRA quantises (every decoder linear layer). */
  linearFp32Bytes: number;
  /** Bytes those weights take as stored here (same as fp32 for LoRA). */
  linearStoredBytes: number;
  dispose(): void;
}

const isLinearWeight = (name: string) => /\.(self_attn|mlp)\.[a-z_]+_proj\.weight$/.test(name);

/**
 * The frozen base as the forward pass sees it. With `nf4`, every decoder linear weight is kept
 * only in NF4 and dequantised on each `get` (inside the caller's tidy scope, so the fp32 copy is
 * freed after the step); embeddings, norms and lm_head stay fp32, as bitsandbytes leaves them.
 */
export function frozenBase(tf: Tf, model: BaseModel, quant?: { blockSize: number; doubleQuant: boolean }): FrozenBase {
  const dense: Record<string, Tensor> = {};
  const nf4: Record<string, Nf4Tensor> = {};
  let fp32 = 0;
  let stored = 0;
  for (const [name, t] of Object.entries(model.weights)) {
    if (quant && isLinearWeight(name)) {
      nf4[name] = quantizeNf4(t.data, t.shape, quant.blockSize, quant.doubleQuant);
      fp32 += t.data.byteLength;
      stored += nf4Bytes(nf4[name]);
    } else {
      dense[name] = tf.tensor(t.data, t.shape);
      if (isLinearWeight(name)) {
        fp32 += t.data.byteLength;
        stored += t.data.byteLength;
      }
    }
  }
  return {
    provider: {
      get(name) {
        if (dense[name]) return dense[name];
        const q = nf4[name];
        if (!q) throw new Error(`base model has no weight ${name}`);
        return tf.tensor(dequantizeNf4(q), q.shape);
      },
    },
    linearFp32Bytes: fp32,
    linearStoredBytes: stored,
    dispose: () => tf.dispose(Object.values(dense)),
  };
}

/** Resolves spec target modules against the model: `all-linear` or names like `q_proj`. */
export function resolveTargets(targets: string[] | 'all-linear', cfg: TinyLlamaConfig): string[] {
  const modules = targets === 'all-linear' ? [...LINEAR_MODULES] : targets;
  const unknown = modules.filter((m) => !(LINEAR_MODULES as readonly string[]).includes(m));
  if (unknown.length) {
    throw new Error(
      `targetModules: ${unknown.join(', ')} not in the builtin model; it has ${LINEAR_MODULES.join(', ')} (or use all-linear)`,
    );
  }
  const names: string[] = [];
  for (let l = 0; l < cfg.num_hidden_layers; l++) for (const m of modules) names.push(linearName(l, m as LinearModule));
  return names;
}

/** PEFT's default init: A ~ kaiming-uniform(a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)), B = 0, so training starts at the base model. */
export function initLora(cfg: TinyLlamaConfig, linears: string[], r: number, rand: () => number): LoraTensors {
  const out: LoraTensors = new Map();
  for (const linear of linears) {
    const module = linear.split('.').pop() as LinearModule;
    const [o, i] = linearShape(cfg, module);
    out.set(linear, {
      A: { shape: [r, i], data: uniformArray(r * i, 1 / Math.sqrt(i), rand) },
      B: { shape: [o, r], data: new Float32Array(o * r) },
    });
  }
  return out;
}

/** Checks adapter matrices against the base model's layer shapes before they meet in a matmul. */
export function checkLoraShapes(cfg: TinyLlamaConfig, modules: LoraTensors, source: string): void {
  for (const [linear, { A, B }] of modules) {
    const module = linear.split('.').pop() as LinearModule;
    if (!(LINEAR_MODULES as readonly string[]).includes(module) || !/^model\.layers\.\d+\./.test(linear)) {
      throw new Error(`${source}: module ${linear} does not exist in the builtin model`);
    }
    const [o, i] = linearShape(cfg, module);
    if (A.shape[1] !== i || B.shape[0] !== o) {
      throw new Error(`${source}: ${linear}: lora_A [${A.shape}] / lora_B [${B.shape}] do not fit a [${o}, ${i}] layer`);
    }
  }
}

let variableSerial = 0;

/** Variables get unique names: tfjs registers them globally, and two runs may share a process. */
export function loraToTensors(tf: Tf, modules: LoraTensors, variables: boolean): Map<string, { A: Tensor; B: Tensor }> {
  const out = new Map<string, { A: Tensor; B: Tensor }>();
  const serial = ++variableSerial;
  for (const [linear, { A, B }] of modules) {
    const a = tf.tensor(A.data, A.shape);
    const b = tf.tensor(B.data, B.shape);
    out.set(
      linear,
      variables ? { A: tf.variable(a, true, `${linear}.A#${serial}`), B: tf.variable(b, true, `${linear}.B#${serial}`) } : { A: a, B: b },
    );
    if (variables) tf.dispose([a, b]);
  }
  return out;
}

export function tensorsToLora(modules: LoraParams['modules']): LoraTensors {
  const out: LoraTensors = new Map();
  const snap = (t: Tensor): NamedTensor => ({ shape: t.shape as number[], data: Float32Array.from(t.dataSync() as Float32Array) });
  for (const [linear, { A, B }] of modules) out.set(linear, { A: snap(A), B: snap(B) });
  return out;
}
