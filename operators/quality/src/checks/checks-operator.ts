import { z } from 'zod';
import { defineOperator } from '@datanet/pipelines';
import { loadYamlFile } from '../yaml-file.js';
import { CheckSpec, CheckSuite, type CheckResult } from './check-spec.js';
import { runChecks } from './run-checks.js';

const ChecksConfig = z
  .object({
    suite: z.string().optional().describe('a check-suite YAML file, relative to the pipeline file'),
    checks: z.array(CheckSpec).optional().describe('checks written inline (run after the suite file)'),
  })
  .strict()
  .refine((c) => c.suite || c.checks?.length, { message: 'give a suite file or inline checks' });

/** One line per failed check: which check, which column, what was seen. */
export function describeCheckFailure(r: CheckResult): string {
  const where = r.column ? ` on column "${r.column}"` : '';
  if (r.error) return `check "${r.name}"${where} could not run: ${r.error}`;
  if (r.unexpected_count !== undefined) {
    const sample = r.partial_unexpected_list
      ?.slice(0, 3)
      .map((v) => JSON.stringify(v))
      .join(', ');
    return `check "${r.name}"${where} failed: ${r.unexpected_count} unexpected (${r.unexpected_percent!.toFixed(2)}%), e.g. ${sample}`;
  }
  return `check "${r.name}"${where} failed: observed ${JSON.stringify(r.observed_value)}`;
}

export const qualityChecks = defineOperator({
  type: 'quality.checks',
  version: '1',
  description:
    'Declarative column checks (not_null, unique, in_set, regex with mostly, ranges, lengths, row count, type) evaluated in DuckDB',
  config: ChecksConfig,
  // A suite file's checks are part of what the step computes.
  async fingerprint(config, env) {
    if (!config.suite) return null;
    const { readFile } = await import('node:fs/promises');
    const { resolve } = await import('node:path');
    return readFile(resolve(env.pipelineDir, config.suite), 'utf8').catch(() => null);
  },
  inputs: { table: { kind: 'table', description: 'the table to check' } },
  outputs: {
    report: { kind: 'report', description: 'per check: success, element/missing/unexpected counts, unexpected_percent, observed values' },
  },
  async run(ctx) {
    const checks: CheckSpec[] = [];
    let name: string | undefined;
    if (ctx.config.suite) {
      const { spec } = await loadYamlFile(ctx.config.suite, ctx.run.pipelineDir, CheckSuite, 'check suite');
      checks.push(...spec.checks);
      name = spec.name;
    }
    checks.push(...(ctx.config.checks ?? []));
    const outcome = await runChecks(ctx.input('table').path, { name, checks });
    const failedErrors = outcome.results.filter((r) => !r.success && r.severity === 'error');
    const warnings = outcome.results.filter((r) => !r.success && r.severity === 'warn');
    for (const w of warnings) ctx.logger.warn(describeCheckFailure(w));
    const report = {
      operator: 'quality.checks',
      suite: name ?? null,
      success: failedErrors.length === 0,
      rows: outcome.rowCount,
      statistics: {
        evaluated: outcome.results.length,
        successful: outcome.results.filter((r) => r.success).length,
        failedErrors: failedErrors.length,
        failedWarnings: warnings.length,
      },
      results: outcome.results,
    };
    await ctx.output('report').writeReport(report);
    if (failedErrors.length)
      throw new Error(`quality.checks: ${failedErrors.length} error check(s) failed: ${failedErrors.map(describeCheckFailure).join('; ')}`);
  },
});
