import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMatmulWat } from '../scripts/matmul-wat.js';
import { frozenBase, initLora, loraToTensors, resolveTargets } from '../src/builtin/lora-runtime.js';
import { setFastMatMul } from '../src/builtin/matmul/fast-matmul.js';
import { loadBaseModel } from '../src/builtin/model-config.js';
import { MATMUL_WASM_BASE64 } from '../src/builtin/matmul/matmul-wasm.js';
import { seededRandom } from '../src/builtin/rng.js';
import { loadTf, setFastKernels, type Tf } from '../src/builtin/tf.js';
import { lmLoss } from '../src/builtin/transformer.js';

// [batch dims, M, K, N, transposeA, transposeB]: the model's shapes (linear layers [T, in] x
// [out, in]^T, attention [B, H, T, hd], gradients with transposeA) and odd ones that exercise the
// kernel's padding (M not a multiple of 4, N not of 8), K across several 48-wide blocks, K = 1.
const SHAPES: [number[], number, number, number, boolean, boolean][] = [
  [[], 1024, 64, 64, false, true],
  [[], 129, 64, 259, false, true],
  [[], 1, 176, 64, false, true],
  [[], 1024, 1024, 8, true, false],
  [[], 64, 200, 64, true, false],
  [[8, 4], 128, 16, 128, false, true],
  [[8, 4], 128, 128, 16, false, false],
  [[1, 4], 1, 16, 37, false, true],
  [[3], 37, 100, 259, false, true],
  [[2], 20, 97, 33, true, true],
  [[], 3, 1, 5, true, true],
];

describe('SIMD BatchMatMul kernel', () => {
  let tf: Tf;
  beforeAll(async () => {
    tf = await loadTf();
  });
  afterAll(() => setFastKernels(tf, true));

  it('checked-in wasm bytes are the build of matmul.wat', async () => {
    expect(Buffer.from(await compileMatmulWat()).toString('base64')).toBe(MATMUL_WASM_BASE64);
  });

  it.each(SHAPES)('batch %j, %i x %i x %i (transposeA %s, transposeB %s): bit-identical to tfjs', (batch, M, K, N, ta, tb) => {
    const rand = seededRandom(M * 31 + K * 7 + N);
    // Exact zeros of both signs, as gradients of masked positions have them.
    const fill = (n: number, zero: number) => Float32Array.from({ length: n }, () => (rand() < 0.1 ? zero : (rand() - 0.5) * 6));
    const aShape = [...batch, ...(ta ? [K, M] : [M, K])];
    const bShape = [...batch, ...(tb ? [N, K] : [K, N])];
    const count = (s: number[]) => s.reduce((x, y) => x * y, 1);
    const a = tf.tensor(fill(count(aShape), 0), aShape);
    const b = tf.tensor(fill(count(bShape), -0), bShape);
    const run = (fast: boolean) => {
      setFastMatMul(tf, fast);
      const out = tf.matMul(a as never, b as never, ta, tb);
      const result = { shape: out.shape, data: out.dataSync() as Float32Array };
      out.dispose();
      return result;
    };
    const theirs = run(false);
    const ours = run(true);
    expect(ours.shape).toEqual(theirs.shape);
    // Bit patterns, so that -0 against +0 or a differently rounded last bit counts.
    expect(Buffer.from(ours.data.buffer).equals(Buffer.from(theirs.data.buffer))).toBe(true);
    tf.dispose([a, b]);
  });

  it('a training step (loss and every LoRA gradient, dropout on) is bit-identical on tfjs kernels and ours', async () => {
    const model = await loadBaseModel('datanet-tiny-llama');
    const base = frozenBase(tf, model);
    const modules = loraToTensors(tf, initLora(model.config, resolveTargets('all-linear', model.config), 4, seededRandom(9)), true);
    const lora = { scale: 2, dropout: 0.1, modules };
    const vars = [...modules.values()].flatMap((m) => [m.A, m.B]) as never[];
    const rand = seededRandom(4);
    const batch = Int32Array.from({ length: 3 * 41 }, () => 1 + Math.floor(rand() * 250));
    const step = (fast: boolean) => {
      setFastKernels(tf, fast);
      const { value, grads } = tf.variableGrads(
        () => lmLoss(tf, model.config, base.provider, batch, 3, 41, lora, { training: true, seed: 5 }),
        vars,
      );
      const bytes = [value, ...Object.values(grads)].map((t) => Buffer.from((t.dataSync() as Float32Array).slice().buffer));
      tf.dispose([value, ...Object.values(grads)]);
      return Buffer.concat(bytes);
    };
    try {
      expect(step(true).equals(step(false))).toBe(true);
    } finally {
      base.dispose();
      for (const { A, B } of modules.values()) tf.dispose([A, B]);
    }
  });

  it('Identity shares data: a clone outlives the disposed original with the same values', () => {
    const x = tf.tensor([1.5, -0, 3]);
    const y = x.clone();
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -0, 3]);
    y.dispose();
  });
});
