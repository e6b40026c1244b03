import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdapterConfig } from '../src/adapter/adapter-config.js';
import { writeAdapterFolder } from '../src/adapter/adapter-folder.js';
import { loadRuntime } from '../src/builtin/adapter-runtime.js';
import { BuiltinGenerator } from '../src/builtin/generate.js';
import { KvCache, forwardCached } from '../src/builtin/kv-cache.js';
import { forward } from '../src/builtin/transformer.js';
import { initLora, resolveTargets } from '../src/builtin/lora-runtime.js';
import { loadBaseModel } from '../src/builtin/model-config.js';
import { normalArray, seededRandom } from '../src/builtin/rng.js';
import { parseLoraSpec } from '../src/spec/lora-spec.js';

const prompts = ['What does the heart do?', 'Install with npm and then'];

// An adapter with non-zero B (so LoRA changes the logits) and a 56-token window, so that a prompt
// plus 30 new tokens makes the window slide: both generation paths are compared across the slide.
async function slidingAdapter(dir: string): Promise<void> {
  const model = await loadBaseModel('datanet-tiny-llama');
  const spec = parseLoraSpec({ r: 4, alpha: 8, targetModules: 'all-linear', maxSeqLength: 56, seed: 3 });
  const rand = seededRandom(5);
  const modules = initLora(model.config, resolveTargets('all-linear', model.config), 4, rand);
  for (const m of modules.values()) m.B.data = normalArray(m.B.data.length, 0.05, rand);
  await writeAdapterFolder(
    dir,
    buildAdapterConfig(spec, model.name, ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']),
    modules,
  );
  const state = {
    backend: 'builtin',
    method: 'lora',
    quantization: null,
    base_model: model.name,
    base_model_digest: model.digest,
    lora_scale: 2,
    max_seq_length: 56,
    checkpoints: [],
  };
  await writeFile(join(dir, 'trainer_state.json'), JSON.stringify(state));
}

describe('generation with a KV cache', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kv-cache-'));
    await slidingAdapter(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('gives the same tokens as the full-context path, greedy and sampled, on the base model', async () => {
    const gen = await BuiltinGenerator.load({ baseModel: 'datanet-tiny-llama' });
    try {
      for (const [i, p] of prompts.entries()) {
        for (const temperature of [0, 0.9]) {
          const opts = { maxNewTokens: 30, seed: 7 + i, temperature, topK: temperature ? 12 : 0 };
          const a = gen.generateFullContext(p, opts);
          const b = gen.generate(p, opts);
          expect(b).toEqual(a);
          expect(a.outputTokens).toBeGreaterThan(0);
        }
      }
    } finally {
      gen.dispose();
    }
  });

  it('gives the same tokens with a LoRA adapter, also after the window slides', async () => {
    const gen = await BuiltinGenerator.load({ adapterDir: dir });
    try {
      let slid = 0;
      for (const [i, p] of prompts.entries()) {
        for (const temperature of [0, 0.9]) {
          const opts = { maxNewTokens: 30, seed: 3 + i, temperature, topK: temperature ? 12 : 0 };
          const a = gen.generateFullContext(p, opts);
          expect(gen.generate(p, opts)).toEqual(a);
          if (a.promptTokens + a.outputTokens > 56) slid++;
        }
      }
      expect(slid).toBeGreaterThan(0);
    } finally {
      gen.dispose();
    }
  });

  it('gives the full pass logits at every position, one token at a time and in chunks (same argmax, float rounding apart)', async () => {
    // Not bit for bit: softmax sums a row of t scores here and of T (masked ones 0) there, in another order.
    const rt = await loadRuntime({ adapterDir: dir });
    const { tf, model, base, lora } = rt;
    const ids = Int32Array.from({ length: 40 }, (_, i) => 1 + ((i * 37) % 250));
    const cache = new KvCache(tf);
    const chunked = new KvCache(tf);
    const close = (a: Float32Array, b: Float32Array) => {
      expect(a.indexOf(Math.max(...a))).toBe(b.indexOf(Math.max(...b)));
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4);
    };
    try {
      for (let t = 1; t <= ids.length; t++) {
        const full = tf.tidy(() => {
          const all = forward(tf, model.config, base.provider, tf.tensor2d(ids.slice(0, t), [1, t], 'int32'), lora);
          return all.slice([t - 1, 0], [1, model.config.vocab_size]).dataSync() as Float32Array;
        });
        close(
          tf.tidy(() => forwardCached(tf, model.config, base.provider, ids.slice(t - 1, t), cache, lora).dataSync() as Float32Array),
          full,
        );
        if (t % 8 === 0) {
          const chunk = ids.slice(chunked.length, t);
          close(
            tf.tidy(() => forwardCached(tf, model.config, base.provider, chunk, chunked, lora).dataSync() as Float32Array),
            full,
          );
        }
      }
    } finally {
      cache.dispose();
      chunked.dispose();
      rt.dispose();
    }
  });

  it('rotary embedding as x * [cos, cos] + swap(x) * [-sin, sin] has the bits of [x1 cos - x2 sin, x2 cos + x1 sin]', async () => {
    const rt = await loadRuntime({ baseModel: 'datanet-tiny-llama' });
    const { tf } = rt;
    try {
      const rand = seededRandom(11);
      const [rows, half] = [50, 8];
      const x = tf.tensor4d(
        Float32Array.from({ length: 4 * rows * 2 * half }, () => (rand() - 0.5) * 8),
        [1, 4, rows, 2 * half],
      );
      const c = Float32Array.from({ length: rows * half }, () => Math.cos(rand() * 9));
      const s = Float32Array.from({ length: rows * half }, () => Math.sin(rand() * 9));
      const [x1, x2] = tf.split(x, [half, half], 3);
      const [cos, sin] = [tf.tensor2d(c, [rows, half]), tf.tensor2d(s, [rows, half])];
      const reference = tf.concat([tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x2, cos), tf.mul(x1, sin))], 3);
      const cosFull = tf.concat([cos, cos], 1);
      const sinSigned = tf.concat([tf.neg(sin), sin], 1);
      const perm = tf.tensor1d(
        Int32Array.from({ length: 2 * half }, (_, i) => (i + half) % (2 * half)),
        'int32',
      );
      const ours = tf.add(tf.mul(x, cosFull), tf.mul(tf.gather(x, perm, 3), sinSigned));
      const bytes = (t: { dataSync(): unknown }) => Buffer.from((t.dataSync() as Float32Array).slice().buffer);
      expect(bytes(ours).equals(bytes(reference))).toBe(true);
    } finally {
      rt.dispose();
    }
  });
});
