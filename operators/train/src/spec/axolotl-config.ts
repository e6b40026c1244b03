import { parseLoraSpec, type LoraSpec } from './lora-spec.js';
import { KeyTracker, parseTargets, scheduler, type ImportResult } from './config-keys.js';

/** Reads an Axolotl YAML document (already parsed) into our spec. */
export function fromAxolotl(doc: Record<string, unknown>, source: string): ImportResult<LoraSpec> {
  const k = new KeyTracker(doc, source);
  const adapter = k.string('adapter');
  if (adapter !== undefined && adapter !== 'lora' && adapter !== 'qlora') {
    throw new Error(`${source}: adapter: "${adapter}" is not supported; only lora and qlora import into the LoRA spec`);
  }
  const in4 = k.bool('load_in_4bit') ?? false;
  const in8 = k.bool('load_in_8bit') ?? false;
  const bnb = (k.raw('bnb_config_kwargs') ?? {}) as Record<string, unknown>;
  const bf16 = k.raw('bf16');
  const fp16 = k.raw('fp16');
  const computeDtype = bf16 === true || bf16 === 'auto' ? 'bfloat16' : fp16 === true ? 'float16' : 'float32';
  const qlora = adapter === 'qlora' || in4;
  const quantization = qlora
    ? {
        bits: 4 as const,
        type: (bnb.bnb_4bit_quant_type === 'fp4' ? 'fp4' : 'nf4') as 'nf4' | 'fp4',
        doubleQuant: bnb.bnb_4bit_use_double_quant === undefined ? true : Boolean(bnb.bnb_4bit_use_double_quant),
        computeDtype: computeDtype as 'bfloat16',
      }
    : in8
      ? { bits: 8 as const, type: 'int8' as const, doubleQuant: false, computeDtype: computeDtype as 'bfloat16' }
      : undefined;
  const linear = k.bool('lora_target_linear');
  const listed = parseTargets(k.raw('lora_target_modules'));
  const datasets = k.raw('datasets');
  const spec = parseLoraSpec(
    {
      baseModel: k.string('base_model'),
      method: qlora ? 'qlora' : 'lora',
      r: k.number('lora_r'),
      alpha: k.number('lora_alpha'),
      dropout: k.number('lora_dropout'),
      // Axolotl unions lora_target_linear with the listed modules: all linear layers either way.
      targetModules: linear ? 'all-linear' : listed,
      rsLora: k.bool('peft_use_rslora'),
      quantization,
      learningRate: k.number('learning_rate'),
      lrScheduler: scheduler(k.string('lr_scheduler')),
      warmupRatio: k.number('warmup_ratio'),
      weightDecay: k.number('weight_decay'),
      epochs: k.number('num_epochs'),
      maxSteps: k.number('max_steps'),
      batchSize: k.number('micro_batch_size'),
      gradientAccumulation: k.number('gradient_accumulation_steps'),
      maxSeqLength: k.number('sequence_len'),
      seed: k.number('seed'),
      evalFraction: k.number('val_set_size'),
      datasets: Array.isArray(datasets) ? datasets.map((d) => String((d as Record<string, unknown>)?.path ?? d)) : undefined,
    },
    source,
  );
  return { format: 'axolotl', spec, ...k.report() };
}

export function toAxolotl(spec: LoraSpec): Record<string, unknown> {
  const q = spec.quantization;
  const out: Record<string, unknown> = {
    base_model: spec.baseModel,
    load_in_8bit: q?.bits === 8,
    load_in_4bit: q?.bits === 4,
  };
  if (q?.bits === 4) out.bnb_config_kwargs = { bnb_4bit_quant_type: q.type, bnb_4bit_use_double_quant: q.doubleQuant };
  if (spec.datasets?.length) out.datasets = spec.datasets.map((path) => ({ path, type: 'alpaca' }));
  Object.assign(out, {
    val_set_size: spec.evalFraction,
    adapter: spec.method,
    sequence_len: spec.maxSeqLength,
    lora_r: spec.r,
    lora_alpha: spec.alpha,
    lora_dropout: spec.dropout,
  });
  if (spec.targetModules === 'all-linear') out.lora_target_linear = true;
  else out.lora_target_modules = spec.targetModules;
  if (spec.rsLora) out.peft_use_rslora = true;
  Object.assign(out, {
    gradient_accumulation_steps: spec.gradientAccumulation,
    micro_batch_size: spec.batchSize,
    num_epochs: spec.epochs,
    lr_scheduler: spec.lrScheduler,
    learning_rate: spec.learningRate,
    warmup_ratio: spec.warmupRatio,
    weight_decay: spec.weightDecay,
    seed: spec.seed,
  });
  if (spec.maxSteps) out.max_steps = spec.maxSteps;
  if (q) out[q.computeDtype === 'float16' ? 'fp16' : 'bf16'] = q.computeDtype !== 'float32';
  return out;
}
