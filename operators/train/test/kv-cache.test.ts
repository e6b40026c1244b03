import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdapterConfig } from '../src/adapter/adapter-config.js';
import { writeAdapterFolder } from '../src/adapter/adapter-folder.js';
import { BuiltinGenerator } from '../src/builtin/generate.js';
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
});
