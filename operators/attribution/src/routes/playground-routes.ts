import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { RunReader, runKernel } from '@datanet/pipelines';
import type { RegisterRoutes } from '@datanet/pipelines/server';
import { getModel } from '@datanet/train';
import type { PlaygroundAttributeArgs, PlaygroundAttributeResult } from './playground-kernel.js';

const MAX_PROMPT_CHARS = 500;
const MAX_NEW_TOKENS = 128;
/** Generations per minute per caller, and at once on this server: each holds a pool thread for seconds. */
const PER_MINUTE = 6;
const AT_ONCE = 2;

const PLAYGROUND_KERNEL = new URL('./playground-kernel.ts', import.meta.url);
// The builtin generator's kernel (tfjs + the adapter), as inference.generate runs it.
const GENERATE_KERNEL = new URL('./builtin/kernels.ts', pathToFileURL(createRequire(import.meta.url).resolve('@datanet/train')));

const Refusal = z.object({ error: z.string(), message: z.string() });
const Contribution = z.object({ contributionId: z.string(), contributor: z.string() });

interface GenerateResult {
  generations: { output: string; promptTokens: number; outputTokens: number }[];
  adapterDigest: string | null;
}

/**
 * The playground: a prompt through a registered adapter (builtin backend, greedy), then the
 * output's evidence spans in the dataset the adapter was trained on, each with the contributions
 * it matched. Both run in the kernel thread pool; nothing is logged as a paid inference.
 */
const register: RegisterRoutes = (app, ctx) => {
  let running = 0;
  /** `datanet@N` of the dataset version whose Parquet file this is, when one is registered. */
  async function versionOfDataset(digest: string): Promise<string | null> {
    const row = await ctx.db
      .selectFrom('dataset_versions')
      .select(['datanet', 'version'])
      .where('dataset_digest', '=', digest)
      .orderBy('version')
      .executeTakeFirst()
      .catch(() => undefined);
    return row ? `${row.datanet}@${Number(row.version)}` : null;
  }

  app.post(
    '/v1/models/:model/generate',
    {
      config: {
        access: { role: 'contributor', why: 'generation costs seconds of CPU: signed-in callers only' },
        rateLimit: { max: PER_MINUTE, timeWindow: '1 minute' },
      },
      schema: {
        tags: ['models'],
        summary: `Playground: generate with an adapter (prompt <= ${MAX_PROMPT_CHARS} chars, <= ${MAX_NEW_TOKENS} tokens) and attribute the output's spans to contributions`,
        params: z.object({ model: z.string().min(1).max(200) }),
        body: z.object({
          prompt: z.string().trim().min(1).max(MAX_PROMPT_CHARS),
          maxNewTokens: z.number().int().min(1).max(MAX_NEW_TOKENS).default(64),
          minTokens: z.number().int().min(1).max(50).default(3),
        }),
        response: {
          200: z.object({
            model: z.string(),
            datasetVersion: z.string().nullable(),
            prompt: z.string(),
            output: z.string(),
            promptTokens: z.number(),
            outputTokens: z.number(),
            words: z.number(),
            spans: z.array(
              z.object({
                start: z.number(),
                end: z.number(),
                text: z.string(),
                count: z.number(),
                weight: z.number(),
                contributions: z.array(Contribution),
                contributionCount: z.number(),
              }),
            ),
            contributions: z.array(Contribution.extend({ score: z.number() })),
            elapsedMs: z.number(),
          }),
          404: Refusal,
          409: Refusal,
          429: Refusal,
        },
      },
    },
    async (req, reply) => {
      const model = await getModel(ctx.db, req.params.model);
      if (!model) return reply.code(404).send({ error: 'unknown_model', message: `no model ${req.params.model}` });
      if (model.backend !== 'builtin')
        return reply.code(409).send({
          error: 'not_builtin',
          message: `model ${model.id} was trained with the ${model.backend} backend; the playground runs builtin (CPU) adapters only`,
        });
      if (!existsSync(model.adapterPath))
        return reply
          .code(404)
          .send({ error: 'artifact_missing', message: `the adapter of ${model.id} is no longer in this server's state folder` });
      const dataset = model.datasetDigest ? await new RunReader(ctx.db).artifact(model.datasetDigest) : undefined;
      if (!dataset || !existsSync(dataset.path))
        return reply.code(409).send({
          error: 'no_dataset',
          message: `model ${model.id} does not name a dataset this server holds, so its output cannot be attributed`,
        });
      if (running >= AT_ONCE)
        return reply
          .code(429)
          .header('retry-after', '5')
          .send({ error: 'busy', message: `${AT_ONCE} generations are running; retry in a few seconds` });
      running++;
      const started = performance.now();
      try {
        const { prompt, maxNewTokens, minTokens } = req.body;
        const gen = await runKernel<GenerateResult>(GENERATE_KERNEL, 'generate', {
          adapterDir: model.adapterPath,
          prompts: [prompt],
          seed: 0,
          opts: { maxNewTokens, temperature: 0, topK: 0 },
        });
        const g = gen.generations[0];
        const args: PlaygroundAttributeArgs = {
          datasetPath: dataset.path,
          indexDir: join(ctx.config.stateDir, 'cache', 'playground-span-index', model.datasetDigest!.replace(/[^a-zA-Z0-9]/g, '_')),
          text: g.output,
          minTokens,
        };
        const attributed = await runKernel<PlaygroundAttributeResult>(PLAYGROUND_KERNEL, 'attributeForPlayground', args);
        return {
          model: model.id,
          datasetVersion: model.datasetVersion ?? (await versionOfDataset(model.datasetDigest!)),
          prompt,
          output: attributed.text,
          promptTokens: g.promptTokens,
          outputTokens: g.outputTokens,
          words: attributed.words,
          spans: attributed.spans,
          contributions: attributed.contributions,
          elapsedMs: Math.round(performance.now() - started),
        };
      } finally {
        running--;
      }
    },
  );
};

export default register;
