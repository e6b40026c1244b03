import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusPath, corpusSkipReason } from '@datanet/pipelines/testing';

if (!corpusPath('training-configs')) console.warn(corpusSkipReason('training-configs'));
import { exportTrainingConfig, importTrainingConfig, importTrainingConfigFile } from '../src/spec/import-config.js';
import { parseLoraSpec, specHash } from '../src/spec/lora-spec.js';

const dir = corpusPath('training-configs');

function yamlFiles(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const p = join(root, name);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(name) ? [p] : [];
  });
}

describe('LoRA spec', () => {
  it('fills QLoRA defaults and rejects inconsistent quantisation', () => {
    const spec = parseLoraSpec({ method: 'qlora' });
    expect(spec.quantization).toMatchObject({ bits: 4, type: 'nf4', doubleQuant: true, blockSize: 64 });
    expect(() => parseLoraSpec({ method: 'lora', quantization: { bits: 4 } })).toThrow(/method: 4-bit quantisation is QLoRA/);
    expect(() => parseLoraSpec({ r: 0 }, 'x.yaml')).toThrow(/x\.yaml: r:/);
  });

  it('hashes the same spec the same way regardless of key order', () => {
    expect(specHash(parseLoraSpec({ r: 4, alpha: 8 }))).toBe(specHash(parseLoraSpec({ alpha: 8, r: 4 })));
    expect(specHash(parseLoraSpec({ r: 4 }))).not.toBe(specHash(parseLoraSpec({ r: 8 })));
  });

  it('says where a broken YAML file is broken', () => {
    expect(() => importTrainingConfig('lora_r: [1,\n', 'bad.yml')).toThrow(/^bad\.yml:\d+:\d+:/);
    expect(() => importTrainingConfig('foo: 1\n', 'odd.yml')).toThrow(/odd\.yml: neither an Axolotl/);
  });
});

describe.skipIf(!dir)('Axolotl and LLaMA-Factory configs from the corpus', () => {
  const files = dir ? yamlFiles(dir) : [];

  it('finds all 20 files', () => {
    expect(files.length).toBe(20);
  });

  it.each(files.map((f) => [f.slice((dir ?? '').length + 1), f]))('%s imports and round-trips', async (_name, file) => {
    const first = await importTrainingConfigFile(file);
    expect(first.format).toBe(file.includes('LLaMA-Factory') ? 'llama-factory' : 'axolotl');
    for (const to of ['axolotl', 'llama-factory'] as const) {
      const text = exportTrainingConfig(first.spec, to);
      const again = importTrainingConfig(text, `${file} -> ${to}`, to);
      const pick = (s: typeof first.spec) => ({
        r: s.r,
        alpha: s.alpha,
        dropout: s.dropout,
        targets: s.targetModules,
        quantization: s.quantization,
        lr: s.learningRate,
        method: s.method,
        base: s.baseModel,
      });
      expect(pick(again.spec)).toEqual(pick(first.spec));
      expect(again.dropped).toEqual([]);
    }
  });

  it('recovers the values each file states', async () => {
    const ax = await importTrainingConfigFile(join(dir!, 'axolotl/examples/llama-3/qlora-1b.yml'));
    expect(ax.spec).toMatchObject({
      method: 'qlora',
      r: 32,
      alpha: 16,
      dropout: 0.05,
      learningRate: 0.0002,
      maxSeqLength: 2048,
      batchSize: 2,
      gradientAccumulation: 4,
      baseModel: 'NousResearch/Llama-3.2-1B',
    });
    expect(ax.spec.targetModules).toEqual(['gate_proj', 'down_proj', 'up_proj', 'q_proj', 'v_proj', 'k_proj', 'o_proj']);
    expect(ax.spec.quantization).toMatchObject({ bits: 4, type: 'nf4', doubleQuant: true });
    expect(ax.dropped).toEqual(expect.arrayContaining(['optimizer', 'sample_packing', 'gradient_checkpointing']));
    expect(ax.empty).toContain('wandb_project');

    const eight = await importTrainingConfigFile(join(dir!, 'axolotl/examples/llama-3/lora-1b-deduplicate-sft.yml'));
    expect(eight.spec.method).toBe('lora');
    expect(eight.spec.quantization).toMatchObject({ bits: 8, type: 'int8' });
    expect(eight.dropped).toContain('lora_modules_to_save');

    const lf = await importTrainingConfigFile(join(dir!, 'LLaMA-Factory/examples/train_qlora/qwen3_lora_sft_otfq.yaml'));
    expect(lf.spec).toMatchObject({
      method: 'qlora',
      r: 8,
      alpha: 16,
      dropout: 0,
      targetModules: 'all-linear',
      learningRate: 1e-4,
      epochs: 3,
      maxSeqLength: 2048,
    });
    expect(lf.spec.datasets).toEqual(['identity', 'alpaca_en_demo']);
    expect(lf.dropped).toEqual(expect.arrayContaining(['template', 'preprocessing_num_workers', 'ddp_timeout']));

    const v1 = await importTrainingConfigFile(join(dir!, 'LLaMA-Factory/examples/v1/train_lora/train_lora_sft.yaml'));
    expect(v1.spec).toMatchObject({
      r: 16,
      alpha: 32,
      dropout: 0.05,
      targetModules: 'all-linear',
      maxSteps: 10,
      baseModel: 'Qwen/Qwen3-4B',
    });
    expect(v1.dropped).toEqual(expect.arrayContaining(['kernel_config', 'dist_config']));
  });
});
