import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOperator } from '@datanet/pipelines/testing';
import { reportQuality } from '../src/index.js';

// The shape dedupe.reuse writes as its report (operators/dedupe/src/reuse/reuse-outputs.ts).
const reuseReport = {
  operator: 'dedupe.reuse',
  records: 3,
  rejected: 1,
  matches: 1,
  settings: { k: 5, mod: 4, minContainment: 0.25 },
  examples: [
    {
      id: 'copy-1',
      source_id: 'src-<7>',
      containment: 0.52,
      source_coverage: 0.48,
      spans: [
        {
          start: 10,
          end: 40,
          sourceStart: 0,
          sourceEnd: 30,
          text: 'Glaucoma damages the optic <nerve>',
          sourceText: 'Glaucoma damages the optic <nerve>',
        },
        {
          start: 45,
          end: 70,
          sourceStart: 35,
          sourceEnd: 60,
          text: 'lowered by drops or laser',
          sourceText: 'lowered by eye drops or laser',
        },
      ],
    },
  ],
};

describe('report.quality: copied passages section', () => {
  it('shows each copy beside its source, span by span with offsets, escaped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reuse-report-'));
    const path = join(dir, 'reuse.json');
    writeFileSync(path, JSON.stringify(reuseReport));
    const out = await runOperator(reportQuality, { config: { datanet: 'reuse-test', registry: false }, inputs: { reuseReport: path } });
    const m = out.outputs.report.json as { reuse: { rejected: number; examples: { sourceId: string }[] } };
    expect(m.reuse.rejected).toBe(1);
    expect(m.reuse.examples[0].sourceId).toBe('src-<7>');
    const html = readFileSync(String(out.outputs.report.ref.meta.html), 'utf8');
    expect(html).toContain('<h2 id="reuse">Copied passages</h2>');
    expect(html).toContain('1 of 3 records rejected as reused');
    expect(html).toContain(
      '<details data-reuse="copy-1"><summary><code>copy-1</code> copies <code data-field="source">src-&lt;7&gt;</code>',
    );
    // Side by side: record span and source span in one row, each with its offsets.
    expect(html).toContain(
      '<tr><td class="span"><small>45-70</small><br>lowered by drops or laser</td><td class="span"><small>35-60</small><br>lowered by eye drops or laser</td></tr>',
    );
    expect(html).toContain('optic &lt;nerve&gt;');
    expect(html.indexOf('id="reuse"')).toBeLessThan(html.indexOf('</main>'));
  });
});
