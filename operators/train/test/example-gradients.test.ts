import type { Variable } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { exampleGradients } from '../src/builtin/example-gradients.js';
import { frozenBase, initLora, loraToTensors, resolveTargets } from '../src/builtin/lora-runtime.js';
import { loadBaseModel } from '../src/builtin/model-config.js';
import { normalArray, seededRandom } from '../src/builtin/rng.js';
import { loadTf } from '../src/builtin/tf.js';
import { lmLoss } from '../src/builtin/transformer.js';

describe('per-example LoRA gradients in one pass', () => {
  it('give each row the bits of its own forward and backward pass (TracIn depends on it)', async () => {
    const tf = await loadTf();
    const model = await loadBaseModel('datanet-tiny-llama');
    const base = frozenBase(tf, model);
    const rand = seededRandom(21);
    const init = initLora(model.config, resolveTargets('all-linear', model.config), 4, rand);
    // Non-zero B, so every gradient path carries signal.
    for (const m of init.values()) m.B.data = normalArray(m.B.data.length, 0.05, rand);
    const modules = loraToTensors(tf, init, true);
    const lora = { scale: 2, dropout: 0, modules };
    const names = [...modules.keys()].sort().flatMap((linear) => [
      { linear, part: 'A' as const },
      { linear, part: 'B' as const },
    ]);
    const paramCount = [...modules.values()].reduce((a, m) => a + m.A.size + m.B.size, 0);
    const rows = Array.from({ length: 5 }, () => [1, ...Array.from({ length: 36 }, () => 3 + Math.floor(rand() * 250))]);
    try {
      const batched = exampleGradients(tf, model.config, base.provider, lora, rows, names, paramCount);
      expect(batched).toHaveLength(rows.length);
      for (const [e, row] of rows.entries()) {
        const vars = names.map(({ linear, part }) => modules.get(linear)![part]) as never[];
        const { value, grads } = tf.variableGrads(
          () => lmLoss(tf, model.config, base.provider, Int32Array.from(row), 1, row.length, lora),
          vars,
        );
        const own = Buffer.concat(
          names.map(({ linear, part }) =>
            Buffer.from((grads[(modules.get(linear)![part] as Variable).name].dataSync() as Float32Array).slice().buffer),
          ),
        );
        tf.dispose([value, ...Object.values(grads)]);
        expect(own.length).toBe(paramCount * 4);
        expect(Buffer.from(batched[e].buffer).equals(own)).toBe(true);
      }
      // Distinct rows, distinct gradients: the batch did not mix them.
      expect(Buffer.from(batched[0].buffer).equals(Buffer.from(batched[1].buffer))).toBe(false);
    } finally {
      base.dispose();
      for (const { A, B } of modules.values()) tf.dispose([A, B]);
    }
  });
});
