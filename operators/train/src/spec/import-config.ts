import { readFile, writeFile } from 'node:fs/promises';
import { LineCounter, parseDocument, stringify } from 'yaml';
import { fromAxolotl, toAxolotl } from './axolotl-config.js';
import type { ImportResult } from './config-keys.js';
import { fromLlamaFactory, toLlamaFactory } from './llama-factory-config.js';
import type { LoraSpec } from './lora-spec.js';

export type ExternalFormat = 'axolotl' | 'llama-factory';
export type { ImportResult };

const LLAMA_FACTORY_KEYS = [
  'model_name_or_path',
  'finetuning_type',
  'lora_rank',
  'lora_target',
  'peft_config',
  'cutoff_len',
  'quantization_bit',
  'adapter_name_or_path',
];
const AXOLOTL_KEYS = ['base_model', 'adapter', 'lora_r', 'lora_target_linear', 'lora_target_modules', 'sequence_len', 'micro_batch_size'];

export function detectFormat(doc: Record<string, unknown>, source: string): ExternalFormat {
  const lf = LLAMA_FACTORY_KEYS.filter((k) => k in doc).length;
  const ax = AXOLOTL_KEYS.filter((k) => k in doc).length;
  if (lf === 0 && ax === 0) {
    throw new Error(
      `${source}: neither an Axolotl config (no base_model/adapter/lora_r) nor a LLaMA-Factory one (no model_name_or_path/finetuning_type/lora_rank); pass --from to say which`,
    );
  }
  return lf > ax ? 'llama-factory' : 'axolotl';
}

/** Parses Axolotl or LLaMA-Factory YAML text into our spec, reporting the keys it dropped. */
export function importTrainingConfig(text: string, source: string, format?: ExternalFormat): ImportResult<LoraSpec> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = lineCounter.linePos(e.pos[0]);
    throw new Error(`${source}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`);
  }
  const value = doc.toJS();
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${source}: expected a YAML mapping of training keys`);
  const fmt = format ?? detectFormat(value, source);
  return fmt === 'axolotl' ? fromAxolotl(value, source) : fromLlamaFactory(value, source);
}

export async function importTrainingConfigFile(path: string, format?: ExternalFormat): Promise<ImportResult<LoraSpec>> {
  return importTrainingConfig(await readFile(path, 'utf8'), path, format);
}

export function exportTrainingConfig(spec: LoraSpec, format: ExternalFormat): string {
  const doc = format === 'axolotl' ? toAxolotl(spec) : toLlamaFactory(spec);
  return `# exported by datanet train export --to ${format}\n` + stringify(doc);
}

export async function exportTrainingConfigFile(spec: LoraSpec, format: ExternalFormat, path: string): Promise<void> {
  await writeFile(path, exportTrainingConfig(spec, format));
}
