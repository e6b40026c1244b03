import { parseLoraSpec, type LoraSpec } from './lora-spec.js';
import { KeyTracker, parseTargets, scheduler, type ImportResult } from './config-keys.js';

/**
 * Reads a LLaMA-Factory YAML document: the classic flat schema (`lora_rank`, `lora_target`,
 * `quantization_bit`) and the v1 schema with a nested `peft_config`. LLaMA-Factory's own
 * defaults apply where keys are absent (rank 8, alpha = 2 x rank, dropout 0, target all).
 */
export function fromLlamaFactory(doc: Record<string, unknown>, source: string): ImportResult<LoraSpec> {
  const k = new KeyTracker(doc, source);
  const finetuning = k.string('finetuning_type');
  if (finetuning !== undefined && finetuning !== 'lora') {
    throw new Error(`${source}: finetuning_type: "${finetuning}" is not supported; only lora imports into the LoRA spec`);
  }
  // Supervised and continued pretraining fit the spec; other stages (dpo, ppo, rm) are reported as dropped.
  if (['sft', 'pt'].includes(String(doc.stage))) k.markUsed('stage');
  k.markUsed('do_train');
  const peft = (k.raw('peft_config') ?? undefined) as Record<string, unknown> | undefined;
  const peftDropped: string[] = [];
  if (peft) {
    if (peft.name !== undefined && peft.name !== 'lora')
      throw new Error(`${source}: peft_config.name: "${String(peft.name)}" is not supported; only lora`);
    for (const key of Object.keys(peft))
      if (!['name', 'r', 'lora_alpha', 'lora_dropout', 'target_modules', 'use_rslora'].includes(key))
        peftDropped.push(`peft_config.${key}`);
  }
  const r = Number(peft?.r ?? k.number('lora_rank') ?? 8);
  const bits = k.number('quantization_bit');
  const method = k.string('quantization_method') ?? 'bnb';
  if (bits !== undefined && bits !== 4 && bits !== 8)
    throw new Error(`${source}: quantization_bit: ${bits} is not supported; use 4 (QLoRA) or 8`);
  if (bits !== undefined && method !== 'bnb') throw new Error(`${source}: quantization_method: ${method} is not supported; only bnb`);
  const bf16 = k.bool('bf16');
  const fp16 = k.bool('fp16');
  const computeDtype = bf16 ? 'bfloat16' : fp16 ? 'float16' : 'float32';
  const quantType = k.string('quantization_type');
  const doubleQuant = k.bool('double_quantization');
  const quantization =
    bits === 4
      ? { bits: 4 as const, type: (quantType === 'fp4' ? 'fp4' : 'nf4') as 'nf4' | 'fp4', doubleQuant: doubleQuant ?? true, computeDtype }
      : bits === 8
        ? { bits: 8 as const, type: 'int8' as const, doubleQuant: false, computeDtype }
        : undefined;
  const dataset = k.string('dataset') ?? k.string('train_dataset');
  const spec = parseLoraSpec(
    {
      baseModel: k.string('model_name_or_path') ?? k.string('model'),
      method: bits === 4 ? 'qlora' : 'lora',
      r,
      alpha: Number(peft?.lora_alpha ?? k.number('lora_alpha') ?? r * 2),
      dropout: Number(peft?.lora_dropout ?? k.number('lora_dropout') ?? 0),
      targetModules: parseTargets(peft?.target_modules ?? k.raw('lora_target')) ?? 'all-linear',
      rsLora: Boolean(peft?.use_rslora ?? k.bool('use_rslora') ?? false),
      quantization,
      learningRate: k.number('learning_rate'),
      lrScheduler: scheduler(k.string('lr_scheduler_type')),
      warmupRatio: k.number('warmup_ratio'),
      weightDecay: k.number('weight_decay'),
      epochs: k.number('num_train_epochs'),
      maxSteps: k.number('max_steps'),
      batchSize: k.number('per_device_train_batch_size') ?? k.number('micro_batch_size'),
      gradientAccumulation: k.number('gradient_accumulation_steps'),
      maxSeqLength: k.number('cutoff_len'),
      seed: k.number('seed'),
      evalFraction: k.number('val_size'),
      datasets: dataset
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    },
    source,
  );
  const report = k.report();
  return { format: 'llama-factory', spec, dropped: [...report.dropped, ...peftDropped], empty: report.empty };
}

export function toLlamaFactory(spec: LoraSpec): Record<string, unknown> {
  const q = spec.quantization;
  const out: Record<string, unknown> = { model_name_or_path: spec.baseModel };
  if (q) Object.assign(out, { quantization_bit: q.bits, quantization_method: 'bnb' });
  if (q?.bits === 4) Object.assign(out, { quantization_type: q.type, double_quantization: q.doubleQuant });
  Object.assign(out, {
    stage: 'sft',
    do_train: true,
    finetuning_type: 'lora',
    lora_rank: spec.r,
    lora_alpha: spec.alpha,
    lora_dropout: spec.dropout,
    lora_target: spec.targetModules === 'all-linear' ? 'all' : spec.targetModules.join(','),
  });
  if (spec.rsLora) out.use_rslora = true;
  if (spec.datasets?.length) out.dataset = spec.datasets.join(',');
  Object.assign(out, {
    cutoff_len: spec.maxSeqLength,
    per_device_train_batch_size: spec.batchSize,
    gradient_accumulation_steps: spec.gradientAccumulation,
    learning_rate: spec.learningRate,
    num_train_epochs: spec.epochs,
    lr_scheduler_type: spec.lrScheduler,
    warmup_ratio: spec.warmupRatio,
    weight_decay: spec.weightDecay,
    seed: spec.seed,
    val_size: spec.evalFraction,
  });
  if (spec.maxSteps) out.max_steps = spec.maxSteps;
  if (q && q.computeDtype !== 'float32') out[q.computeDtype === 'float16' ? 'fp16' : 'bf16'] = true;
  return out;
}
