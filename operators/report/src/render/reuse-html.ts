import type { ReuseSection } from '../gather/reuse-section.js';
import { escapeHtml as e, formatNumber, formatPercent } from './svg-charts.js';

/**
 * Copied passages: for each record rejected as reused (highest containment first), its copied
 * spans beside the source's, with their character offsets, so a steward sees what was taken
 * and from whom.
 */
export function reuseSection(r: ReuseSection | null | undefined): string {
  if (!r) return '';
  const copies = r.examples
    .map((x) => {
      const rows = x.spans
        .map(
          (s) =>
            `<tr><td class="span"><small>${s.start}-${s.end}</small><br>${e(s.text)}</td>` +
            `<td class="span"><small>${s.sourceStart}-${s.sourceEnd}</small><br>${e(s.sourceText)}</td></tr>`,
        )
        .join('');
      return (
        `<details data-reuse="${e(x.id)}"><summary><code>${e(x.id)}</code> copies <code data-field="source">${e(x.sourceId)}</code>: ` +
        `${formatPercent(x.containment)} of the record, ${formatPercent(x.sourceCoverage)} of the source</summary>` +
        `<table class="reuse"><thead><tr><th>copied span in the record</th><th>in the source</th></tr></thead><tbody>${rows}</tbody></table></details>`
      );
    })
    .join('\n');
  return `<h2 id="reuse">Copied passages</h2>
<p data-field="reuse-summary">${formatNumber(r.rejected)} of ${formatNumber(r.records)} records rejected as reused (at least ${formatPercent(r.minContainment)} of the record found in one earlier contribution); ${formatNumber(r.matches)} record-source pairs.</p>
<style>table.reuse td.span{vertical-align:top;width:50%;font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap}</style>
${copies || '<p>No copied passages.</p>'}`;
}
