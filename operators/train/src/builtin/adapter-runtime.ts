import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readAdapterFolder, type LoadedAdapter } from '../adapter/adapter-folder.js';
import { loraScale } from '../spec/lora-spec.js';
import { checkLoraShapes, frozenBase, loraToTensors, type FrozenBase } from './lora-runtime.js';
import { loadBaseModel, type BaseModel } from './model-config.js';
import { loadTf, type Tf } from './tf.js';
import type { LoraParams } from './transformer.js';

/** trainer_state.json written beside a builtin adapter. */
export interface TrainerState {
  backend: 'builtin' | 'peft';
  method: 'lora' | 'qlora';
  quantization: { blockSize: number; doubleQuant: boolean } | null;
  base_model: string;
  base_model_digest: string;
  lora_scale: number;
  max_seq_length: number;
  checkpoints: { step: number; learning_rate: number; path: string }[];
}

export async function readTrainerState(adapterDir: string): Promise<TrainerState | undefined> {
  try {
    return JSON.parse(await readFile(join(adapterDir, 'trainer_state.json'), 'utf8')) as TrainerState;
  } catch {
    return undefined;
  }
}

export interface LoadedRuntime {
  tf: Tf;
  model: BaseModel;
  base: FrozenBase;
  adapter?: LoadedAdapter;
  state?: TrainerState;
  lora?: LoraParams;
  dispose(): void;
}

/**
 * Base model (+ adapter) ready for the forward pass. A QLoRA adapter gets the NF4 base it was
 * trained against, so inference and gradients see the same weights as training did.
 */
export async function loadRuntime(opts: { adapterDir?: string; baseModel?: string }): Promise<LoadedRuntime> {
  const tf = await loadTf();
  const adapter = opts.adapterDir ? await readAdapterFolder(opts.adapterDir) : undefined;
  const state = opts.adapterDir ? await readTrainerState(opts.adapterDir) : undefined;
  if (adapter?.config.useDora)
    throw new Error(`${opts.adapterDir}: DoRA adapters (use_dora: true) cannot be applied by the builtin backend`);
  const baseName = opts.baseModel ?? adapter?.config.baseModel ?? state?.base_model;
  if (!baseName)
    throw new Error('no base model: pass --model/baseModel, or use an adapter whose adapter_config.json names base_model_name_or_path');
  const model = await loadBaseModel(baseName);
  if (state && state.base_model_digest !== model.digest) {
    throw new Error(
      `${opts.adapterDir}: trained on base ${state.base_model_digest} but ${baseName} is ${model.digest}; load the base it was trained on`,
    );
  }
  if (adapter) checkLoraShapes(model.config, adapter.modules, opts.adapterDir!);
  const base = frozenBase(tf, model, state?.method === 'qlora' ? (state.quantization ?? { blockSize: 64, doubleQuant: true }) : undefined);
  const lora: LoraParams | undefined = adapter
    ? {
        scale: loraScale({ alpha: adapter.config.alpha, r: adapter.config.r, rsLora: adapter.config.rsLora }),
        dropout: 0,
        modules: loraToTensors(tf, adapter.modules, false),
      }
    : undefined;
  return {
    tf,
    model,
    base,
    adapter,
    state,
    lora,
    dispose() {
      base.dispose();
      if (lora) for (const { A, B } of lora.modules.values()) tf.dispose([A, B]);
    },
  };
}
