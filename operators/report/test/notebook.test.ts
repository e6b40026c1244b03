import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableToParquet } from '@datanet/pipelines';
import { fixtureRows, fixtureTables } from './fixtures.js';
import { executeNotebook as execute, notebookSkip as skip, outputText as text } from './notebook-runner.js';

describe.skipIf(skip)(`notebooks/datanet-quality.ipynb (tslab kernel)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('runs on its own synthetic Datanet and draws the acceptance chart', async () => {
    const out = execute({}, await mkdtemp(join(tmpdir(), 'nb-')));
    expect(text(out)).toMatch(/tables from synthetic tables/);
    expect(text(out)).toMatch(/checked: 4 contributors, \d+ accepted/);
    const svg = out.find((o) => o.data?.['image/svg+xml']);
    expect(String(svg?.data?.['image/svg+xml'])).toMatch(/<rect class="bar"/);
  });

  it("opens a run's Parquet tables through DuckDB and reports their figures", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nb-tables-'));
    const t = fixtureTables();
    writeFileSync(join(dir, 'accepted.parquet'), await tableToParquet(t.accepted));
    writeFileSync(join(dir, 'rejections.parquet'), await tableToParquet(t.rejections));
    writeFileSync(join(dir, 'duplicates.parquet'), await tableToParquet(t.nearDuplicates));
    const f = fixtureRows();
    const out = execute({ DATANET_TABLES_DIR: dir, DATANET_ID: 'report-test' }, join(dir, 'out'));
    const contributors = new Set([...f.accepted, ...f.rejections].map((r) => r.contributor)).size;
    expect(text(out)).toContain(
      `checked: ${contributors} contributors, ${f.accepted.length} accepted, ${f.rejections.length} rejected, ${f.nearDuplicates.length} duplicates`,
    );
    const html = String(out.find((o) => o.data?.['text/html'])?.data?.['text/html']);
    expect(html).toContain('invalid_utf8');
    expect(html).toContain(f.accepted[3].contributor);
    const svg = String(out.find((o) => o.data?.['image/svg+xml'])?.data?.['image/svg+xml']);
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(contributors);
  });
});
