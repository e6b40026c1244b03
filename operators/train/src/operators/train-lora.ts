import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { defineOperator, runKernel } from '@datanet/pipelines';
import type { TrainKernelArgs } from '../builtin/kernels.js';
import type { BuiltinTrainResult } from '../builtin/lora-trainer.js';
import { renderModelCard } from '../adapter/model-card.js';
import { loraSpecShape, parseLoraSpec, refineLoraSpec, specHash, withQloraDefaults, type LoraSpec } from '../spec/lora-spec.js';
import { registerModel } from '../registry/model-registry.js';
import { datasetTexts } from './dataset-texts.js';

export const TrainLoraConfigSchema = z
  .object({
    ...loraSpecShape,
    backend: z.enum(['builtin', 'peft']).default('builtin'),
    /** Seeded subsample of the train split; the builtin trainer on 2 CPU cores wants a few thousand rows at most. */
    maxTrainRows: z.number().int().positive().optional().default(2000),
    maxEvalRows: z.number().int().positive().optional().default(200),
    splitColumn: z.string().default('split'),
    /** Optimizer steps between saved LoRA checkpoints (builtin; used by TracIn attribution). */
    checkpointEvery: z.number().int().positive().optional(),
    /** Python with torch + transformers + peft, for backend peft. */
    python: z.string().default('python3'),
    /** Registry name; the adapter becomes `<modelName>@<n>`. */
    modelName: z.string().default('adapter'),
    /** Lineage, when the dataset artifact's metadata does not carry it. */
    datasetVersion: z.string().optional(),
    datasetRoot: z.string().optional(),
  })
  .superRefine(refineLoraSpec)
  .transform(withQloraDefaults);

export type TrainLoraConfig = z.output<typeof TrainLoraConfigSchema>;

const BUILTIN_KERNELS = new URL('../builtin/kernels.ts', import.meta.url);

function specOf(config: TrainLoraConfig): LoraSpec {
  const picked = Object.fromEntries(Object.keys(loraSpecShape).map((k) => [k, (config as Record<string, unknown>)[k]]));
  return parseLoraSpec(picked, 'train.lora config');
}

function metaString(meta: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const k of keys) if (typeof meta[k] === 'string') return meta[k] as string;
  return undefined;
}

export const trainLora = defineOperator({
  type: 'train.lora',
  version: '1',
  description:
    'Fine-tunes a LoRA/QLoRA adapter on a dataset version (builtin tfjs trainer on CPU, or transformers + peft on a GPU worker) and writes a PEFT adapter folder.',
  config: TrainLoraConfigSchema,
  inputs: {
    dataset: {
      kind: 'table',
      description: 'prompt + response (or text) rows with a train/eval split column',
      schema: { columns: {}, open: true },
    },
  },
  outputs: {
    adapter: { kind: 'model', description: 'PEFT adapter folder: adapter_config.json, adapter_model.safetensors, README.md, checkpoints/' },
    metrics: { kind: 'report', description: 'eval loss of base and adapter, tokens/s, memory, lineage' },
  },
  resources: { pool: 'gpu' },
  async run(ctx) {
    const spec = specOf(ctx.config);
    const input = ctx.input('dataset');
    const texts = datasetTexts(await input.readTable(), {
      splitColumn: ctx.config.splitColumn,
      evalFraction: spec.evalFraction,
      maxTrainRows: ctx.config.maxTrainRows,
      maxEvalRows: ctx.config.maxEvalRows,
      seed: spec.seed,
      source: `train.lora input dataset (${input.digest})`,
    });
    ctx.logger.info('training rows', {
      train: texts.train.length,
      eval: texts.eval.length,
      available: texts.available,
      backend: ctx.config.backend,
    });
    const outDir = join(ctx.workDir, 'adapter');
    let metrics: Record<string, unknown>;
    let baseModelDigest = 'unknown';
    if (ctx.config.backend === 'builtin') {
      // In a pool thread: the engine's loop stays free for other steps while the model trains.
      const args: TrainKernelArgs = { spec, train: texts.train, eval: texts.eval, outDir, checkpointEvery: ctx.config.checkpointEvery };
      const result = await runKernel<BuiltinTrainResult>(BUILTIN_KERNELS, 'train', args, {
        signal: ctx.signal,
        onProgress: (done, total, message) => ctx.progress(done as number, total as number, message as string),
      });
      baseModelDigest = result.baseModelDigest;
      const { checkpoints, memory, ...rest } = result;
      metrics = {
        ...rest,
        ...Object.fromEntries(Object.entries(memory).map(([k, v]) => [`memory.${k}`, v])),
        checkpoints: checkpoints.map((c) => ({ step: c.step, learningRate: c.learningRate })),
      };
    } else {
      const { trainWithPeft } = await import('../peft/run-peft.js');
      metrics = await trainWithPeft({
        spec,
        train: texts.train,
        eval: texts.eval,
        outDir,
        workDir: join(ctx.workDir, 'peft'),
        python: ctx.config.python,
        signal: ctx.signal,
        onEvent: (e) => {
          if (e.event === 'progress') ctx.progress(e.step, e.total, `loss ${e.loss?.toFixed(4)}`);
          else ctx.logger.info(`peft ${e.event}`, e as Record<string, unknown>);
        },
      });
      delete metrics.event;
    }
    const lineage = {
      baseModel: spec.baseModel,
      baseModelDigest,
      specHash: specHash(spec),
      datasetVersion: ctx.config.datasetVersion ?? metaString(input.meta, 'datasetVersion', 'version', 'id'),
      datasetRoot: ctx.config.datasetRoot ?? metaString(input.meta, 'merkleRoot', 'root'),
      datasetDigest: input.digest,
      backend: ctx.config.backend,
      method: spec.method,
    };
    await writeFile(
      join(outDir, 'README.md'),
      renderModelCard(lineage, { ...metrics, trainRows: texts.train.length, evalRows: texts.eval.length }, spec),
    );
    const ref = await ctx
      .output('adapter')
      .writePath(outDir, { baseModel: spec.baseModel, method: spec.method, backend: ctx.config.backend, specHash: lineage.specHash });
    const model = await registerModel(ctx.db, {
      name: ctx.config.modelName,
      adapterDigest: ref.digest,
      adapterPath: ref.path,
      backend: ctx.config.backend,
      method: spec.method,
      baseModel: spec.baseModel,
      baseModelDigest,
      specHash: lineage.specHash,
      datasetVersion: lineage.datasetVersion ?? null,
      datasetRoot: lineage.datasetRoot ?? null,
      datasetDigest: lineage.datasetDigest,
      metrics,
      createdRun: ctx.run.runId,
    });
    ctx.logger.info('registered model', { model: model.id, evalLoss: metrics.evalLoss, baseEvalLoss: metrics.baseEvalLoss });
    const loss = (x: unknown) => (typeof x === 'number' ? x.toFixed(3) : String(x));
    await ctx.output('metrics').writeReport(
      {
        model: model.id,
        adapterDigest: ref.digest,
        lineage,
        rows: { train: texts.train.length, eval: texts.eval.length, available: texts.available },
        metrics,
        spec,
      },
      undefined,
      {
        summary: [
          `adapter ${model.id} (${ref.digest.slice(0, 19)}): eval loss ${loss(metrics.baseEvalLoss)} (base) -> ${loss(metrics.evalLoss)}`,
        ],
      },
    );
  },
});
