import { z } from 'zod';
import { Bool, Float64, Table, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { defineOperator } from '@datanet/pipelines';
import { requireColumn, stringValues, writeRowSubsets } from '@datanet/connector-duckdb';
import { dropFilteredRows } from '@datanet/datanet';
import { describeFailure, evaluateQuality } from './evaluate.js';
import { FAMILIES, RuleSetSpec, loadRuleSetFile, resolveRules, type ActiveRule } from './rule-set.js';

const FilterConfig = z
  .object({
    textColumn: z.string().min(1).default('text'),
    idColumn: z.string().min(1).default('id'),
    ruleSet: z
      .union([z.string().min(1), z.array(z.string().min(1))])
      .optional()
      .describe(
        `rule-set YAML files (relative to the pipeline file) or family names (${FAMILIES.join(', ')}, all; "gopher-quality" and hyphens accepted), applied in order`,
      ),
    presets: RuleSetSpec.shape.presets,
    rules: RuleSetSpec.shape.rules,
  })
  .strict();
type FilterConfig = z.output<typeof FilterConfig>;

/** Family names as users write them: `gopher-quality`, `gopher-repetition`, `C4`... */
function familyName(entry: string): (typeof FAMILIES)[number] | 'all' | undefined {
  const key = entry
    .toLowerCase()
    .replace(/-/g, '_')
    .replace(/^gopher_quality$/, 'gopher');
  if (key === 'all') return 'all';
  return (FAMILIES as readonly string[]).includes(key) ? (key as (typeof FAMILIES)[number]) : undefined;
}

export async function activeRules(c: Pick<FilterConfig, 'ruleSet' | 'presets' | 'rules'>, baseDir: string): Promise<ActiveRule[]> {
  const layers: { source: string; spec: RuleSetSpec }[] = [];
  for (const entry of typeof c.ruleSet === 'string' ? [c.ruleSet] : (c.ruleSet ?? [])) {
    const family = familyName(entry);
    if (family === 'all') layers.push({ source: 'ruleSet', spec: { presets: [...FAMILIES] } });
    else if (family) layers.push({ source: 'ruleSet', spec: { presets: [family] } });
    else if (/\.ya?ml$/i.test(entry)) layers.push(await loadRuleSetFile(entry, baseDir));
    else throw new Error(`quality.filter: ruleSet "${entry}" is neither a family (${FAMILIES.join(', ')}, all) nor a .yaml file`);
  }
  if (c.presets || c.rules) layers.push({ source: 'with', spec: { presets: c.presets, rules: c.rules } });
  if (!layers.length) layers.push({ source: 'default', spec: { presets: [...FAMILIES] } });
  const rules = resolveRules(layers);
  if (!rules.length) throw new Error('quality.filter: the rule set enables no rule; name presets or rules');
  return rules;
}

/** Scores column name of a rule: dots are awkward in SQL, so `gopher.min_words` -> `gopher__min_words`. */
export const scoreColumn = (rule: string) => rule.replace(/\./g, '__');

export const qualityFilter = defineOperator({
  type: 'quality.filter',
  version: '1',
  description: 'Gopher, Gopher repetition, C4 and FineWeb text-quality rules with reason codes; keeps passing records',
  config: FilterConfig,
  inputs: { table: { kind: 'table', description: 'any table with a text and an id column' } },
  // Rule sets can live in files: the effective rules and thresholds, not the file names, decide
  // whether a stored result is still good.
  async fingerprint(config, env) {
    return (await activeRules(config, env.pipelineDir)).map((a) => [a.rule.name, a.threshold]);
  },
  outputs: {
    kept: {
      kind: 'table',
      description: 'records passing every rule, same columns',
      schema: (c) => ({ columns: { [c.textColumn]: 'utf8' }, open: true }),
    },
    rejected: {
      kind: 'table',
      description: 'records failing a rule, plus rule (reason code of the first failure), reason (human), value, threshold, failed_rules',
      schema: (c) => ({
        columns: { [c.textColumn]: 'utf8', rule: 'utf8', reason: 'utf8', value: 'float64', threshold: 'float64', failed_rules: 'utf8' },
        open: true,
      }),
    },
    scores: {
      kind: 'table',
      description: 'per record: id, passed, quality_score (fraction of rules passed), one column per rule measurement',
      schema: { columns: { id: 'utf8', passed: 'bool', quality_score: 'float64' }, open: true },
    },
    report: { kind: 'report', description: 'per-rule pass rates and thresholds, counts by reason' },
  },
  async run(ctx) {
    const c = ctx.config;
    const rules = await activeRules(c, ctx.run.pipelineDir);
    const input = ctx.input('table');
    const table = await input.readTable();
    requireColumn(table, c.textColumn, 'textColumn', 'quality.filter');
    requireColumn(table, c.idColumn, 'idColumn', 'quality.filter');
    const texts = stringValues(table, c.textColumn);
    const ids = stringValues(table, c.idColumn).map((v, i) => v ?? `#${i}`);
    const started = performance.now();
    const ev = evaluateQuality(texts, rules, (done) => {
      ctx.signal.throwIfAborted();
      ctx.progress(done, texts.length, 'quality rules');
    });
    const seconds = (performance.now() - started) / 1000;
    const keptRows: number[] = [];
    const rejRows: number[] = [];
    ev.firstFailure.forEach((k, i) => (k < 0 ? keptRows : rejRows).push(i));
    const first = (i: number) => rules[ev.firstFailure[i]];
    const [kept, rejected] = await writeRowSubsets(input.path, ctx.workDir, [
      { file: 'kept.parquet', rows: keptRows },
      {
        file: 'rejected.parquet',
        rows: rejRows,
        extra: {
          rule: { type: 'utf8', values: rejRows.map((i) => first(i).rule.name) },
          reason: {
            type: 'utf8',
            values: rejRows.map((i) => describeFailure(first(i).rule, ev.values[ev.firstFailure[i]][i], first(i).threshold)),
          },
          value: { type: 'float64', values: rejRows.map((i) => ev.values[ev.firstFailure[i]][i]) },
          threshold: { type: 'float64', values: rejRows.map((i) => first(i).threshold) },
          failed_rules: { type: 'utf8', values: rejRows.map((i) => ev.failed[i].join(',')) },
        },
      },
    ]);
    await ctx.output('kept').writeParquetFile(kept);
    await ctx.output('rejected').writeParquetFile(rejected, { summary: [`${rejRows.length} records rejected by quality rules`] });
    const registered = await dropFilteredRows(ctx.db, {
      table,
      operator: 'quality.filter',
      rows: rejRows,
      kept: keptRows,
      idColumn: c.idColumn,
      pipelineDir: ctx.run.pipelineDir,
      reason: (i) => first(i).rule.name,
    });
    if (registered.dropped || registered.restored)
      ctx.logger.info(`quality.filter: registry: ${registered.dropped} contributions dropped, ${registered.restored} restored`);
    const columns: Record<string, Vector> = {
      id: vectorFromArray(ids, new Utf8()),
      passed: vectorFromArray(
        ids.map((_, i) => ev.firstFailure[i] < 0),
        new Bool(),
      ),
      quality_score: vectorFromArray(
        ids.map((_, i) => 1 - ev.failed[i].length / rules.length),
        new Float64(),
      ),
    };
    rules.forEach(({ rule }, k) => (columns[scoreColumn(rule.name)] = vectorFromArray(Array.from(ev.values[k]), new Float64())));
    await ctx.output('scores').writeTable(new Table(columns));
    const bytes = texts.reduce((s, t) => s + (t ? Buffer.byteLength(t) : 0), 0);
    const report = {
      operator: 'quality.filter',
      records: texts.length,
      kept: keptRows.length,
      rejected: rejRows.length,
      rules: rules.map(({ rule, threshold }, k) => ({
        rule: rule.name,
        family: rule.family,
        bound: rule.bound,
        threshold,
        failed: ev.failed.filter((f) => f.includes(rule.name)).length,
        firstFailure: ev.firstFailure.filter((x) => x === k).length,
        passRate: texts.length ? 1 - ev.failed.filter((f) => f.includes(rule.name)).length / texts.length : 1,
      })),
      bytes,
      seconds,
    };
    ctx.logger.info(`quality.filter: ${keptRows.length} kept, ${rejRows.length} rejected by ${rules.length} rules`);
    await ctx.output('report').writeReport(report);
  },
});
