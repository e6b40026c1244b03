import { createHash } from 'node:crypto';
import { Int32, Table, TimestampMillisecond, Utf8, vectorFromArray } from 'apache-arrow';
import { z } from 'zod';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineOperator, kernelThreads, runKernel, type OperatorContext } from '@datanet/pipelines';
import type { GenerateKernelArgs, GenerateKernelResult } from '../builtin/kernels.js';
import type { Generation } from '../builtin/generate.js';
import { appendInferences, type InferenceRecord } from '../registry/inference-log.js';
import { getModel } from '../registry/model-registry.js';

export const InferenceConfigSchema = z.object({
  /** Registry id (`name@3` or `name` for the latest); its adapter is used unless an `adapter` input is wired. */
  model: z.string().optional(),
  /** Base model when neither a registry model nor an adapter is given. */
  baseModel: z.string().default('datanet-tiny-llama'),
  prompts: z.array(z.string().min(1)).optional(),
  promptColumn: z.string().default('prompt'),
  maxNewTokens: z.number().int().positive().max(1024).default(64),
  /** 0 = greedy; above 0 = seeded sampling (deterministic for the seed). */
  temperature: z.number().min(0).default(0),
  topK: z.number().int().min(0).default(0),
  seed: z.number().int().default(0),
  /** Fee per token (prompt + output) in token base units, as a decimal string: it may exceed 2^53. */
  feePerToken: z.string().regex(/^\d+$/, 'feePerToken must be a non-negative integer in base units, as a string').default('0'),
  /** Append each inference to the registry's inference_log (what attribution reads). */
  log: z.boolean().default(true),
  /** builtin: tfjs on CPU; peft: transformers + peft in a child Python (GPU workers). */
  backend: z.enum(['builtin', 'peft']).default('builtin'),
  python: z.string().default('python3'),
});

export type InferenceConfig = z.output<typeof InferenceConfigSchema>;

const GENERATE_KERNELS = new URL('../builtin/kernels.ts', import.meta.url);

export const INFERENCE_COLUMNS = {
  inference_id: 'utf8',
  model: 'utf8',
  adapter_digest: 'utf8',
  prompt: 'utf8',
  output: 'utf8',
  prompt_tokens: 'int32',
  output_tokens: 'int32',
  fee: 'utf8',
  time: 'timestamp',
} as const;

export function inferencesTable(rows: InferenceRecord[]): Table {
  return new Table({
    inference_id: vectorFromArray(
      rows.map((r) => r.inferenceId),
      new Utf8(),
    ),
    model: vectorFromArray(
      rows.map((r) => r.modelId ?? r.baseModel),
      new Utf8(),
    ),
    adapter_digest: vectorFromArray(
      rows.map((r) => r.adapterDigest),
      new Utf8(),
    ),
    prompt: vectorFromArray(
      rows.map((r) => r.prompt),
      new Utf8(),
    ),
    output: vectorFromArray(
      rows.map((r) => r.output),
      new Utf8(),
    ),
    prompt_tokens: vectorFromArray(
      rows.map((r) => r.promptTokens),
      new Int32(),
    ),
    output_tokens: vectorFromArray(
      rows.map((r) => r.outputTokens),
      new Int32(),
    ),
    fee: vectorFromArray(
      rows.map((r) => r.fee.toString()),
      new Utf8(),
    ),
    time: vectorFromArray(
      rows.map((r) => r.createdAt),
      new TimestampMillisecond(),
    ),
  });
}

