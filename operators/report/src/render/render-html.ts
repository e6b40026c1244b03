import type { ClusterMember, QualityReportModel } from '../model/report-model.js';
import { barChart, clip, escapeHtml as e, formatNumber, formatPercent, histogram } from './svg-charts.js';
import { reviewSection } from './review-html.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2630;margin:0;background:#f6f7f9}
main{max-width:1000px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #d8dde3;padding-bottom:4px}
.meta{color:#5b6670;margin:0 0 16px}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.kpi{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:10px}
.kpi .v{font-size:22px;font-weight:600}.kpi .k{color:#5b6670;font-size:12px}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0}
th,td{border:1px solid #d8dde3;padding:4px 8px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:12px}
td code{word-break:break-all}
table{font-size:13px}
svg.chart{background:#fff;border:1px solid #d8dde3;border-radius:6px;max-width:100%;height:auto}
svg .label,svg .value,svg .tick,svg .empty{font-size:12px;fill:#1d2630}
svg .axis{stroke:#8a949e;stroke-width:1}
.cluster{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:8px 12px;margin:8px 0}
.excerpt{color:#3b4650;font-style:italic}
.notes li{color:#7a4b00}\ntr.fail td{background:#fbeaea}
`;

/**
 * Renders the model as one self-contained HTML page: inline CSS and SVG, no script, and a
 * Content-Security-Policy that forbids every network fetch, so the page shows the same offline.
 */
export function renderQualityHtml(m: QualityReportModel): string {
  const t = m.totals;
  const title = `Quality report: ${m.datanet}`;
  const kpi = (k: string, v: string, id: string) =>
    `<div class="kpi" data-kpi="${id}"><div class="v">${e(v)}</div><div class="k">${e(k)}</div></div>`;
  const kpis = [
    kpi('files submitted', t.submittedFiles === null ? 'n/a' : formatNumber(t.submittedFiles), 'submitted-files'),
    kpi('file acceptance rate', formatPercent(t.acceptanceRate), 'acceptance-rate'),
    kpi('records accepted at intake', formatNumber(t.acceptedRecords), 'accepted-records'),
    kpi('intake rejections', formatNumber(t.intakeRejections), 'intake-rejections'),
    kpi('duplicates dropped', formatNumber(t.duplicates), 'duplicates'),
    kpi('quality rejections', formatNumber(t.qualityRejected), 'quality-rejected'),
    kpi('records kept', formatNumber(t.keptRecords), 'kept-records'),
    kpi('contributors', formatNumber(m.contributors.length), 'contributors'),
  ].join('');
  const data = JSON.stringify(m).replaceAll('<', '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(title)}</title><style>${STYLE}</style></head>
<body><main>
<h1>${e(title)}</h1>
<p class="meta">Run <code data-field="run-id">${e(m.runId ?? 'n/a')}</code> · generated ${e(m.generatedAt)} · ${m.sources.registry ? 'acceptance and standing from the Datanet registry' : "acceptance and standing from this run's tables (no registry rows)"}</p>
<section class="kpis">${kpis}</section>
${contributorsSection(m)}
${reasonsSection(m)}
${duplicatesSection(m)}
${scoresSection(m)}
${rulesSection(m)}
${checksSection(m)}
${reviewSection(m)}
${m.notes.length ? `<h2>Notes</h2><ul class="notes">${m.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : ''}
<script type="application/json" id="report-data">${data}</script>
</main></body></html>
`;
}

function contributorsSection(m: QualityReportModel): string {
  const chart = barChart(
    m.contributors.map((c) => ({
      label: c.contributor,
      title: c.contributor,
      value: c.acceptanceRate,
      display: formatPercent(c.acceptanceRate),
    })),
    { id: 'acceptance-rate', title: 'Acceptance rate by contributor', max: 1 },
  );
  const num = (v: number | null) => `<td class="n">${v === null ? 'n/a' : formatNumber(v)}</td>`;
  const rows = m.contributors
    .map(
      (c) =>
        `<tr data-contributor="${e(c.contributor)}"><td><code title="${e(c.contributor)}">${e(c.contributor)}</code></td>` +
        `${num(c.submittedFiles)}${num(c.acceptedFiles)}<td class="n" data-field="acceptance-rate">${formatPercent(c.acceptanceRate)}</td>` +
        `${num(c.acceptedRecords)}${num(c.intakeRejections)}${num(c.duplicates)}${num(c.qualityRejected)}${num(c.revoked)}` +
        `<td class="n" data-field="standing">${c.standing.toFixed(3)}</td></tr>`,
    )
    .join('');
  return `<h2 id="contributors">Acceptance rate and standing by contributor</h2>
${chart}
<table class="contributors"><thead><tr><th>contributor</th><th class="n">files submitted</th><th class="n">files accepted</th><th class="n">acceptance rate</th>
<th class="n">records accepted</th><th class="n">intake rejections</th><th class="n">duplicates</th><th class="n">quality rejections</th><th class="n">revoked</th><th class="n">standing</th></tr></thead>
<tbody>${rows || '<tr><td colspan="10">no contributors</td></tr>'}</tbody></table>`;
}

function reasonsSection(m: QualityReportModel): string {
  const items = m.rejectionReasons.map((r) => ({ label: `${r.stage}: ${r.reason}`, value: r.count }));
  const rows = m.rejectionReasons
    .map(
      (r) =>
        `<tr data-reason="${e(r.reason)}"><td>${e(r.stage)}</td><td><code>${e(r.reason)}</code></td><td class="n">${formatNumber(r.count)}</td><td>${e(clip(r.example ?? '', 160))}</td></tr>`,
    )
    .join('');
  return `<h2 id="rejections">Rejection reasons</h2>
${barChart(items, { id: 'rejection-reasons', title: 'Rejections by reason', color: '#c4572f' })}
<table class="reasons"><thead><tr><th>stage</th><th>reason</th><th class="n">count</th><th>example</th></tr></thead><tbody>${rows || '<tr><td colspan="4">nothing was rejected</td></tr>'}</tbody></table>`;
}

function member(x: ClusterMember, role: string): string {
  const sim = x.similarity === null ? '' : ` · similarity ${x.similarity.toFixed(3)}`;
  return `<li><span>${e(role)}</span> <code>${e(clip(x.id, 24))}</code> by <code>${e(clip(x.contributor ?? 'unknown', 16))}</code>${sim}<br><span class="excerpt">${e(x.excerpt ?? '(text not in this run)')}</span></li>`;
}

function duplicatesSection(m: QualityReportModel): string {
  const d = m.duplicates;
  const clusters = d.top
    .map(
      (c) =>
        `<div class="cluster" data-cluster="${e(c.clusterId)}"><strong>${c.size} members</strong>${c.keeperFromEarlierRun ? ' · credit kept by a record accepted in an earlier run' : ''}<ul>` +
        member(c.keeper, 'keeps the credit:') +
        c.examples.map((x) => member(x, 'dropped:')).join('') +
        '</ul></div>',
    )
    .join('');
  const chart = barChart(
    d.top.map((c) => ({ label: clip(c.clusterId, 20), title: c.clusterId, value: c.size })),
    { id: 'duplicate-clusters', title: 'Largest duplicate clusters (members)', color: '#8a5fa8' },
  );
  return `<h2 id="duplicates">Duplicate clusters</h2>
<p>${formatNumber(d.rows)} duplicate rows dropped in ${formatNumber(d.clusters)} clusters; largest cluster ${formatNumber(d.largestCluster)} members; ${formatNumber(d.ofEarlierRuns)} rows credited to records accepted in earlier runs.</p>
${chart}${clusters}`;
}

function scoresSection(m: QualityReportModel): string {
  const s = m.qualityScores;
  if (!s) return `<h2 id="scores">Quality-score distribution</h2><p>No quality scores in this run.</p>`;
  return `<h2 id="scores">Quality-score distribution</h2>
<p>${formatNumber(s.count)} records scored (fraction of rules passed): mean ${s.mean.toFixed(3)}, median ${s.median.toFixed(3)}, min ${s.min.toFixed(3)}, max ${s.max.toFixed(3)}; ${formatNumber(s.passed)} passed every rule.</p>
${histogram(s.bins, { id: 'quality-scores', title: 'Quality-score distribution' })}`;
}

function rulesSection(m: QualityReportModel): string {
  const chart = barChart(
    m.rules.map((r) => ({ label: r.rule, value: r.passRate, display: formatPercent(r.passRate) })),
    { id: 'rule-pass-rates', title: 'Pass rate per rule', max: 1, color: '#4f8f4f' },
  );
  const rows = m.rules
    .map(
      (r) =>
        `<tr data-rule="${e(r.rule)}"><td><code>${e(r.rule)}</code></td><td>${e(r.family ?? '')}</td><td class="n">${r.threshold === null ? '' : formatNumber(r.threshold)}</td>` +
        `<td class="n">${formatNumber(r.checked)}</td><td class="n">${formatNumber(r.failed)}</td><td class="n">${formatPercent(r.passRate)}</td><td class="n">${r.firstFailure === null ? '' : formatNumber(r.firstFailure)}</td></tr>`,
    )
    .join('');
  return `<h2 id="rules">Per-rule pass rates</h2>
${chart}
<table class="rules"><thead><tr><th>rule</th><th>family</th><th class="n">threshold</th><th class="n">checked</th><th class="n">failed</th><th class="n">pass rate</th><th class="n">rejected by it first</th></tr></thead>
<tbody>${rows || '<tr><td colspan="7">no quality rules in this run</td></tr>'}</tbody></table>`;
}

function checksSection(m: QualityReportModel): string {
  if (!m.checks.length) return '';
  const passed = m.checks.filter((c) => c.success).length;
  const n = (v: number | null) => (v === null ? '' : formatNumber(v));
  const rows = m.checks
    .map(
      (c) =>
        `<tr data-check="${e(c.name)}" class="${c.success ? 'pass' : 'fail'}"><td><code>${e(c.name)}</code></td><td>${e(c.column ?? '')}</td><td>${e(c.severity)}</td>` +
        `<td data-field="success">${c.success ? 'pass' : 'FAIL'}</td><td class="n">${n(c.elementCount)}</td><td class="n">${n(c.unexpectedCount)}</td>` +
        `<td class="n">${c.unexpectedPercent === null ? '' : `${c.unexpectedPercent.toFixed(2)}%`}</td><td>${e(clip(c.observed ?? '', 80))}</td></tr>`,
    )
    .join('');
  return `<h2 id="checks">Column checks</h2>
<p>${passed} of ${m.checks.length} checks passed.</p>
<table class="checks"><thead><tr><th>check</th><th>column</th><th>severity</th><th>result</th><th class="n">rows</th><th class="n">unexpected</th><th class="n">unexpected %</th><th>observed</th></tr></thead><tbody>${rows}</tbody></table>`;
}
