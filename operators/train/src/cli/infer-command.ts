import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { CliError, UsageError, type CliEnv, type RegisterCommand } from '@datanet/pipelines';
import { appendInferences, type InferenceRecord } from '../registry/inference-log.js';
import { getModel, listModels } from '../registry/model-registry.js';

export interface InferOptions {
  model: string;
  prompt: string;
  maxNewTokens?: number;
  temperature?: number;
  seed?: number;
  feePerToken?: string;
}

/**
 * `datanet infer --model ID "prompt"`: generates with a registered adapter (or a shipped base
 * model by name) and appends the inference to the log.
 */
export async function infer(db: Kysely<any>, opts: InferOptions): Promise<InferenceRecord & { model: string }> {
  if (!opts.prompt?.trim()) throw new UsageError('a prompt is required: datanet infer --model ID "prompt"');
  if (opts.feePerToken !== undefined && !/^\d+$/.test(opts.feePerToken))
    throw new UsageError('--fee-per-token must be a non-negative integer (token base units)');
  const record = await getModel(db, opts.model);
  const { BuiltinGenerator } = await import('../builtin/generate.js');
  let gen;
  try {
    gen = record ? await BuiltinGenerator.load({ adapterDir: record.adapterPath }) : await BuiltinGenerator.load({ baseModel: opts.model });
  } catch (err) {
    if (!record)
      throw new CliError(
        `model ${opts.model} is neither in the registry (datanet infer --list) nor a shipped base model: ${(err as Error).message}`,
      );
    throw new CliError((err as Error).message);
  }
  try {
    const g = gen.generate(opts.prompt, { maxNewTokens: opts.maxNewTokens, temperature: opts.temperature, seed: opts.seed });
    const row: InferenceRecord = {
      inferenceId: 'inf_' + randomUUID().replace(/-/g, ''),
      modelId: record?.id ?? opts.model,
      baseModel: gen.baseModel,
      adapterDigest: gen.adapterDigest,
      prompt: opts.prompt,
      output: g.output,
      promptTokens: g.promptTokens,
      outputTokens: g.outputTokens,
      fee: BigInt(opts.feePerToken ?? '0') * BigInt(g.promptTokens + g.outputTokens),
      source: 'cli',
      runId: null,
      createdAt: Date.now(),
    };
    await appendInferences(db, [row]);
    return { ...row, model: row.modelId! };
  } finally {
    gen.dispose();
  }
}

const int = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer, got "${v}"`);
  return n;
};

const register: RegisterCommand = (program: Command, env: CliEnv) => {
  program
    .command('infer')
    .description('generate with a registered LoRA adapter (builtin backend, CPU) and log the inference')
    .argument('[prompt]', 'the prompt')
    .option('--model <id>', 'registry id (name@version, or name for the latest) or a shipped base model')
    .option('--max-new-tokens <n>', 'tokens to generate', int('--max-new-tokens'), 64)
    .option('--temperature <t>', '0 = greedy (default); above 0 samples with --seed', (v) => Number(v), 0)
    .option('--seed <n>', 'sampling seed', int('--seed'), 0)
    .option('--fee-per-token <units>', 'fee per token in base units', '0')
    .option('--list', 'list registered models instead')
    .action(
      async (
        prompt: string | undefined,
        opts: { model?: string; maxNewTokens: number; temperature: number; seed: number; feePerToken: string; list?: boolean },
      ) => {
        const { db } = await env.openDb();
        if (opts.list) {
          const models = await listModels(db);
          if (env.json) return env.result(models);
          for (const m of models)
            env.say(
              `${m.id}\t${m.method}/${m.backend}\tbase ${m.baseModel}\tdataset ${m.datasetVersion ?? '-'}\teval ${m.metrics.evalLoss ?? '-'}`,
            );
          return;
        }
        if (!opts.model) throw new UsageError('--model is required (see datanet infer --list)');
        const r = await infer(db, {
          model: opts.model,
          prompt: prompt ?? '',
          maxNewTokens: opts.maxNewTokens,
          temperature: opts.temperature,
          seed: opts.seed,
          feePerToken: opts.feePerToken,
        });
        if (env.json) return env.result({ ...r, fee: r.fee.toString() });
        env.say(r.output);
        env.say(`# ${r.inferenceId} model ${r.model} tokens ${r.promptTokens}+${r.outputTokens} fee ${r.fee}`);
      },
    );
};

export default register;
