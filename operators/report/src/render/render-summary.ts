import type { QualityReportModel } from '../model/report-model.js';
import { formatNumber, formatPercent } from './svg-charts.js';
import { reviewSummaryLines } from './review-html.js';

/** Plain lines for a terminal (no colour codes, so they read the same in a log file). */
export function renderQualitySummary(m: QualityReportModel, options: { maxRows?: number } = {}): string {
  const max = options.maxRows ?? 10;
  const t = m.totals;
  const lines: string[] = [];
  lines.push(`Datanet ${m.datanet} · run ${m.runId ?? 'n/a'}`);
  if (t.submittedFiles !== null)
    lines.push(
      `  files: ${formatNumber(t.submittedFiles)} submitted, ${formatNumber(t.acceptedFiles ?? 0)} accepted (${formatPercent(t.acceptanceRate)})`,
    );
  lines.push(
    `  records: ${formatNumber(t.acceptedRecords)} accepted at intake, ${formatNumber(t.duplicates)} duplicates, ${formatNumber(t.qualityRejected)} failed quality, ${formatNumber(t.keptRecords)} kept`,
  );
  lines.push(`  intake rejections: ${formatNumber(t.intakeRejections)}`);
  lines.push('');
  const rows = m.contributors
    .slice(0, max)
    .map((c) => [
      c.contributor,
      formatPercent(c.acceptanceRate),
      c.standing.toFixed(3),
      formatNumber(c.acceptedRecords),
      formatNumber(c.duplicates),
      formatNumber(c.qualityRejected),
    ]);
  lines.push(...table(['contributor', 'acceptance', 'standing', 'records', 'dups', 'quality rej.'], rows));
  if (m.contributors.length > max) lines.push(`  … and ${m.contributors.length - max} more contributors (see the JSON report)`);
  if (m.rejectionReasons.length) {
    lines.push('');
    lines.push(
      ...table(
        ['stage', 'reason', 'count'],
        m.rejectionReasons.slice(0, max).map((r) => [r.stage, r.reason, formatNumber(r.count)]),
      ),
    );
  }
  if (m.rules.length) {
    lines.push('');
    const worst = m.rules.slice(0, Math.min(5, max));
    lines.push(`  lowest pass rates: ${worst.map((r) => `${r.rule} ${formatPercent(r.passRate)}`).join(', ')}`);
  }
  if (m.qualityScores)
    lines.push(
      `  quality score: mean ${m.qualityScores.mean.toFixed(3)}, median ${m.qualityScores.median.toFixed(3)} over ${formatNumber(m.qualityScores.count)} records`,
    );
  if (m.checks.length) {
    const failed = m.checks.filter((c) => !c.success);
    lines.push(
      `  column checks: ${m.checks.length - failed.length}/${m.checks.length} passed${failed.length ? `; failed: ${failed.map((c) => `${c.name} (${c.severity})`).join(', ')}` : ''}`,
    );
  }
  lines.push(...reviewSummaryLines(m));
  for (const n of m.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => '  ' + r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [fmt(header), ...rows.map(fmt)];
}
