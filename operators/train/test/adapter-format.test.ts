import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusPath, corpusSkipReason } from '@datanet/pipelines/testing';
import { buildAdapterConfig, parseAdapterConfig } from '../src/adapter/adapter-config.js';
import {
  parsePeftTensorName,
  peftTensorName,
  readAdapterFolder,
  writeAdapterFolder,
  type LoraTensors,
} from '../src/adapter/adapter-folder.js';
import { decodeSafetensors, decodeSafetensorsHeader, encodeSafetensors } from '../src/adapter/safetensors.js';
import { renderModelCard } from '../src/adapter/model-card.js';
import { parseLoraSpec } from '../src/spec/lora-spec.js';

const peftDir = corpusPath('peft-adapter-configs');
if (!peftDir) console.warn(corpusSkipReason('peft-adapter-configs'));

function configs(root: string): string[] {
  return readdirSync(root).flatMap((n) => {
    const p = join(root, n);
    return statSync(p).isDirectory() ? configs(p) : n === 'adapter_config.json' ? [p] : [];
  });
}

describe('safetensors', () => {
  it('round-trips tensors with an 8-byte aligned header and sorted names', () => {
    const bytes = encodeSafetensors(
      { b: { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }, a: { shape: [1], data: Float32Array.from([-0.5]) } },
      { format: 'pt' },
    );
    const n = Number(bytes.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const { header, tensors } = decodeSafetensors(bytes);
    expect(Object.keys(header.tensors)).toEqual(['a', 'b']);
    expect(header.tensors.a.data_offsets).toEqual([0, 4]);
    expect(header.metadata).toEqual({ format: 'pt' });
    expect(Array.from(tensors.b.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects a file whose offsets do not match the shapes', () => {
    const bytes = encodeSafetensors({ a: { shape: [4], data: new Float32Array(4) } });
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
    header.a.shape = [5];
    const bad = Buffer.from(JSON.stringify(header).padEnd(n, ' '));
    expect(() => decodeSafetensorsHeader(Buffer.concat([bytes.subarray(0, 8), bad, bytes.subarray(8 + n)]), 'bad.safetensors')).toThrow(
      /bad\.safetensors: tensor a offsets/,
    );
    expect(() => decodeSafetensorsHeader(Buffer.from([1, 2, 3]), 'tiny')).toThrow(/tiny: too short/);
  });

  it('widens bf16 and f16 on read', () => {
    const header = JSON.stringify({
      h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
      b: { dtype: 'BF16', shape: [1], data_offsets: [2, 4] },
    }).padEnd(64, ' ');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    const data = Buffer.from([0x00, 0x3c, 0x80, 0x3f]); // f16 1.0, bf16 1.0
    const { tensors } = decodeSafetensors(Buffer.concat([len, Buffer.from(header), data]));
    expect(tensors.h.data[0]).toBe(1);
    expect(tensors.b.data[0]).toBe(1);
  });
});

describe('PEFT adapter folder', () => {
  it('writes adapter_config.json and safetensors with PEFT names and [r,in] / [out,r] shapes, and reads them back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adapter-'));
    const r = 4;
    const modules: LoraTensors = new Map([
      [
        'model.layers.0.self_attn.q_proj',
        { A: { shape: [r, 64], data: new Float32Array(r * 64).fill(0.1) }, B: { shape: [64, r], data: new Float32Array(64 * r) } },
      ],
      [
        'model.layers.0.mlp.up_proj',
        { A: { shape: [r, 64], data: new Float32Array(r * 64) }, B: { shape: [176, r], data: new Float32Array(176 * r).fill(1) } },
      ],
    ]);
    const spec = parseLoraSpec({ r, alpha: 8, rsLora: true, targetModules: ['q_proj', 'up_proj'] });
    await writeAdapterFolder(dir, buildAdapterConfig(spec, 'datanet-tiny-llama', ['up_proj', 'q_proj']), modules);
    const raw = await readFile(join(dir, 'adapter_model.safetensors'));
    const header = decodeSafetensorsHeader(raw);
    expect(header.tensors['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'].shape).toEqual([r, 64]);
    expect(header.tensors['base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight'].shape).toEqual([64, r]);
    expect(header.tensors['base_model.model.model.layers.0.mlp.up_proj.lora_B.weight'].shape).toEqual([176, r]);
    const config = JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({
      peft_type: 'LORA',
      r,
      lora_alpha: 8,
      use_rslora: true,
      task_type: 'CAUSAL_LM',
      target_modules: ['q_proj', 'up_proj'],
    });
    const loaded = await readAdapterFolder(dir);
    expect(loaded.modules.get('model.layers.0.mlp.up_proj')!.B.data[0]).toBe(1);
    expect(loaded.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('has the same keys as the adapter configs PEFT writes', async () => {
    if (!peftDir) return;
    const real = JSON.parse(
      await readFile(join(peftDir, 'method_comparison/MetaMathQA/experiments/lora/llama-3.2-3B-rank32/adapter_config.json'), 'utf8'),
    );
    const ours = buildAdapterConfig(parseLoraSpec({}), 'x', ['q_proj']);
    expect(Object.keys(ours).sort()).toEqual(Object.keys(real).sort());
  });

  it('names tensors as PEFT does and refuses what is not a LoRA matrix', async () => {
    expect(peftTensorName('model.layers.0.self_attn.q_proj', 'A')).toBe('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight');
    expect(parsePeftTensorName('base_model.model.model.layers.3.mlp.down_proj.lora_B.weight')).toEqual({
      linear: 'model.layers.3.mlp.down_proj',
      which: 'B',
    });
    expect(parsePeftTensorName('model.embed_tokens.weight')).toBeUndefined();
    const dir = await mkdtemp(join(tmpdir(), 'adapter-bad-'));
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 4 }));
    await writeFile(
      join(dir, 'adapter_model.safetensors'),
      encodeSafetensors({ 'model.embed_tokens.weight': { shape: [1], data: new Float32Array(1) } }),
    );
    await expect(readAdapterFolder(dir)).rejects.toThrow(/is not a LoRA matrix/);
  });

  it('renders a model card with lineage', () => {
    const card = renderModelCard(
      {
        baseModel: 'datanet-tiny-llama',
        baseModelDigest: 'sha256:b',
        specHash: 'sha256:s',
        datasetVersion: 'medical-qa@3',
        datasetRoot: '0xabc',
        datasetDigest: 'sha256:d',
        backend: 'builtin',
        method: 'lora',
      },
      { evalLoss: 1.23456789, baseEvalLoss: 2 },
      { r: 8 },
    );
    expect(card).toMatch(/^---\nlibrary_name: peft\nbase_model: datanet-tiny-llama/);
    for (const s of ['medical-qa@3', '0xabc', 'sha256:s', 'sha256:b', '| evalLoss | 1.23457 |']) expect(card).toContain(s);
  });
});

