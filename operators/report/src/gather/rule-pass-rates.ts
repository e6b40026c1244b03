import type { DuckDbSession } from '@datanet/connector-duckdb';
import type { ColumnCheck, RulePassRate } from '../model/report-model.js';

interface FilterReportRule {
  rule: string;
  family?: string;
  threshold?: number;
  failed: number;
  firstFailure?: number;
}

/**
 * Per-rule pass rates from `quality.filter` report documents. Several reports (one per `foreach`
 * partition) add up: pass rates are recomputed from the summed counts, not averaged.
 */
export function rulesFromReports(reports: unknown[]): RulePassRate[] {
  const byRule = new Map<string, RulePassRate>();
  for (const report of reports) {
    if (!report || typeof report !== 'object') continue;
    const r = report as { records?: unknown; rules?: unknown };
    const records = Number(r.records);
    if (!Array.isArray(r.rules) || !Number.isFinite(records)) continue;
    for (const raw of r.rules as FilterReportRule[]) {
      if (!raw || typeof raw.rule !== 'string') continue;
      const entry = byRule.get(raw.rule) ?? {
        rule: raw.rule,
        family: typeof raw.family === 'string' ? raw.family : null,
        threshold: typeof raw.threshold === 'number' ? raw.threshold : null,
        checked: 0,
        failed: 0,
        passRate: 1,
        firstFailure: 0,
      };
      entry.checked += records;
      entry.failed += Number(raw.failed) || 0;
      entry.firstFailure = (entry.firstFailure ?? 0) + (Number(raw.firstFailure) || 0);
      byRule.set(raw.rule, entry);
    }
  }
  for (const e of byRule.values()) e.passRate = e.checked ? 1 - e.failed / e.checked : 1;
  return [...byRule.values()].sort((a, b) => a.passRate - b.passRate || a.rule.localeCompare(b.rule));
}

/**
 * Without the filter's report: failures per rule from the rejected table's `failed_rules` list,
 * over `checked` scored records. Rules that never failed are invisible this way.
 */
export async function rulesFromRejected(session: DuckDbSession, checked: number): Promise<RulePassRate[]> {
  const rows = await session.all<{ rule: string; failed: number; first: number }>(
    `with f as (select trim(unnest(string_split(__failed, ','))) as rule, __reason from qrej where __failed is not null and __failed <> '')
     select rule, count(*)::bigint as failed, (count(*) filter (where rule = __reason))::bigint as first from f where rule <> '' group by rule`,
  );
  return rows
    .map((r) => ({
      rule: r.rule,
      family: r.rule.includes('.') ? r.rule.split('.')[0] : null,
      threshold: null,
      checked,
      failed: Number(r.failed),
      passRate: checked ? 1 - Number(r.failed) / checked : 1,
      firstFailure: Number(r.first),
    }))
    .sort((a, b) => a.passRate - b.passRate || a.rule.localeCompare(b.rule));
}

/** Column check results from `quality.checks` report documents (several suites are concatenated). */
export function checksFromReports(reports: unknown[]): ColumnCheck[] {
  const out: ColumnCheck[] = [];
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  for (const report of reports) {
    const results = (report as { results?: unknown } | null)?.results;
    if (!Array.isArray(results)) continue;
    for (const r of results as Record<string, unknown>[]) {
      if (!r || typeof r.name !== 'string') continue;
      const observed = r.error ?? r.observed_value;
      out.push({
        name: r.name,
        check: String(r.check ?? ''),
        column: typeof r.column === 'string' ? r.column : null,
        severity: r.severity === 'warn' ? 'warn' : 'error',
        success: r.success === true,
        elementCount: n(r.element_count),
        unexpectedCount: n(r.unexpected_count),
        unexpectedPercent: n(r.unexpected_percent),
        observed: observed === undefined || observed === null ? null : typeof observed === 'string' ? observed : JSON.stringify(observed),
      });
    }
  }
  return out;
}
