import { CliError, UsageError, type RegisterCommand } from '@datanet/pipelines';
import { DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_MS, formatTable, queryDataset, type QueryResult } from '../query/query-dataset.js';

/**
 * `datanet query --dataset NAME@N "SQL" [--out FILE] [--max-rows N] [--timeout S] [--unsafe]`.
 * Read-only by default: one SELECT over the dataset's own files (see queryDataset).
 */
const register: RegisterCommand = (program, env) => {
  program
    .command('query')
    .description('run DuckDB SQL over a dataset version (views: dataset, contributions)')
    .requiredOption('--dataset <ref>', 'dataset version, e.g. medical-qa@3 or medical-qa@latest')
    .option('--out <file>', 'write the result to a .parquet, .csv, .json or .jsonl file')
    .option('--max-rows <n>', `most rows printed (default ${DEFAULT_MAX_ROWS})`, (v) => Number(v))
    .option('--timeout <seconds>', `stop the query after this long (default ${DEFAULT_TIMEOUT_MS / 1000})`, (v) => Number(v))
    .option(
      '--unsafe',
      'full DuckDB: several statements, any file, COPY, ATTACH, INSTALL (off by default: one read-only SELECT over the dataset)',
    )
    .argument('<sql>', 'the query, e.g. "SELECT split, count(*) FROM dataset GROUP BY split"')
    .action(async (sql: string, opts: { dataset: string; out?: string; maxRows?: number; timeout?: number; unsafe?: boolean }) => {
      if (!/^[^@\s]+(@(\d+|latest))?$/.test(opts.dataset)) {
        throw new UsageError(`--dataset ${opts.dataset}: expected DATANET@VERSION, e.g. medical-qa@3`);
      }
      if (opts.timeout !== undefined && !(opts.timeout > 0))
        throw new UsageError(`--timeout ${opts.timeout}: expected a number of seconds above 0`);
      if (opts.maxRows !== undefined && !(Number.isInteger(opts.maxRows) && opts.maxRows > 0))
        throw new UsageError(`--max-rows ${opts.maxRows}: expected a whole number above 0`);
      const { db } = await env.openDb();
      let result: QueryResult;
      try {
        result = await queryDataset(db, opts.dataset, sql, {
          out: opts.out,
          unsafe: opts.unsafe,
          maxRows: opts.maxRows,
          timeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000,
        });
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
      env.say(
        `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${result.truncated ? `: the first ${result.rows.length}; more matched, raise --max-rows` : ''}, ${result.dataset})`,
      );
      env.result({
        dataset: result.dataset,
        columns: result.columns,
        ...(result.truncated ? { truncated: true } : {}),
        rows: result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c, r[i]]))),
      });
    });
};

export default register;