describe.skipIf(!peftDir)('real PEFT adapter configs', () => {
  const files = peftDir ? configs(peftDir) : [];
  it('includes LoRA and non-LoRA configs', async () => {
    const types = await Promise.all(files.map(async (f) => JSON.parse(await readFile(f, 'utf8')).peft_type));
    expect(types.filter((t) => t === 'LORA').length).toBeGreaterThanOrEqual(10);
    expect(new Set(types)).toEqual(new Set(['LORA', 'IA3', 'ADALORA', 'LOHA', 'PROMPT_TUNING']));
  });
  it.each(files.map((f) => [f.split('experiments/')[1], f]))('%s', async (_name, file) => {
    const json = JSON.parse(await readFile(file, 'utf8'));
    if (json.peft_type === 'LORA') {
      const parsed = parseAdapterConfig(json, file);
      expect(parsed.r).toBe(json.r);
      expect(parsed.alpha).toBe(json.lora_alpha);
      expect(parsed.useDora).toBe(json.use_dora);
      expect(parsed.rsLora).toBe(json.use_rslora);
    } else {
      expect(() => parseAdapterConfig(json, file)).toThrow(
        new RegExp(`peft_type "${json.peft_type}" .* is not supported: datanet .* LoRA adapters only`),
      );
    }
  });
});
