/** Inline SVG charts, written by hand so the report needs no script, font or network to render. */

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export interface BarItem {
  label: string;
  value: number;
  /** Text printed at the end of the bar (defaults to the value). */
  display?: string;
  /** Tooltip (the full label, a long address). */
  title?: string;
}

export interface BarChartOptions {
  /** `data-chart` attribute: lets tests and stylesheets find a chart. */
  id: string;
  title: string;
  /** Upper end of the axis; defaults to the largest value. */
  max?: number;
  width?: number;
  color?: string;
}

const PALETTE = ['#2f6f9f', '#c4572f', '#4f8f4f', '#8a5fa8', '#b08a2e', '#3a8f8f', '#a84f6f', '#6f6f6f'];

/** Horizontal bars, one per item, labels on the left and values on the right. */
export function barChart(items: BarItem[], o: BarChartOptions): string {
  const width = o.width ?? 720;
  const labelW = 220;
  const valueW = 90;
  const rowH = 24;
  const top = 8;
  const plotW = width - labelW - valueW;
  const max = o.max ?? Math.max(0, ...items.map((i) => i.value));
  const height = top * 2 + Math.max(1, items.length) * rowH;
  const rows = items.map((item, k) => {
    const y = top + k * rowH;
    const w = max > 0 ? Math.max(0, (item.value / max) * plotW) : 0;
    const color = o.color ?? PALETTE[k % PALETTE.length];
    return (
      `<g class="row"><title>${escapeHtml(item.title ?? item.label)}: ${escapeHtml(item.display ?? item.value)}</title>` +
      `<text class="label" x="${labelW - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${escapeHtml(clip(item.label, 30))}</text>` +
      `<rect class="bar" x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${color}" data-value="${item.value}"/>` +
      `<text class="value" x="${labelW + w + 6}" y="${y + rowH / 2 + 4}">${escapeHtml(item.display ?? formatNumber(item.value))}</text></g>`
    );
  });
  const empty = items.length ? '' : `<text class="empty" x="${labelW}" y="${top + rowH / 2 + 4}">no data</text>`;
  return svg(
    o,
    width,
    height,
    rows.join('') + empty + `<line class="axis" x1="${labelW}" y1="${top}" x2="${labelW}" y2="${height - top}"/>`,
  );
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** Vertical bars over equal-width bins, with the bin edges under the axis. */
export function histogram(bins: HistogramBin[], o: BarChartOptions): string {
  const width = o.width ?? 720;
  const height = 220;
  const left = 50;
  const bottom = 30;
  const top = 12;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const max = o.max ?? Math.max(1, ...bins.map((b) => b.count));
  const barW = bins.length ? plotW / bins.length : plotW;
  const bars = bins.map((b, k) => {
    const h = (b.count / max) * plotH;
    const x = left + k * barW;
    return (
      `<g class="bin"><title>${b.from.toFixed(2)}-${b.to.toFixed(2)}: ${b.count}</title>` +
      `<rect class="bar" x="${(x + 1).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${Math.max(0, barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${o.color ?? PALETTE[0]}" data-value="${b.count}"/>` +
      `<text class="tick" x="${x.toFixed(1)}" y="${height - bottom + 14}" text-anchor="middle">${b.from.toFixed(1)}</text></g>`
    );
  });
  const last = bins.at(-1);
  const end = last
    ? `<text class="tick" x="${left + plotW}" y="${height - bottom + 14}" text-anchor="middle">${last.to.toFixed(1)}</text>`
    : '';
  const axes =
    `<line class="axis" x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}"/>` +
    `<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}"/>` +
    `<text class="tick" x="${left - 6}" y="${top + 4}" text-anchor="end">${formatNumber(max)}</text>` +
    `<text class="tick" x="${left - 6}" y="${top + plotH}" text-anchor="end">0</text>`;
  return svg(o, width, height, bars.join('') + end + axes);
}

function svg(o: BarChartOptions, width: number, height: number, body: string): string {
  return (
    `<svg class="chart" data-chart="${escapeHtml(o.id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" role="img" aria-label="${escapeHtml(o.title)}"><title>${escapeHtml(o.title)}</title>${body}</svg>`
  );
}

/** Long contributor addresses become `0x1234…abcd` in labels; the tooltip keeps them whole. */
export function clip(label: string, max: number): string {
  if (label.length <= max) return label;
  if (/^0x[0-9a-fA-F]{40}$/.test(label)) return `${label.slice(0, 6)}…${label.slice(-4)}`;
  return `${label.slice(0, max - 1)}…`;
}

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

export function formatPercent(rate: number | null): string {
  return rate === null || !Number.isFinite(rate) ? 'n/a' : `${(rate * 100).toFixed(1)}%`;
}
