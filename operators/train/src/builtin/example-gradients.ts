import type { Tensor, Tensor3D } from '@tensorflow/tfjs';
import type { TinyLlamaConfig } from './model-config.js';
import type { Tf } from './tf.js';
import { PAD } from './tokenizer.js';
import { embed, forward, type LoraParams, type LoraTrace, type WeightProvider } from './transformer.js';

/** Examples of one length per pass: one pass's op overhead is shared, the arithmetic is per row. */
export const EXAMPLES_PER_PASS = 8;

interface Captured {
  x?: Tensor;
  down?: Tensor;
  dDown?: Tensor;
  dUp?: Tensor;
}

/**
 * Per-example gradients of each row's mean next-token loss with respect to every LoRA A and B, for
 * rows of one length in one forward and backward pass. The pass records each LoRA linear's input x,
 * its `down` output and the gradients flowing into `down` and `up` (identity hooks); then
 * dA_e = dDown_e^T x_e and dB_e = dUp_e^T down_e per example, the very matmuls (shapes, operand
 * order) that autodiff runs for a single row, so each example's gradient has the bits of a pass of
 * its own (test/example-gradients.test.ts). Returns one flat gradient per row, `names` order.
 */
export function exampleGradients(
  tf: Tf,
  cfg: TinyLlamaConfig,
  base: WeightProvider,
  lora: LoraParams,
  rows: number[][],
  names: { linear: string; part: 'A' | 'B' }[],
  paramCount: number,
): Float32Array[] {
  const E = rows.length;
  const T = rows[0].length - 1;
  if (rows.some((r) => r.length !== T + 1)) throw new Error('exampleGradients: rows must have one length');
  const inputs = new Int32Array(E * T);
  const targets = new Int32Array(E * T);
  const mask = new Float32Array(E * T);
  const counts = new Float32Array(E);
  rows.forEach((row, e) => {
    for (let t = 0; t < T; t++) {
      inputs[e * T + t] = row[t];
      targets[e * T + t] = row[t + 1] === PAD ? 0 : row[t + 1];
      mask[e * T + t] = row[t + 1] === PAD ? 0 : 1;
      counts[e] += mask[e * T + t];
    }
    counts[e] = Math.max(counts[e], 1);
  });
  const captured = new Map<string, Captured>();
  const entry = (name: string) => {
    let c = captured.get(name);
    if (!c) captured.set(name, (c = {}));
    return c;
  };
  const hook = (store: (dy: Tensor) => void) =>
    tf.customGrad(((t: Tensor) => ({
      value: t.clone(),
      gradFunc: (dy: Tensor) => {
        store(tf.keep(dy.clone()));
        return dy;
      },
    })) as unknown as Parameters<Tf['customGrad']>[0]);
  const trace: LoraTrace = {
    down(name, down, x) {
      entry(name).x = tf.keep(x.clone());
      return hook((dy) => (entry(name).dDown = dy))(down) as Tensor;
    },
    up(name, up, down) {
      entry(name).down = tf.keep(down.clone());
      return hook((dy) => (entry(name).dUp = dy))(up) as Tensor;
    },
  };
  const out = Array.from({ length: E }, () => new Float32Array(paramCount));
  try {
    // The tidy returns nothing: tfjs walks a returned value looking for tensors, element by element
    // through typed arrays too (half a second for these gradients).
    tf.tidy(() => {
      const ids = tf.tensor2d(inputs, [E, T], 'int32');
      const x0 = embed(tf, cfg, base, ids);
      // The loss of lmLoss per row (its mean over the row's targets), summed: row e's gradient is its own.
      const loss = (x: Tensor) => {
        const logProbs = tf.logSoftmax(forward(tf, cfg, base, ids, lora, { embedded: x, trace }));
        const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.tensor1d(targets, 'int32'), cfg.vocab_size)), -1);
        const perRow = tf.sum(tf.reshape(tf.mul(picked, tf.tensor1d(mask)), [E, T]), 1);
        return tf.sum(tf.div(tf.neg(perRow), tf.tensor1d(counts)));
      };
      tf.grads(loss)([x0]);
      let off = 0;
      for (const { linear, part } of names) {
        const c = captured.get(linear);
        if (!c?.x || !c.down || !c.dDown || !c.dUp) throw new Error(`no LoRA trace for ${linear}`);
        const g =
          part === 'A'
            ? tf.matMul(tf.reshape(c.dDown, [E, T, -1]) as Tensor3D, tf.reshape(c.x, [E, T, -1]) as Tensor3D, true, false)
            : tf.matMul(tf.reshape(c.dUp, [E, T, -1]) as Tensor3D, tf.reshape(c.down, [E, T, -1]) as Tensor3D, true, false);
        const data = g.dataSync() as Float32Array;
        const size = data.length / E;
        for (let e = 0; e < E; e++) out[e].set(data.subarray(e * size, (e + 1) * size), off);
        off += size;
      }
    });
    return out;
  } finally {
    for (const c of captured.values()) tf.dispose([c.x, c.down, c.dDown, c.dUp].filter((t): t is Tensor => !!t));
  }
}
