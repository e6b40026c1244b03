import { CliError, UsageError, type RegisterCommand } from '@datanet/pipelines';

/** `datanet report quality --datanet ID [--run RUN_ID] [--out DIR]` */
const register: RegisterCommand = (program, env) => {
  const report = program.command('report').description('steward reports on a Datanet');
  report
    .command('quality')
    .description(
      'quality report of a run: acceptance and standing per contributor, rejection reasons, duplicates, quality scores, rule pass rates (HTML + JSON)',
    )
    .requiredOption('--datanet <id>', 'Datanet id, e.g. medical-qa')
    .option('--run <id>', 'run id or unique prefix (default: the newest run with ingest, dedupe or quality steps)')
    .option('--out <dir>', 'folder for quality-report.html and quality-report.json (default: <state dir>/reports/<datanet>/<run>)')
    .option('--top-clusters <n>', 'duplicate clusters shown', '10')
    .action(async (opts: { datanet: string; run?: string; out?: string; topClusters: string }) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(opts.datanet))
        throw new UsageError(`--datanet ${opts.datanet}: expected a Datanet id such as medical-qa`);
      const top = Number(opts.topClusters);
      if (!Number.isInteger(top) || top < 0) throw new UsageError(`--top-clusters ${opts.topClusters}: expected a whole number >= 0`);
      const { db, dialect } = await env.openDb();
      const { writeQualityReport, QualityReportError } = await import('../index.js');
      let files;
      try {
        files = await writeQualityReport(db, dialect, {
          datanet: opts.datanet,
          runId: opts.run,
          outDir: opts.out,
          stateDir: env.stateDir(),
          options: { topClusters: top },
        });
      } catch (err) {
        // A missing run or artifact is a failure of the input (exit 1), not a crash.
        if (err instanceof QualityReportError) throw new CliError(err.message);
        throw err;
      }
      env.say(files.summary);
      env.say('');
      env.say(`wrote ${files.html}`);
      env.say(`wrote ${files.json}`);
      env.result({ html: files.html, json: files.json, report: files.model });
    });
};

export default register;
