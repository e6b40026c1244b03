import type { Tensor, Tensor2D } from '@tensorflow/tfjs';
import { linearName, type LinearModule, type TinyLlamaConfig } from './model-config.js';
import type { Tf } from './tf.js';
import type { LoraParams, WeightProvider } from './transformer.js';

/**
 * Keys and values of every layer for the positions seen so far, so that generating one more token
 * runs the model over that one position only. Tensors are kept outside tidy scopes: call dispose().
 */
export class KvCache {
  /** Per layer: keys and values [1, H, length, hd]. */
  private layers: { k: Tensor; v: Tensor }[] = [];
  length = 0;

  constructor(private readonly tf: Tf) {}

  get(layer: number): { k: Tensor; v: Tensor } | undefined {
    return this.layers[layer];
  }

  set(layer: number, k: Tensor, v: Tensor): void {
    const prev = this.layers[layer];
    this.layers[layer] = { k: this.tf.keep(k), v: this.tf.keep(v) };
    if (prev) this.tf.dispose([prev.k, prev.v]);
  }

  dispose(): void {
    for (const { k, v } of this.layers) this.tf.dispose([k, v]);
    this.layers = [];
    this.length = 0;
  }
}

// The same ops, in the same order, as transformer.ts's forward (RoPE in an equivalent form with the
// same bits, see applyRope), restricted to the new positions: every op there is row-wise except
// attention, whose last row only reads earlier keys and values. The one difference is softmax,
// which sums a row of t scores here where the full pass sums T (the masked ones 0) in another
// order: logits agree to float rounding, and generate() is checked token for token against
// generateFullContext (test/kv-cache.test.ts).

function rmsNorm(tf: Tf, x: Tensor, weight: Tensor, eps: number): Tensor {
  const variance = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), weight);
}

/**
 * Rotary tables for rows start..start+n, full head width: cos twice, and sin negated for the first
 * half. Rotate-half RoPE then takes 5 ops instead of 8 (see applyRope), with the same bits.
 */
function ropeRows(tf: Tf, start: number, n: number, headDim: number, theta: number): { cos: Tensor; sin: Tensor } {
  const half = headDim / 2;
  const cos = new Float32Array(n * headDim);
  const sin = new Float32Array(n * headDim);
  for (let r = 0; r < n; r++) {
    const p = start + r;
    for (let i = 0; i < half; i++) {
      const angle = p / theta ** ((2 * i) / headDim);
      cos[r * headDim + i] = cos[r * headDim + half + i] = Math.cos(angle);
      sin[r * headDim + half + i] = Math.sin(angle);
      sin[r * headDim + i] = -sin[r * headDim + half + i];
    }
  }
  return { cos: tf.tensor2d(cos, [n, headDim]), sin: tf.tensor2d(sin, [n, headDim]) };
}

/**
 * transformer.ts's rotate-half RoPE, [x1 cos - x2 sin, x2 cos + x1 sin], as x * [cos, cos] +
 * [x2, x1] * [-sin, sin]: products with a negated factor are the negated products and a + (-b) is
 * a - b in IEEE arithmetic, so every element has the same bits.
 */
function applyRope(tf: Tf, x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  // split + concat swaps the halves; the wasm backend's gather along the last axis is far slower.
  const half = x.shape[3]! / 2;
  const [x1, x2] = tf.split(x, [half, half], 3);
  return tf.add(tf.mul(x, cos), tf.mul(tf.concat([x2, x1], 3), sin));
}

/**
 * Runs the new tokens `ids` (at positions cache.length...) through the model, appends their keys and
 * values to the cache and returns the logits of the last new position [1, vocab]. Must run inside
 * tf.tidy; the cache keeps its own tensors.
 */