export const inferenceGenerate = defineOperator({
  type: 'inference.generate',
  version: '1',
  description:
    'Generates completions with a base model + LoRA adapter (builtin backend on CPU, or peft on a GPU worker), deterministic for a seed, and appends them to the inference log.',
  config: InferenceConfigSchema,
  inputs: {
    prompts: { kind: 'table', optional: true, description: 'a table with the prompt column', schema: { columns: {}, open: true } },
    adapter: { kind: 'model', optional: true, description: 'a PEFT adapter folder from train.lora' },
  },
  outputs: {
    inferences: { kind: 'table', schema: { columns: { ...INFERENCE_COLUMNS }, open: false } },
  },
  resources: { pool: 'cpu' },
  async run(ctx) {
    const { config } = ctx;
    const prompts: string[] = [...(config.prompts ?? [])];
    const table = ctx.inputs.prompts;
    if (table) {
      const t = await table.readTable();
      const col = t.getChild(config.promptColumn);
      if (!col)
        throw new Error(
          `inference.generate: input prompts has no column "${config.promptColumn}" (it has ${t.schema.fields.map((f) => f.name).join(', ')}); set promptColumn`,
        );
      for (const p of col.toArray() as (string | null)[]) if (p) prompts.push(p);
    }
    if (!prompts.length) throw new Error('inference.generate: no prompts; give config.prompts or wire a prompts table');
    let adapterDir = ctx.inputs.adapter?.path;
    let modelId: string | null = null;
    if (config.model) {
      const record = await getModel(ctx.db, config.model);
      if (!record)
        throw new Error(
          `inference.generate: model ${config.model} is not in the registry; train one with train.lora (see \`datanet infer --list\`)`,
        );
      modelId = record.id;
      adapterDir ??= record.adapterPath;
    }
    const fee = BigInt(config.feePerToken);
    const { generations, baseModel, adapterDigest } = await generateAll(ctx, prompts, adapterDir);
    const rows: InferenceRecord[] = generations.map((g, i) => ({
      // Same step, same prompt position -> same id, so a retried step logs nothing twice.
      inferenceId: 'inf_' + createHash('sha256').update(`${ctx.idempotencyKey}:${i}`).digest('hex').slice(0, 32),
      modelId: modelId ?? (adapterDigest ? `adapter:${adapterDigest}` : null),
      baseModel,
      adapterDigest,
      prompt: prompts[i],
      output: g.output,
      promptTokens: g.promptTokens,
      outputTokens: g.outputTokens,
      fee: fee * BigInt(g.promptTokens + g.outputTokens),
      source: 'operator',
      runId: ctx.run.runId,
      createdAt: Date.now(),
    }));
    if (config.log) await appendInferences(ctx.db, rows);
    await ctx.output('inferences').writeTable(inferencesTable(rows));
  },
});

async function generateAll(
  ctx: OperatorContext<InferenceConfig>,
  prompts: string[],
  adapterDir: string | undefined,
): Promise<{ generations: Generation[]; baseModel: string; adapterDigest: string | null }> {
  const { config } = ctx;
  const opts = { maxNewTokens: config.maxNewTokens, temperature: config.temperature, topK: config.topK };
  if (config.backend === 'peft') {
    const { generateWithPeft } = await import('../peft/generate-peft.js');
    const { formatExample } = await import('../builtin/tokenizer.js');
    const generations = await generateWithPeft({
      ...opts,
      seed: config.seed,
      prompts: prompts.map((p) => formatExample(p)),
      adapterDir,
      baseModel: adapterDir ? undefined : config.baseModel,
      workDir: ctx.workDir,
      python: config.python,
      signal: ctx.signal,
    });
    const digest = adapterDir
      ? 'sha256:' +
        createHash('sha256')
          .update(await readFile(join(adapterDir, 'adapter_model.safetensors')))
          .digest('hex')
      : null;
    return { generations, baseModel: config.baseModel, adapterDigest: digest };
  }
  // Prompts are independent (prompt i has seed + i), so they are split over the pool's threads and
  // put back in order: the same generations as one loop, on every core.
  const parts = Math.min(kernelThreads(), prompts.length);
  const size = Math.ceil(prompts.length / parts);
  const done = new Array<number>(parts).fill(0);
  const results = await Promise.all(
    Array.from({ length: parts }, (_, p) => {
      const args: GenerateKernelArgs = {
        adapterDir,
        baseModel: adapterDir ? undefined : config.baseModel,
        prompts: prompts.slice(p * size, (p + 1) * size),
        seed: config.seed + p * size,
        opts,
      };
      return runKernel<GenerateKernelResult>(GENERATE_KERNELS, 'generate', args, {
        signal: ctx.signal,
        onProgress: (n) => {
          done[p] = n as number;
          ctx.progress(
            done.reduce((a, b) => a + b, 0),
            prompts.length,
          );
        },
      });
    }),
  );
  return { generations: results.flatMap((r) => r.generations), baseModel: results[0].baseModel, adapterDigest: results[0].adapterDigest };
}
