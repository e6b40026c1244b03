import type { Tf } from './tf.js';
import type { Tensor, Tensor2D, Scalar } from '@tensorflow/tfjs';
import { linearName, type LinearModule, type TinyLlamaConfig } from './model-config.js';
import { PAD } from './tokenizer.js';

/**
 * Where the forward pass gets a frozen weight. For QLoRA the provider dequantises NF4 blocks on
 * each call, so the full-precision copy only lives inside one step's tidy scope.
 */
export interface WeightProvider {
  get(name: string): Tensor;
}

export interface LoraParams {
  /** alpha / r, or alpha / sqrt(r) with rsLoRA. */
  scale: number;
  dropout: number;
  /** Keyed by linear name (`model.layers.0.self_attn.q_proj`): A is [r, in], B is [out, r]. */
  modules: Map<string, { A: Tensor; B: Tensor }>;
}

export interface ForwardOptions {
  training?: boolean;
  /** Seeds the LoRA dropout masks of this step. */
  seed?: number;
  /** Token embeddings [B*T, D] to start from instead of looking up `ids` (per-example gradients). */
  embedded?: Tensor;
  /** Sees each LoRA linear's down and up projections and may pass them through (see influence.ts). */
  trace?: LoraTrace;
}

/** Hooks on the LoRA branch of every adapted linear: `down = x A^T`, `up = down B^T`. */
export interface LoraTrace {
  down(name: string, down: Tensor, x: Tensor): Tensor;
  up(name: string, up: Tensor, down: Tensor): Tensor;
}

function rmsNorm(tf: Tf, x: Tensor, weight: Tensor, eps: number): Tensor {
  const variance = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), weight);
}

function ropeTables(tf: Tf, seqLen: number, headDim: number, theta: number): { cos: Tensor; sin: Tensor } {
  const half = headDim / 2;
  const cos = new Float32Array(seqLen * half);
  const sin = new Float32Array(seqLen * half);
  for (let p = 0; p < seqLen; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p / theta ** ((2 * i) / headDim);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos: tf.tensor2d(cos, [seqLen, half]), sin: tf.tensor2d(sin, [seqLen, half]) };
}

/** Rotary embedding in the rotate-half layout of Hugging Face's Llama, so exported weights mean the same there. */
function applyRope(tf: Tf, x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const half = x.shape[3]! / 2;
  const [x1, x2] = tf.split(x, [half, half], 3);
  return tf.concat([tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x2, cos), tf.mul(x1, sin))], 3);
}

/** Token embeddings [B*T, D] of ids [B, T]. */
export function embed(tf: Tf, cfg: TinyLlamaConfig, base: WeightProvider, ids: Tensor2D): Tensor {
  // One-hot matmul rather than gather: the wasm backend has no kernel for gather's gradient.
  const oneHot = tf.oneHot(tf.reshape(ids, [-1]) as Tensor, cfg.vocab_size).asType('float32');
  return tf.matMul(oneHot as Tensor2D, base.get('model.embed_tokens.weight') as Tensor2D);
}

/**
 * Computes logits [B*T, vocab] for token ids [B, T]. Must run inside tf.tidy (or variableGrads).
 */
export function forward(
  tf: Tf,
  cfg: TinyLlamaConfig,
  base: WeightProvider,
  ids: Tensor2D,
  lora?: LoraParams,
  opts: ForwardOptions = {},
): Tensor2D {
  const [B, T] = ids.shape;
  const D = cfg.hidden_size;
  const H = cfg.num_attention_heads;
  const hd = D / H;
  const eps = cfg.rms_norm_eps;
  const { cos, sin } = ropeTables(tf, T, hd, cfg.rope_theta);
  const maskData = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskData[i * T + j] = -1e9;
  const causal = tf.tensor2d(maskData, [T, T]);
  let dropoutCalls = 0;

  const linear = (x2d: Tensor, layer: number, module: LinearModule): Tensor => {
    const name = linearName(layer, module);
    let y = tf.matMul(x2d as Tensor2D, base.get(`${name}.weight`) as Tensor2D, false, true);
    const adapter = lora?.modules.get(name);
    if (adapter && lora) {
      let h = x2d;
      if (opts.training && lora.dropout > 0) h = tf.dropout(h, lora.dropout, undefined, (opts.seed ?? 0) * 1009 + dropoutCalls++);
      let down: Tensor = tf.matMul(h as Tensor2D, adapter.A as Tensor2D, false, true);
      if (opts.trace) down = opts.trace.down(name, down, h);
      let up: Tensor = tf.matMul(down as Tensor2D, adapter.B as Tensor2D, false, true);
      if (opts.trace) up = opts.trace.up(name, up, down);
      y = tf.add(y, tf.mul(up, lora.scale));
    }
    return y;
  };

  let x: Tensor = opts.embedded ?? embed(tf, cfg, base, ids);
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const h = rmsNorm(tf, x, base.get(`model.layers.${l}.input_layernorm.weight`), eps);
    const heads = (t: Tensor) => tf.transpose(tf.reshape(t, [B, T, H, hd]), [0, 2, 1, 3]);
    const q = applyRope(tf, heads(linear(h, l, 'q_proj')), cos, sin);
    const k = applyRope(tf, heads(linear(h, l, 'k_proj')), cos, sin);
    const v = heads(linear(h, l, 'v_proj'));
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)), causal);
    const attn = tf.matMul(tf.softmax(scores), v);
    const merged = tf.reshape(tf.transpose(attn, [0, 2, 1, 3]), [B * T, D]);
    x = tf.add(x, linear(merged, l, 'o_proj'));
    const h2 = rmsNorm(tf, x, base.get(`model.layers.${l}.post_attention_layernorm.weight`), eps);
    const gate = linear(h2, l, 'gate_proj');
    const gated = tf.mul(tf.mul(gate, tf.sigmoid(gate)), linear(h2, l, 'up_proj'));
    x = tf.add(x, linear(gated, l, 'down_proj'));
  }
  x = rmsNorm(tf, x, base.get('model.norm.weight'), eps);
  return tf.matMul(x as Tensor2D, base.get('lm_head.weight') as Tensor2D, false, true);
}

/**
 * Mean next-token cross-entropy (nats per token) over non-pad targets of a [B, T+1] batch.
 */
export function lmLoss(
  tf: Tf,
  cfg: TinyLlamaConfig,
  base: WeightProvider,
  batch: Int32Array,
  B: number,
  T1: number,
  lora?: LoraParams,
  opts: ForwardOptions = {},
): Scalar {
  const T = T1 - 1;
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const mask = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      inputs[b * T + t] = batch[b * T1 + t];
      const target = batch[b * T1 + t + 1];
      targets[b * T + t] = target === PAD ? 0 : target;
      mask[b * T + t] = target === PAD ? 0 : 1;
    }
  }
  const count = mask.reduce((a, v) => a + v, 0);
  const logits = forward(tf, cfg, base, tf.tensor2d(inputs, [B, T], 'int32'), lora, opts);
  const logProbs = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.tensor1d(targets, 'int32'), cfg.vocab_size)), -1);
  return tf.div(tf.neg(tf.sum(tf.mul(picked, tf.tensor1d(mask)))), Math.max(count, 1)) as Scalar;
}

/** Plain fp32 weights held as tensors (pretraining variables, or a LoRA run's frozen base). */
export function tensorProvider(tensors: Record<string, Tensor>): WeightProvider {
  return {
    get(name) {
      const t = tensors[name];
      if (!t) throw new Error(`base model has no weight ${name}`);
      return t;
    },
  };
}
