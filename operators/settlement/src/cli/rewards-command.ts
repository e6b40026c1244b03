import { CliError, UsageError, type RegisterCommand } from '@datanet/pipelines';
import { rewardStatements, statementsCsv } from './reward-statements.js';

/** `datanet rewards --epoch E [--datanet D] [--contributor ADDR] [--format csv|json]` */
const register: RegisterCommand = (program, env) => {
  program
    .command('rewards')
    .description("print an epoch's reward statements (amount, Merkle root and proof per account) as CSV or JSON")
    .requiredOption('--epoch <epoch>', 'YYYY-MM-DD@ZONE, or YYYY-MM-DD for every zone')
    .option('--datanet <id>', 'only this Datanet')
    .option('--contributor <address>', 'only this account')
    .option('--format <format>', 'csv or json', 'csv')
    .action(async (opts: { epoch: string; datanet?: string; contributor?: string; format: string }) => {
      if (!/^\d{4}-\d{2}-\d{2}(@.+)?$/.test(opts.epoch))
        throw new UsageError(`--epoch ${opts.epoch}: expected YYYY-MM-DD@ZONE, e.g. 2026-11-24@UTC`);
      if (opts.contributor && !/^0x[0-9a-fA-F]{40}$/.test(opts.contributor))
        throw new UsageError(`--contributor ${opts.contributor}: expected a 0x address`);
      if (!['csv', 'json'].includes(opts.format)) throw new UsageError(`--format ${opts.format}: expected csv or json`);
      const { db } = await env.openDb();
      const rows = await rewardStatements(db, opts);
      if (!rows.length)
        throw new CliError(
          `no payouts for epoch ${opts.epoch}${opts.datanet ? ` of ${opts.datanet}` : ''}${opts.contributor ? ` to ${opts.contributor}` : ''}`,
        );
      env.result({ statements: rows });
      if (opts.format === 'json') env.say(JSON.stringify(rows, null, 2));
      else env.say(statementsCsv(rows));
    });
};

export default register;
