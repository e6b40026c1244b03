import { CliError, RunReader, UsageError, type RegisterCommand } from '@datanet/pipelines';
import { attributeOutput, formatEvidence } from './attribute-output.js';

/** The dataset a registered model was trained on, as the Parquet artifact the run store holds. */
async function datasetOfModel(db: import('kysely').Kysely<any>, id: string): Promise<string> {
  const { getModel } = await import('@datanet/train');
  const model = await getModel(db, id);
  if (!model) throw new CliError(`no model "${id}" in the registry (see \`datanet infer --list\`)`);
  if (!model.datasetDigest) throw new CliError(`model ${id} does not record the dataset it was trained on`);
  const artifact = await new RunReader(db).artifact(model.datasetDigest);
  if (!artifact)
    throw new CliError(`model ${id} was trained on ${model.datasetDigest}, which is not in this state folder's artifact store`);
  return artifact.path;
}

/** `datanet attribute (--model ID | --index PATH_OR_DATASET) [--min-tokens K] [--top N] "output text"` */
const register: RegisterCommand = (program, env) => {
  program
    .command('attribute')
    .description('show the evidence spans of one output text and the contributions they come from')
    .option('--model <id>', 'a registered model (NAME[@N]): attribute against the dataset it was trained on')
    .option('--index <path>', 'span index folder (attribution.index output) or a dataset .parquet file')
    .option('--min-tokens <k>', 'shortest evidence span in tokens', '6')
    .option('--top <n>', 'contributions to show', '5')
    .argument('<text>', 'the model output to attribute')
    .action(async (text: string, opts: { model?: string; index?: string; minTokens: string; top: string }) => {
      if (!opts.model === !opts.index) throw new UsageError('give --model ID or --index PATH (one of them)');
      const minTokens = Number(opts.minTokens);
      const top = Number(opts.top);
      if (!Number.isInteger(minTokens) || minTokens < 1)
        throw new UsageError(`--min-tokens ${opts.minTokens}: expected a whole number >= 1`);
      if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top ${opts.top}: expected a whole number >= 1`);
      let result;
      try {
        const source = opts.index ?? (await datasetOfModel((await env.openDb()).db, opts.model!));
        result = await attributeOutput(source, text, { minTokens });
      } catch (err) {
        throw err instanceof Error ? new CliError(err.message) : err;
      }
      env.say(formatEvidence(result.scores, top));
      env.result({ index: result.index, words: result.words, attributions: result.scores.slice(0, top) });
    });
};

export default register;
