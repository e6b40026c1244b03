import { createHash } from 'node:crypto';
import { z } from 'zod';

/** PEFT target-module names, or every linear layer of the decoder (PEFT's `all-linear`). */
export const TargetModulesSchema = z.union([z.array(z.string().min(1)).min(1), z.literal('all-linear')]);

export const QuantizationSchema = z.object({
  /** 4 for QLoRA (bitsandbytes NF4/FP4); 8 for LLM.int8 loading under plain LoRA. */
  bits: z.union([z.literal(4), z.literal(8)]).default(4),
  type: z.enum(['nf4', 'fp4', 'int8']).default('nf4'),
  /** Quantise the per-block absmax scales again (QLoRA's double quantisation). */
  doubleQuant: z.boolean().default(true),
  /** dtype the dequantised weights are computed in. The builtin backend computes in float32 whatever this says. */
  computeDtype: z.enum(['float32', 'bfloat16', 'float16']).default('bfloat16'),
  blockSize: z.number().int().positive().default(64),
});

/**
 * One LoRA/QLoRA fine-tuning spec, whichever backend runs it. Field names are ours; `train import`
 * maps Axolotl and LLaMA-Factory keys onto them.
 */
export const loraSpecShape = {
  baseModel: z.string().min(1).default('datanet-tiny-llama'),
  method: z.enum(['lora', 'qlora']).default('lora'),
  r: z.number().int().positive().default(8),
  alpha: z.number().positive().default(16),
  dropout: z.number().min(0).max(1).default(0.05),
  targetModules: TargetModulesSchema.default(['q_proj', 'k_proj', 'v_proj', 'o_proj']),
  /** rsLoRA: scale by alpha/sqrt(r) instead of alpha/r. */
  rsLora: z.boolean().default(false),
  quantization: QuantizationSchema.optional(),
  learningRate: z.number().positive().default(2e-4),
  lrScheduler: z.enum(['cosine', 'linear', 'constant']).default('cosine'),
  warmupRatio: z.number().min(0).max(1).default(0.03),
  weightDecay: z.number().min(0).default(0),
  epochs: z.number().positive().default(1),
  /** Caps optimizer steps whatever `epochs` says. */
  maxSteps: z.number().int().positive().optional(),
  batchSize: z.number().int().positive().default(8),
  gradientAccumulation: z.number().int().positive().default(1),
  maxSeqLength: z.number().int().positive().default(128),
  seed: z.number().int().default(42),
  evalFraction: z.number().min(0).max(0.9).default(0.1),
  /** Dataset references carried over from an imported config (informational; the operator's input wins). */
  datasets: z.array(z.string()).optional(),
};

type SpecCore = {
  method: 'lora' | 'qlora';
  quantization?: { bits: 4 | 8; type: string };
};

/** Cross-field rules, shared by every schema that embeds the spec (the operator config too). */
export function refineLoraSpec(spec: SpecCore, ctx: z.RefinementCtx): void {
  if (spec.method === 'qlora' && spec.quantization && spec.quantization.bits !== 4) {
    ctx.addIssue({
      code: 'custom',
      path: ['quantization'],
      message: 'method qlora quantises the base to 4 bits (NF4): set quantization.bits to 4 or drop the block',
    });
  }
  if (spec.method === 'lora' && spec.quantization?.bits === 4) {
    ctx.addIssue({
      code: 'custom',
      path: ['method'],
      message: '4-bit quantisation is QLoRA: set method: qlora',
    });
  }
  if (spec.quantization && spec.quantization.bits === 8 && spec.quantization.type !== 'int8') {
    ctx.addIssue({
      code: 'custom',
      path: ['quantization', 'type'],
      message: '8-bit loading is LLM.int8: type must be int8',
    });
  }
}

/**
 * `method: qlora` without a quantization block gets QLoRA's own (NF4, double quantisation). A
 * trailing transform rather than a preprocess, so the JSON Schema of the input stays representable.
 */
export function withQloraDefaults<T extends { method: 'lora' | 'qlora'; quantization?: unknown }>(spec: T): T {
  if (spec.method === 'qlora' && spec.quantization === undefined) return { ...spec, quantization: QuantizationSchema.parse({}) };
  return spec;
}

export const LoraSpecSchema = z.object(loraSpecShape).superRefine(refineLoraSpec).transform(withQloraDefaults);

export type LoraSpec = z.output<typeof LoraSpecSchema>;
export type LoraSpecInput = z.input<typeof LoraSpecSchema>;

/** Fills defaults; for `method: qlora` without a quantization block, QLoRA's own (NF4, double quant). */
export function parseLoraSpec(input: unknown, source = 'training spec'): LoraSpec {
  const result = LoraSpecSchema.safeParse(input ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${source}: ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(lines.join('\n'));
  }
  return result.data;
}

/** The LoRA scale applied to B·A·x. */
export function loraScale(spec: Pick<LoraSpec, 'alpha' | 'r' | 'rsLora'>): number {
  return spec.rsLora ? spec.alpha / Math.sqrt(spec.r) : spec.alpha / spec.r;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** sha256 of the canonical JSON of the spec: the lineage key of "how this adapter was trained". */
export function specHash(spec: LoraSpec): string {
  return (
    'sha256:' +
    createHash('sha256')
      .update(JSON.stringify(canonical(spec)))
      .digest('hex')
  );
}
