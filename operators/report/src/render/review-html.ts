import type { QualityReportModel } from '../model/report-model.js';
import { barChart, escapeHtml as e, formatNumber, formatPercent } from './svg-charts.js';

const duration = (ms: number | null) =>
  ms === null
    ? 'n/a'
    : ms < 60_000
      ? `${Math.round(ms / 1000)} s`
      : ms < 3_600_000
        ? `${Math.round(ms / 60_000)} min`
        : `${(ms / 3_600_000).toFixed(1)} h`;

/** The review section: throughput, queue age, each reviewer's accuracy and agreement, rejection reasons. */
export function reviewSection(m: QualityReportModel): string {
  const r = m.review;
  if (!r) return '';
  const pct = (v: number | null) => (v === null ? 'n/a' : formatPercent(v));
  const reviewers = r.reviewers
    .map(
      (x) =>
        `<tr data-reviewer="${e(x.reviewer)}"${x.status === 'suspended' ? ' class="fail"' : ''}><td><code>${e(x.reviewer)}</code></td>` +
        `<td data-field="status">${e(x.status)}${x.suspendedReason ? ` (${e(x.suspendedReason)})` : ''}</td><td class="n">${formatNumber(x.decisions)}</td>` +
        `<td class="n">${formatNumber(x.goldAnswered)}</td><td class="n" data-field="accuracy">${pct(x.accuracy)}</td>` +
        `<td class="n">${formatNumber(x.compared)}</td><td class="n" data-field="agreement">${pct(x.agreement)}</td></tr>`,
    )
    .join('');
  const reasons = r.reasons
    .map(
      (x) =>
        `<tr data-review-reason="${e(x.reason)}"><td><code>review.${e(x.reason)}</code></td><td class="n">${formatNumber(x.count)}</td></tr>`,
    )
    .join('');
  const contributors = r.contributors
    .map(
      (c) =>
        `<tr data-review-contributor="${e(c.contributor)}"><td><code>${e(c.contributor)}</code></td><td class="n">${formatNumber(c.held)}</td>` +
        `<td class="n">${formatNumber(c.approved)}</td><td class="n">${formatNumber(c.rejected)}</td><td class="n">${formatNumber(c.open)}</td></tr>`,
    )
    .join('');
  return `<h2 id="review">Human review</h2>
<p data-field="review-throughput">${formatNumber(r.items.approved)} approved, ${formatNumber(r.items.rejected)} rejected, ${formatNumber(r.items.open)} open, ${formatNumber(r.items.escalated)} with stewards ·
${formatNumber(r.throughput.decisions)} decisions (${formatNumber(r.throughput.decisionsLastHour)} in the last hour, ${formatNumber(r.throughput.settledLastHour)} records settled) ·
${r.decisionsPerItem === null ? '' : `${r.decisionsPerItem.toFixed(2)} decisions per settled record · `}queue age: oldest ${duration(r.age.oldestMs)}, median ${duration(r.age.medianMs)}</p>
${barChart(
  r.reviewers.map((x) => ({ label: x.reviewer, title: x.reviewer, value: x.accuracy ?? 0, display: pct(x.accuracy) })),
  { id: 'reviewer-accuracy', title: 'Reviewer accuracy on gold items', max: 1 },
)}
<table class="reviewers"><thead><tr><th>reviewer</th><th>status</th><th class="n">decisions</th><th class="n">gold answered</th><th class="n">gold accuracy</th><th class="n">settled items voted</th><th class="n">agreement with consensus</th></tr></thead>
<tbody>${reviewers || '<tr><td colspan="7">no reviewers yet</td></tr>'}</tbody></table>
<table class="review-reasons"><thead><tr><th>review rejection reason</th><th class="n">count</th></tr></thead><tbody>${reasons || '<tr><td colspan="2">nothing rejected by review</td></tr>'}</tbody></table>
<table class="review-contributors"><thead><tr><th>contributor</th><th class="n">held</th><th class="n">approved</th><th class="n">rejected by review</th><th class="n">open</th></tr></thead><tbody>${contributors || '<tr><td colspan="5">nothing held</td></tr>'}</tbody></table>`;
}

/** Terminal lines for the review section. */
export function reviewSummaryLines(m: QualityReportModel): string[] {
  const r = m.review;
  if (!r) return [];
  const lines = [
    `  review: ${r.items.approved} approved, ${r.items.rejected} rejected, ${r.items.open + r.items.escalated} open; ${r.throughput.decisions} decisions`,
  ];
  for (const x of r.reviewers)
    lines.push(
      `    ${x.reviewer} ${x.status} accuracy ${x.accuracy === null ? 'n/a' : formatPercent(x.accuracy)} agreement ${x.agreement === null ? 'n/a' : formatPercent(x.agreement)}`,
    );
  if (r.reasons.length) lines.push(`    review rejections: ${r.reasons.map((x) => `review.${x.reason} ${x.count}`).join(', ')}`);
  return lines;
}
