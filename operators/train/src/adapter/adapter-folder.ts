import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildAdapterConfig, parseAdapterConfig, type ParsedLoraConfig, type PeftLoraConfig } from './adapter-config.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor, type SafetensorsHeader } from './safetensors.js';

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
export const CHECKPOINTS_DIR = 'checkpoints';

/** PEFT's state-dict name of a LoRA matrix: `base_model.model.` + the module path + `.lora_A.weight`. */
export function peftTensorName(linear: string, which: 'A' | 'B'): string {
  return `base_model.model.${linear}.lora_${which}.weight`;
}

/** Inverse of peftTensorName: module path and A/B, or undefined for a name that is not a LoRA matrix. */
export function parsePeftTensorName(name: string): { linear: string; which: 'A' | 'B' } | undefined {
  const m = /^base_model\.model\.(.+)\.lora_([AB])(?:\.default)?\.weight$/.exec(name);
  return m ? { linear: m[1], which: m[2] as 'A' | 'B' } : undefined;
}

export type LoraTensors = Map<string, { A: NamedTensor; B: NamedTensor }>;

export function toPeftTensors(modules: LoraTensors): Record<string, NamedTensor> {
  const out: Record<string, NamedTensor> = {};
  for (const [linear, { A, B }] of modules) {
    out[peftTensorName(linear, 'A')] = A;
    out[peftTensorName(linear, 'B')] = B;
  }
  return out;
}

export function fromPeftTensors(tensors: Record<string, NamedTensor>, source: string): LoraTensors {
  const partial = new Map<string, { A?: NamedTensor; B?: NamedTensor }>();
  for (const [name, t] of Object.entries(tensors)) {
    const p = parsePeftTensorName(name);
    if (!p) throw new Error(`${source}: tensor ${name} is not a LoRA matrix (expected base_model.model.<module>.lora_A|lora_B.weight)`);
    const entry = partial.get(p.linear) ?? {};
    entry[p.which] = t;
    partial.set(p.linear, entry);
  }
  const out: LoraTensors = new Map();
  for (const [linear, { A, B }] of partial) {
    if (!A || !B) throw new Error(`${source}: module ${linear} has lora_${A ? 'A' : 'B'} but no lora_${A ? 'B' : 'A'}`);
    if (A.shape[0] !== B.shape[1])
      throw new Error(`${source}: module ${linear}: lora_A is [${A.shape}] but lora_B is [${B.shape}]; ranks differ`);
    out.set(linear, { A, B });
  }
  return out;
}

export async function writeAdapterWeights(
  path: string,
  modules: LoraTensors,
  metadata: Record<string, string> = { format: 'pt' },
): Promise<string> {
  const bytes = encodeSafetensors(toPeftTensors(modules), metadata);
  await writeFile(path, bytes);
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

export interface WrittenAdapter {
  dir: string;
  config: PeftLoraConfig;
  weightsDigest: string;
}

/** Writes adapter_config.json and adapter_model.safetensors (the model card is written by the caller). */
export async function writeAdapterFolder(dir: string, config: PeftLoraConfig, modules: LoraTensors): Promise<WrittenAdapter> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, ADAPTER_CONFIG), JSON.stringify(config, null, 2) + '\n');
  const weightsDigest = await writeAdapterWeights(join(dir, ADAPTER_WEIGHTS), modules);
  return { dir, config, weightsDigest };
}

export interface LoadedAdapter {
  dir: string;
  config: ParsedLoraConfig;
  header: SafetensorsHeader;
  modules: LoraTensors;
  /** sha256 of adapter_model.safetensors. */
  digest: string;
}

export async function readAdapterFolder(dir: string): Promise<LoadedAdapter> {
  const configPath = join(dir, ADAPTER_CONFIG);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (err) {
    throw new Error(`${configPath}: cannot read adapter config (${(err as Error).message}); is ${dir} a PEFT adapter folder?`);
  }
  const config = parseAdapterConfig(json, configPath);
  const weightsPath = join(dir, ADAPTER_WEIGHTS);
  const bytes = await readFile(weightsPath);
  const { header, tensors } = decodeSafetensors(bytes, weightsPath);
  const modules = fromPeftTensors(tensors, weightsPath);
  for (const [linear, { A }] of modules) {
    if (A.shape[0] !== config.r && !Object.keys(config.rankPattern).length) {
      throw new Error(`${weightsPath}: ${linear}.lora_A has rank ${A.shape[0]} but adapter_config.json says r=${config.r}`);
    }
  }
  return { dir, config, header, modules, digest: 'sha256:' + createHash('sha256').update(bytes).digest('hex') };
}

/** Checkpoint folders under <adapter>/checkpoints, oldest first. */
export async function listCheckpoints(dir: string): Promise<string[]> {
  const root = join(dir, CHECKPOINTS_DIR);
  const names = await readdir(root).catch(() => [] as string[]);
  return names
    .filter((n) => /^step-\d+$/.test(n))
    .sort()
    .map((n) => join(root, n));
}

export { buildAdapterConfig };
