import { CliError, UsageError, type RegisterCommand } from '@datanet/pipelines';
import { formatTable, queryDataset, type QueryResult } from '../query/query-dataset.js';

/** `datanet query --dataset NAME@N "SQL" [--out FILE]` */
const register: RegisterCommand = (program, env) => {
  program
    .command('query')
    .description('run DuckDB SQL over a dataset version (views: dataset, contributions)')
    .requiredOption('--dataset <ref>', 'dataset version, e.g. medical-qa@3 or medical-qa@latest')
    .option('--out <file>', 'write the result to a .parquet, .csv, .json or .jsonl file')
    .argument('<sql>', 'the query, e.g. "SELECT split, count(*) FROM dataset GROUP BY split"')
    .action(async (sql: string, opts: { dataset: string; out?: string }) => {
      if (!/^[^@\s]+(@(\d+|latest))?$/.test(opts.dataset)) {
        throw new UsageError(`--dataset ${opts.dataset}: expected DATANET@VERSION, e.g. medical-qa@3`);
      }
      const { db } = await env.openDb();
      let result: QueryResult;
      try {
        result = await queryDataset(db, opts.dataset, sql, { out: opts.out });
      } catch (err) {
        // Unknown versions, missing artifacts and SQL errors are failures of the input (exit 1).
        throw err instanceof Error ? new CliError(err.message) : err;
      }
      if (result.out) {
        env.say(`wrote ${result.out.rows} rows of ${result.dataset} to ${result.out.path}`);
        env.result({ dataset: result.dataset, out: result.out });
        return;
      }
      env.say(formatTable(result.columns, result.rows));
      env.say(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'}, ${result.dataset})`);
      env.result({
        dataset: result.dataset,
        columns: result.columns,
        rows: result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c, r[i]]))),
      });
    });
};

export default register;
