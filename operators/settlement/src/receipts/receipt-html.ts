import type { Receipt } from './compute-receipt.js';
import type { InferenceView } from './inference-view.js';
import type { Offsets } from './span-offsets.js';

const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Text with [start, end) ranges wrapped in <mark> (overlaps merged; ranges not found are skipped). */
export function highlight(text: string | null, ranges: { at: Offsets; title?: string; href?: string }[]): string {
  if (!text) return '<em>(not stored)</em>';
  const rs = ranges.filter((r): r is { at: [number, number]; title?: string; href?: string } => !!r.at).sort((a, b) => a.at[0] - b.at[0]);
  let out = '';
  let pos = 0;
  for (const r of rs) {
    const [s, e] = r.at;
    if (s < pos) continue;
    out += esc(text.slice(pos, s));
    const mark = `<mark${r.title ? ` title="${esc(r.title)}"` : ''}>${esc(text.slice(s, e))}</mark>`;
    out += r.href ? `<a href="${esc(r.href)}">${mark}</a>` : mark;
    pos = e;
  }
  return out + esc(text.slice(pos));
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:24px auto;padding:0 16px;color:#1c2230}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #e3e6ee;padding:4px 8px;text-align:left;vertical-align:top}th{color:#56607a;font-weight:600;width:32%}
mark{background:#ffe27a;padding:0 1px;border-radius:2px}.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:13px}
.final{background:#d8f5dd;color:#145a22}.proposed{background:#fff1c2;color:#6b4e00}.superseded{background:#eee;color:#555}
.line{border:1px solid #e3e6ee;border-radius:8px;padding:10px 14px;margin:10px 0}.excluded{opacity:.6}
.text{white-space:pre-wrap;background:#f7f8fb;border-radius:6px;padding:8px;margin:4px 0}code{font-size:12px;word-break:break-all}
.amount{font-size:26px;font-weight:700}.muted{color:#6a7289}`;

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;

/** A self-contained HTML receipt (no scripts, no external assets): why each unit was paid. */
export function renderReceiptHtml(r: Receipt, opts: { inferenceHref?: (inferenceId: string) => string } = {}): string {
  const w = r.weights;
  const status = `<span class="badge ${r.status}">${r.status}${r.status === 'proposed' ? ` until ${new Date(r.finalAt).toISOString()}` : ''}</span>`;
  const lines = r.lines
    .map((l, i) => {
      const spans = l.evidence.kind === 'spans' ? l.evidence.spans : [];
      const inf = opts.inferenceHref ? `<a href="${esc(opts.inferenceHref(l.inferenceId))}">${esc(l.inferenceId)}</a>` : esc(l.inferenceId);
      const evidence =
        l.evidence.kind === 'spans'
          ? `<div class="muted">output of ${inf}</div><div class="text" data-role="output">${highlight(
              l.output,
              spans.map((s) => ({ at: s.output, title: `span "${s.text}" (${s.count ?? '?'} occurrences, weight ${s.weight ?? '?'})` })),
            )}</div><div class="muted">contribution <code>${esc(l.contributionId)}</code></div><div class="text" data-role="contribution">${highlight(
              l.contributionText,
              spans.map((s) => ({ at: s.contribution, title: `matches the output at words ${s.start}..${s.start + s.length}` })),
            )}</div>`
          : l.evidence.kind === 'influence'
            ? `<div>influence (${esc(l.evidence.method)}): ${esc(l.evidence.influence)}</div>`
            : '<div class="muted">no evidence recorded</div>';
      return `<div class="line${l.excluded ? ' excluded' : ''}" id="line-${i}"><div><b>${esc(l.amount)}</b> base units${l.excluded ? ' <b>(excluded: the contribution was revoked)</b>' : ''} · inference ${inf} · model <code>${esc(l.model)}</code> adapter <code>${esc(l.adapter)}</code> · fee ${esc(l.fee)} · score ${l.score.toFixed(6)}</div>${evidence}</div>`;
    })
    .join('');
  const rows: [string, string][] = [
    ['Datanet / epoch', `${esc(r.datanet)} · ${esc(r.epoch)} (leaf epoch ${esc(r.epochNumber)}) · proposal v${r.version} ${status}`],
    ['Why this proposal', esc(r.reason)],
    ['Attribution method', `${esc(r.method.name)} <code>${esc(r.method.version)}</code>`],
    ['Epoch fees', `${esc(w.fees)} → contributor pool ${esc(w.contributorPool)}`],
    [
      'Fee split (bps)',
      `platform ${w.splitBps.platform}, model owner ${w.splitBps.modelOwner}, stakers ${w.splitBps.stakers}, contributors ${w.splitBps.contributors}`,
    ],
    ['Attribution (sum of positive scores)', w.attribution.toFixed(10)],
    [
      'Standing weight',
      `standing ${w.standing.toFixed(4)} → w = ${w.standingFunction.floor} + (1 − ${w.standingFunction.floor}) × s^${w.standingFunction.gamma} = ${w.standingWeight.toFixed(6)}`,
    ],
    ['Weight (attribution × w)', String(w.weight)],
    ['Exact quota', `pool × weight / Σ weights = ${esc(w.quota.numerator)} / ${esc(w.quota.denominator)}`],
    ['Largest remainder', `floor ${esc(w.floorQuota)} + adjustment ${esc(w.largestRemainderAdjustment)}`],
    ['Merkle leaf', r.claim ? `index ${r.claim.index} <code>${esc(r.claim.leaf)}</code>` : 'nothing paid'],
    ['Merkle root', r.claim ? `<code>${esc(r.claim.root)}</code>` : '-'],
    ['Proof', r.claim ? r.claim.proof.map((p) => `<code>${esc(p)}</code>`).join('<br>') || '(single leaf)' : '-'],
    ['Audit root', r.auditRoot ? `<code>${esc(r.auditRoot)}</code>` : 'not final yet'],
  ];
  return page(
    `Receipt ${r.account} ${r.epoch}`,
    `<h1>Payout receipt</h1><div class="muted">${esc(r.account)}</div><p class="amount">${esc(r.amount)} <span class="muted" style="font-size:15px">base units</span></p>
<table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>
<h2>${r.lines.length} attribution line(s) · they add up to ${esc(r.lines.reduce((n, l) => n + BigInt(l.amount), 0n))}</h2>${lines}`,
  );
}

/** OLMoTrace-style view of one inference: the output with spans marked, each linked to its contributions. */
export function renderInferenceHtml(v: InferenceView): string {
  const marks = v.spans.map((s, i) => ({ at: s.output, title: `${s.contributions.length} contribution(s)`, href: `#span-${i}` }));
  const list = v.spans
    .map(
      (s, i) =>
        `<div class="line" id="span-${i}"><div><mark>${esc(s.text)}</mark> matched ${s.contributions.length} contribution(s)</div>${s.contributions
          .map(
            (c) =>
              `<div class="muted">${esc(c.contributor)} · <code>${esc(c.contributionId)}</code> · score ${c.score.toFixed(6)}</div><div class="text">${highlight(c.text, [{ at: c.offsets }])}</div>`,
          )
          .join('')}</div>`,
    )
    .join('');
  return page(
    `Inference ${v.inferenceId}`,
    `<h1>Inference ${esc(v.inferenceId)}</h1><div class="muted">model <code>${esc(v.model)}</code> · adapter <code>${esc(v.adapter)}</code> · fee ${esc(v.fee)} · epoch ${esc(v.epoch)}</div>
<h2>Prompt</h2><div class="text">${esc(v.prompt)}</div><h2>Output</h2><div class="text" data-role="output">${highlight(v.output, marks)}</div>
<h2>Spans and their contributions</h2>${list || '<p class="muted">no spans</p>'}${
      v.influence.length
        ? `<h2>Influence</h2><table>${v.influence.map((c) => `<tr><td><code>${esc(c.contributionId)}</code></td><td>${esc(c.contributor)}</td><td>${c.score.toFixed(6)} (${esc(c.method)})</td></tr>`).join('')}</table>`
        : ''
    }`,
  );
}
