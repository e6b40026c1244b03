import type { LoraSpec } from '../spec/lora-spec.js';

export interface PeftRunFiles {
  trainFile: string;
  evalFile: string;
  outputDir: string;
}

/**
 * The spec as command-line flags of python/train_peft.py. Every spec field has a flag, so what
 * the GPU worker trains is exactly what the spec (and its hash in the model card) says.
 */
export function peftScriptArgs(spec: LoraSpec, files: PeftRunFiles): string[] {
  const args = [
    '--base-model',
    spec.baseModel,
    '--method',
    spec.method,
    '--r',
    String(spec.r),
    '--lora-alpha',
    String(spec.alpha),
    '--lora-dropout',
    String(spec.dropout),
    '--target-modules',
    spec.targetModules === 'all-linear' ? 'all-linear' : spec.targetModules.join(','),
    '--learning-rate',
    String(spec.learningRate),
    '--lr-scheduler',
    spec.lrScheduler,
    '--warmup-ratio',
    String(spec.warmupRatio),
    '--weight-decay',
    String(spec.weightDecay),
    '--epochs',
    String(spec.epochs),
    '--batch-size',
    String(spec.batchSize),
    '--grad-accum',
    String(spec.gradientAccumulation),
    '--max-seq-length',
    String(spec.maxSeqLength),
    '--seed',
    String(spec.seed),
    '--train-file',
    files.trainFile,
    '--eval-file',
    files.evalFile,
    '--output-dir',
    files.outputDir,
  ];
  if (spec.maxSteps) args.push('--max-steps', String(spec.maxSteps));
  if (spec.rsLora) args.push('--use-rslora');
  const q = spec.quantization;
  if (q?.bits === 4) {
    args.push('--load-in-4bit', '--bnb-4bit-quant-type', q.type, '--bnb-4bit-compute-dtype', q.computeDtype);
    if (q.doubleQuant) args.push('--bnb-4bit-use-double-quant');
  } else if (q?.bits === 8) {
    args.push('--load-in-8bit');
  }
  return args;
}
