import { CliError, UsageError, type RegisterCommand } from '@datanet/pipelines';
import { attributeOutput, formatEvidence } from './attribute-output.js';

/** `datanet attribute --index PATH_OR_DATASET [--min-tokens K] [--top N] "output text"` */
const register: RegisterCommand = (program, env) => {
  program
    .command('attribute')
    .description('show the evidence spans of one output text and the contributions they come from')
    .requiredOption('--index <path>', 'span index folder (attribution.index output) or a dataset .parquet file')
    .option('--min-tokens <k>', 'shortest evidence span in tokens', '6')
    .option('--top <n>', 'contributions to show', '5')
    .argument('<text>', 'the model output to attribute')
    .action(async (text: string, opts: { index: string; minTokens: string; top: string }) => {
      const minTokens = Number(opts.minTokens);
      const top = Number(opts.top);
      if (!Number.isInteger(minTokens) || minTokens < 1) throw new UsageError(`--min-tokens ${opts.minTokens}: expected a whole number >= 1`);
      if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top ${opts.top}: expected a whole number >= 1`);
      let result;
      try {
        result = await attributeOutput(opts.index, text, { minTokens });
      } catch (err) {
        throw err instanceof Error ? new CliError(err.message) : err;
      }
      env.say(formatEvidence(result.scores, top));
      env.result({ index: result.index, words: result.words, attributions: result.scores.slice(0, top) });
    });
};

export default register;
