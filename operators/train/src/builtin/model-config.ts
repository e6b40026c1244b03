import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors, type NamedTensor } from '../adapter/safetensors.js';

/** The shipped base model's config, in Hugging Face LlamaConfig field names. */
export interface TinyLlamaConfig {
  architectures: ['LlamaForCausalLM'];
  model_type: 'llama';
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  vocab_size: number;
  max_position_embeddings: number;
  rms_norm_eps: number;
  rope_theta: number;
  tie_word_embeddings: false;
}

/** Linear layers of one decoder block, by their PEFT target-module names. */
export const ATTENTION_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj'] as const;
export const MLP_MODULES = ['gate_proj', 'up_proj', 'down_proj'] as const;
export const LINEAR_MODULES = [...ATTENTION_MODULES, ...MLP_MODULES] as const;
export type LinearModule = (typeof LINEAR_MODULES)[number];

export function linearName(layer: number, module: LinearModule): string {
  const group = (ATTENTION_MODULES as readonly string[]).includes(module) ? 'self_attn' : 'mlp';
  return `model.layers.${layer}.${group}.${module}`;
}

/** [out, in] of a linear layer, as PyTorch stores nn.Linear weights. */
export function linearShape(cfg: TinyLlamaConfig, module: LinearModule): [number, number] {
  const d = cfg.hidden_size;
  const ff = cfg.intermediate_size;
  if (module === 'gate_proj' || module === 'up_proj') return [ff, d];
  if (module === 'down_proj') return [d, ff];
  return [d, d];
}

export interface BaseModel {
  name: string;
  dir: string;
  config: TinyLlamaConfig;
  weights: Record<string, NamedTensor>;
  /** sha256 of model.safetensors: the lineage digest of the base. */
  digest: string;
}

export const MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../models');
export const DEFAULT_BASE_MODEL = 'datanet-tiny-llama';

/** A base model by shipped name (`datanet-tiny-llama`) or by folder path. */
export function resolveModelDir(nameOrPath: string): string {
  const shipped = join(MODELS_DIR, nameOrPath);
  if (/^[a-z0-9-]+$/.test(nameOrPath) && existsSync(shipped)) return shipped;
  if (existsSync(join(nameOrPath, 'config.json'))) return resolve(nameOrPath);
  throw new Error(
    `base model "${nameOrPath}" not found: the builtin backend knows the shipped models under ${MODELS_DIR} ` +
      `or a folder holding config.json + model.safetensors (run operators/train/scripts/pretrain.ts to build one)`,
  );
}

export async function loadBaseModel(nameOrPath: string): Promise<BaseModel> {
  const dir = resolveModelDir(nameOrPath);
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as TinyLlamaConfig;
  const bytes = await readFile(join(dir, 'model.safetensors'));
  const { tensors } = decodeSafetensors(bytes, join(dir, 'model.safetensors'));
  const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
  return { name: nameOrPath, dir, config, weights: tensors, digest };
}
