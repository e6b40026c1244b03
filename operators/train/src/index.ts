// Light to import: tfjs, the trainer and the Python runner load inside run() and the functions that need them.
export { trainLora, TrainLoraConfigSchema, type TrainLoraConfig } from './operators/train-lora.js';
export {
  inferenceGenerate,
  InferenceConfigSchema,
  inferencesTable,
  INFERENCE_COLUMNS,
  type InferenceConfig,
} from './operators/inference-generate.js';
export * from './spec/lora-spec.js';
export {
  importTrainingConfig,
  importTrainingConfigFile,
  exportTrainingConfig,
  exportTrainingConfigFile,
  detectFormat,
  type ExternalFormat,
  type ImportResult,
} from './spec/import-config.js';
export * from './adapter/safetensors.js';
export * from './adapter/adapter-config.js';
export * from './adapter/adapter-folder.js';
export { renderModelCard, type AdapterLineage } from './adapter/model-card.js';
export { peftScriptArgs } from './peft/peft-args.js';
export { migrateTrainRegistry, TRAIN_MIGRATION_TABLE } from './registry/migrations.js';
export { registerModel, getModel, listModels, type ModelRecord, type NewModel } from './registry/model-registry.js';
export { appendInferences, readInferenceLog, type InferenceRecord } from './registry/inference-log.js';
export { formatExample } from './builtin/tokenizer.js';
export { DEFAULT_BASE_MODEL, MODELS_DIR } from './builtin/model-config.js';

/** TracIn support for attribution: gradients of a text's loss w.r.t. LoRA params at each checkpoint. */
export async function loraGradientsAtCheckpoints(adapterDir: string, texts: string[]) {
  const m = await import('./builtin/influence.js');
  return m.loraGradientsAtCheckpoints(adapterDir, texts);
}
export type { LoraGradientResult, CheckpointGradients } from './builtin/influence.js';
export { tracInScore } from './builtin/influence.js';
