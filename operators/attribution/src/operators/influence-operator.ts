import { defineOperator, kernelThreads, runKernel } from '@datanet/pipelines';
import { z } from 'zod';
import { influenceScores, type TrainingText } from '../influence/tracin.js';
import type { InfluenceKernelArgs } from '../influence/tracin-kernel.js';

const INFLUENCE_KERNEL = new URL('../influence/tracin-kernel.ts', import.meta.url);
import { attributionTable, ATTRIBUTION_COLUMNS, type AttributionRow } from './spans-operator.js';

export const influenceConfig = z.object({
  maxTrainRows: z
    .number()
    .int()
    .positive()
    .default(2000)
    .describe('training rows scored (the first ones in contribution order); TracIn costs one gradient per row and checkpoint'),
  topContributions: z.number().int().positive().default(20).describe('contributions kept per inference'),
  batch: z.number().int().positive().default(32).describe('training texts per gradient batch'),
  promptColumn: z.string().default('prompt'),
  outputColumn: z.string().default('output'),
});

// Same layout as the trainer's rows (operators/train formatExample + its whitespace tidy), so
// training and test gradients are taken on the same kind of text.
const tidy = (t: string) =>
  t
    .replace(/[ \t]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n')
    .trim();

export const attributionInfluence = defineOperator({
  type: 'attribution.influence',
  version: '1',
  description:
    'TracIn attribution for builtin-trained adapters: sum over saved checkpoints of lr x <grad(train row), grad(inference)> over the LoRA parameters; positive influence only, normalised per inference.',
  config: influenceConfig,
  inputs: {
    model: { kind: 'model', description: 'train.lora adapter folder with checkpoints (backend builtin, checkpointEvery set)' },
    dataset: {
      kind: 'table',
      description: 'the dataset version the adapter was trained on: prompt + response (or text), contribution_id, contributor',
      schema: { columns: { contribution_id: 'utf8', contributor: 'utf8' }, open: true },
    },
    inferences: {
      kind: 'table',
      description: 'inference_id, prompt and output of each inference',
      schema: (c) => ({ columns: { inference_id: 'utf8', [c.promptColumn]: 'utf8', [c.outputColumn]: 'utf8' }, open: true }),
    },
  },
  outputs: {
    attributions: {
      kind: 'table',
      description: 'same columns as attribution.spans; evidence holds the raw influence',
      schema: { columns: ATTRIBUTION_COLUMNS, open: false },
    },
  },
  resources: { pool: 'cpu' },
  async run(ctx) {
    const c = ctx.config;
    const { formatExample } = await import('@datanet/train');
    const adapterDir = ctx.input('model').path;
    const rows = await trainingTexts(await ctx.input('dataset').readTable(), formatExample, c.maxTrainRows);
    const inf = await ctx.input('inferences').readTable();
    const ids: string[] = [];
    const tests: string[] = [];
    for (let i = 0; i < inf.numRows; i++) {
      ids.push(String(inf.getChild('inference_id')!.get(i)));
      tests.push(
        formatExample(tidy(String(inf.getChild(c.promptColumn)!.get(i) ?? '')), tidy(String(inf.getChild(c.outputColumn)!.get(i) ?? ''))),
      );
    }
    // Training rows are independent: contiguous slices go to the pool's threads (each also takes
    // the few test gradients), and the joined matrix is scored in training order as in one pass.
    const parts = Math.max(1, Math.min(kernelThreads(), Math.ceil(rows.length / c.batch)));
    const size = Math.ceil(rows.length / parts);
    const done = new Array<number>(parts).fill(0);
    const slices = await Promise.all(
      Array.from({ length: parts }, (_, p) => {
        const args: InfluenceKernelArgs = {
          adapterDir,
          train: rows.slice(p * size, (p + 1) * size).map((r) => r.text),
          tests,
          batch: c.batch,
        };
        return runKernel<Float64Array>(INFLUENCE_KERNEL, 'influence', args, {
          signal: ctx.signal,
          onProgress: (n) => {
            done[p] = n as number;
            ctx.progress(
              done.reduce((a, b) => a + b, 0),
              rows.length,
              'training gradients',
            );
          },
        });
      }),
    );
    const matrix = new Float64Array(rows.length * tests.length);
    slices.forEach((m, p) => matrix.set(m, p * size * tests.length));
    const scores = influenceScores(rows, tests.length, matrix);
    const out: AttributionRow[] = [];
    scores.forEach((list, j) => {
      for (const s of list.slice(0, c.topContributions)) {
        out.push({
          inferenceId: ids[j],
          contributionId: s.contributionId,
          contributor: s.contributor,
          score: s.score,
          evidence: JSON.stringify({ method: 'tracin', influence: s.influence }),
        });
      }
    });
    ctx.logger.info(`TracIn over ${rows.length} training rows and ${tests.length} inferences: ${out.length} attribution rows`);
    await ctx.output('attributions').writeTable(attributionTable(out), { method: 'tracin', trainRows: rows.length });
  },
});

async function trainingTexts(
  table: import('apache-arrow').Table,
  format: (p: string, r?: string) => string,
  max: number,
): Promise<TrainingText[]> {
  const get = (n: string) => table.getChild(n);
  const id = get('contribution_id')!;
  const who = get('contributor')!;
  const [prompt, response, text, split] = [get('prompt'), get('response'), get('text'), get('split')];
  if (!text && !(prompt && response))
    throw new Error(`dataset needs prompt + response or text columns (it has: ${table.schema.fields.map((f) => f.name).join(', ')})`);
  const out: TrainingText[] = [];
  for (let i = 0; i < table.numRows && out.length < max; i++) {
    // Eval rows never moved the weights: they have no influence to credit.
    if (split && String(split.get(i)) !== 'train') continue;
    const t = text ? tidy(String(text.get(i) ?? '')) : format(tidy(String(prompt!.get(i) ?? '')), tidy(String(response!.get(i) ?? '')));
    if (t) out.push({ text: t, contributionId: String(id.get(i)), contributor: String(who.get(i)) });
  }
  return out;
}
