import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from '../src/adapter/safetensors.js';
import { BuiltinGenerator } from '../src/builtin/generate.js';
import { loraGradientsAtCheckpoints, tracInScore } from '../src/builtin/influence.js';
import { trainBuiltinLora, type BuiltinTrainResult } from '../src/builtin/lora-trainer.js';
import { parseLoraSpec, type LoraSpecInput } from '../src/spec/lora-spec.js';
import { formatExample } from '../src/builtin/tokenizer.js';

// A small domain the base model never saw in this form: the adapter must learn its template.
const organs = ['heart', 'liver', 'kidney', 'lung', 'brain', 'skin', 'stomach', 'eye', 'ear', 'bone', 'blood', 'nerve'];
const verbs = ['pumps', 'filters', 'cleans', 'moves', 'protects', 'supports', 'carries', 'senses'];
const texts = organs.flatMap((o, i) =>
  verbs.map((v, j) =>
    formatExample(`What does the ${o} do?`, `The ${o} ${v} the body, doctors say; see a doctor if the ${o} hurts (case ${i * 8 + j}).`),
  ),
);
const train = texts.filter((_, i) => i % 8 !== 0);
const evalTexts = texts.filter((_, i) => i % 8 === 0);

const base: LoraSpecInput = {
  r: 8,
  alpha: 16,
  dropout: 0.05,
  targetModules: 'all-linear',
  learningRate: 3e-3,
  maxSteps: 24,
  batchSize: 8,
  maxSeqLength: 96,
  seed: 11,
  warmupRatio: 0.1,
};

async function train_(over: LoraSpecInput, checkpointEvery?: number) {
  const outDir = await mkdtemp(join(tmpdir(), 'lora-'));
  const result = await trainBuiltinLora({ spec: parseLoraSpec({ ...base, ...over }), train, eval: evalTexts, outDir, checkpointEvery });
  return { outDir, result };
}

describe('builtin LoRA / QLoRA trainer', () => {
  let lora: { outDir: string; result: BuiltinTrainResult };
  let qlora: { outDir: string; result: BuiltinTrainResult };
  beforeAll(async () => {
    lora = await train_({}, 8);
    qlora = await train_({ method: 'qlora' });
  }, 400_000);

  it('lowers eval loss below the base model', () => {
    expect(lora.result.evalLoss).toBeLessThan(lora.result.baseEvalLoss * 0.9);
    expect(lora.result.steps).toBe(24);
    expect(lora.result.trainableParams).toBe(3 * (4 * 8 * (64 + 64) + 2 * 8 * (64 + 176) + 8 * (176 + 64)));
  });

  it('writes lora_A [r, in] and lora_B [out, r] for every targeted layer', async () => {
    const header = await readSafetensorsHeader(join(lora.outDir, 'adapter_model.safetensors'));
    const names = Object.keys(header.tensors);
    expect(names).toHaveLength(3 * 7 * 2);
    expect(header.tensors['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'].shape).toEqual([8, 64]);
    expect(header.tensors['base_model.model.model.layers.2.mlp.down_proj.lora_A.weight'].shape).toEqual([8, 176]);
    expect(header.tensors['base_model.model.model.layers.2.mlp.down_proj.lora_B.weight'].shape).toEqual([64, 8]);
    expect(header.tensors['base_model.model.model.layers.1.mlp.gate_proj.lora_B.weight'].shape).toEqual([176, 8]);
  });

  it('QLoRA keeps the base in NF4, saves memory, and lands within 5% of LoRA', () => {
    expect(qlora.result.memory.savedRatio).toBeGreaterThan(0.85);
    expect(qlora.result.memory.linearStoredBytes).toBeLessThan(qlora.result.memory.linearFp32Bytes / 7);
    expect(lora.result.memory.savedBytes).toBe(0);
    expect(Math.abs(qlora.result.evalLoss - lora.result.evalLoss) / lora.result.evalLoss).toBeLessThan(0.05);
    expect(qlora.result.evalLoss).toBeLessThan(qlora.result.baseEvalLoss);
  });

  it('is deterministic for a seed', async () => {
    const a = await train_({ maxSteps: 3 });
    const b = await train_({ maxSteps: 3 });
    const c = await train_({ maxSteps: 3, seed: 12 });
    expect(a.result.adapterWeightsDigest).toBe(b.result.adapterWeightsDigest);
    expect(c.result.adapterWeightsDigest).not.toBe(a.result.adapterWeightsDigest);
  }, 200_000);

  it('gives TracIn the LoRA gradients and learning rate at each checkpoint', async () => {
    expect(lora.result.checkpoints.map((c) => c.step)).toEqual([8, 16, 24]);
    const probe = [train[0], train[1], evalTexts[0]];
    const g = await loraGradientsAtCheckpoints(lora.outDir, probe);
    expect(g.paramCount).toBe(lora.result.trainableParams);
    expect(g.checkpoints.map((c) => c.learningRate)).toEqual(lora.result.checkpoints.map((c) => c.learningRate));
    for (const cp of g.checkpoints) {
      expect(cp.gradients).toHaveLength(3);
      expect(cp.gradients[0].length).toBe(g.paramCount);
      expect(cp.gradients[0].some((v) => v !== 0)).toBe(true);
      expect(cp.gradients[0].every(Number.isFinite)).toBe(true);
    }
    // Self-influence is a sum of lr * |g|^2: strictly positive.
    expect(tracInScore(g, 0, 0)).toBeGreaterThan(0);
    // The same text gives the same gradient (no dropout at attribution time).
    const again = await loraGradientsAtCheckpoints(lora.outDir, [train[0]]);
    expect(Array.from(again.checkpoints[1].gradients[0].slice(0, 50))).toEqual(Array.from(g.checkpoints[1].gradients[0].slice(0, 50)));
  }, 200_000);

  it('generates deterministically with the adapter, greedy or seeded', async () => {
    const gen = await BuiltinGenerator.load({ adapterDir: lora.outDir });
    try {
      const a = gen.generate('What does the liver do?', { maxNewTokens: 24 });
      const b = gen.generate('What does the liver do?', { maxNewTokens: 24 });
      expect(a).toEqual(b);
      expect(a.outputTokens).toBeGreaterThan(0);
      expect(a.promptTokens).toBe(Buffer.byteLength(formatExample('What does the liver do?')) + 1);
      const s1 = gen.generate('What does the liver do?', { maxNewTokens: 24, temperature: 1, seed: 5 });
      const s2 = gen.generate('What does the liver do?', { maxNewTokens: 24, temperature: 1, seed: 5 });
      expect(s1.output).toBe(s2.output);
      expect(gen.adapterDigest).toBe(lora.result.adapterWeightsDigest);
    } finally {
      gen.dispose();
    }
  }, 200_000);

  it('stops when aborted, with the abort reason', async () => {
    const controller = new AbortController();
    const outDir = await mkdtemp(join(tmpdir(), 'lora-abort-'));
    const run = trainBuiltinLora({
      spec: parseLoraSpec({ ...base, maxSteps: 50 }),
      train,
      eval: evalTexts,
      outDir,
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 2) controller.abort(new Error('cancelled by test'));
      },
    });
    await expect(run).rejects.toThrow('cancelled by test');
  }, 100_000);

  it('refuses target modules the model does not have', async () => {
    await expect(train_({ targetModules: ['query_key_value'] })).rejects.toThrow(/query_key_value not in the builtin model; it has q_proj/);
  });
});