export function forwardCached(
  tf: Tf,
  cfg: TinyLlamaConfig,
  base: WeightProvider,
  ids: Int32Array,
  cache: KvCache,
  lora?: LoraParams,
): Tensor2D {
  const n = ids.length;
  const start = cache.length;
  const total = start + n;
  const D = cfg.hidden_size;
  const H = cfg.num_attention_heads;
  const hd = D / H;
  const eps = cfg.rms_norm_eps;
  const { cos, sin } = ropeRows(tf, start, n, hd, cfg.rope_theta);
  // Row r (position start + r) sees keys 0..start + r; a single new row sees them all, so needs no mask.
  let causal: Tensor | undefined;
  if (n > 1) {
    const maskData = new Float32Array(n * total);
    for (let r = 0; r < n; r++) for (let j = start + r + 1; j < total; j++) maskData[r * total + j] = -1e9;
    causal = tf.tensor2d(maskData, [n, total]);
  }

  const linear = (x2d: Tensor, layer: number, module: LinearModule): Tensor => {
    const name = linearName(layer, module);
    let y = tf.matMul(x2d as Tensor2D, base.get(`${name}.weight`) as Tensor2D, false, true);
    const adapter = lora?.modules.get(name);
    if (adapter && lora) {
      const down = tf.matMul(x2d as Tensor2D, adapter.A as Tensor2D, false, true);
      const up = tf.matMul(down, adapter.B as Tensor2D, false, true);
      y = tf.add(y, tf.mul(up, lora.scale));
    }
    return y;
  };

  // A gather is the one-hot matmul's exact value (one 1 x weight, the rest 0 x weight) at a fraction of its cost.
  let x: Tensor = tf.gather(base.get('model.embed_tokens.weight'), tf.tensor1d(ids, 'int32'));
  const lastLayer = cfg.num_hidden_layers - 1;
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const h = rmsNorm(tf, x, base.get(`model.layers.${l}.input_layernorm.weight`), eps);
    // [rows, D] -> [1, H, rows, hd]; one row is already in that order, so a reshape does (no copy, one op less).
    const heads = (t: Tensor, rows: number) =>
      rows === 1 ? tf.reshape(t, [1, H, 1, hd]) : tf.transpose(tf.reshape(t, [1, rows, H, hd]), [0, 2, 1, 3]);
    const kNew = applyRope(tf, heads(linear(h, l, 'k_proj'), n), cos, sin);
    const vNew = heads(linear(h, l, 'v_proj'), n);
    const prev = cache.get(l);
    const k = prev ? tf.concat([prev.k, kNew], 2) : kNew;
    const v = prev ? tf.concat([prev.v, vNew], 2) : vNew;
    cache.set(l, k, v);
    // Past the last layer's keys and values only the last position matters: the rest of that layer runs on one row.
    const rows = l === lastLayer ? 1 : n;
    if (rows < n) {
      x = tf.slice(x, [n - 1, 0], [1, D]);
    }
    const hq = rows < n ? tf.slice(h, [n - 1, 0], [1, D]) : h;
    const qNew = applyRope(
      tf,
      heads(linear(hq, l, 'q_proj'), rows),
      rows < n ? tf.slice(cos, [n - 1, 0], [1, hd]) : cos,
      rows < n ? tf.slice(sin, [n - 1, 0], [1, hd]) : sin,
    );
    let scores = tf.mul(tf.matMul(qNew, k, false, true), 1 / Math.sqrt(hd));
    if (causal && rows === n) scores = tf.add(scores, causal);
    const attn = tf.matMul(tf.softmax(scores), v);
    const merged = rows === 1 ? tf.reshape(attn, [1, D]) : tf.reshape(tf.transpose(attn, [0, 2, 1, 3]), [rows, D]);
    x = tf.add(x, linear(merged, l, 'o_proj'));
    const h2 = rmsNorm(tf, x, base.get(`model.layers.${l}.post_attention_layernorm.weight`), eps);
    const gate = linear(h2, l, 'gate_proj');
    const gated = tf.mul(tf.mul(gate, tf.sigmoid(gate)), linear(h2, l, 'up_proj'));
    x = tf.add(x, linear(gated, l, 'down_proj'));
  }
  cache.length = total;
  const normed = rmsNorm(tf, x, base.get('model.norm.weight'), eps);
  return tf.matMul(normed as Tensor2D, base.get('lm_head.weight') as Tensor2D, false, true);
}
