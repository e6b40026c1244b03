import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { withDuckDb } from '@datanet/connector-duckdb';
import type { QualityReportModel } from '../src/index.js';
import { cli } from './cli.js';
import { executeNotebook, notebookSkip, outputText } from './notebook-runner.js';
import { ALICE, BOB, CAROL, DATANET } from './fixtures.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const chromiumSkip = existsSync(CHROMIUM)
  ? false
  : process.env.CI === 'true'
    ? false
    : `Chromium is not installed at ${CHROMIUM} (run .ci/setup-system.sh)`;

/** Counts rows of step outputs straight from their Parquet files, independently of the report code. */
async function rows(paths: string[]): Promise<number> {
  if (!paths.length) return 0;
  return withDuckDb(async (s) =>
    Number((await s.all<{ n: number }>(`select count(*) as n from read_parquet([${paths.map((p) => `'${p}'`).join(',')}])`))[0].n),
  );
}

describe('datanet report quality (real pipeline run, real CLI)', () => {
  let stateDir: string;
  let outDir: string;
  let model: QualityReportModel;
  let runId: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'report-state-'));
    const run = await cli(stateDir, ['--json', 'run', '-q', join(HERE, 'e2e/report-e2e.yaml')]);
    expect(run.code, run.err + run.out).toBe(0);
    runId = JSON.parse(run.out).runId ?? JSON.parse(run.out).id;
    outDir = join(stateDir, 'out');
    const rep = await cli(stateDir, ['--json', 'report', 'quality', '--datanet', DATANET, '--out', outDir]);
    expect(rep.code, rep.err + rep.out).toBe(0);
    const doc = JSON.parse(rep.out) as { html: string; json: string; report: QualityReportModel };
    expect(doc.html).toBe(join(outDir, 'quality-report.html'));
    model = JSON.parse(readFileSync(doc.json, 'utf8'));
    expect(model).toEqual(doc.report);
  }, 240_000);

  it('finds the newest run and reports what its real dedupe and quality steps produced', async () => {
    expect(model.runId).toBe(runId);
    expect(model.totals.acceptedRecords).toBe(9);
    expect(model.totals.intakeRejections).toBe(3);
    expect(model.totals.duplicates).toBe(await rows(model.sources.duplicates));
    expect(model.totals.qualityRejected).toBe(await rows(model.sources.qualityRejected));
    expect(model.qualityScores?.count).toBe(await rows(model.sources.qualityScores));
    // r4 is a verbatim copy of r1: the exact pass must have dropped it, crediting r1.
    expect(model.rejectionReasons.find((r) => r.reason === 'exact_duplicate')?.count).toBeGreaterThanOrEqual(1);
    expect(model.duplicates.top.find((c) => c.clusterId === 'r1')?.keeper.contributor).toBe(ALICE);
    // 'ok' cannot pass the Gopher word count.
    expect(model.totals.qualityRejected).toBeGreaterThanOrEqual(1);
    expect(model.rules.length).toBeGreaterThan(5);
    for (const r of model.rules) expect(r.passRate).toBeCloseTo(1 - r.failed / r.checked, 10);
    // The JSON lists acceptance rate and standing per contributor, from the registry the intake filled.
    expect(model.sources.registry).toBe(true);
    expect(Object.fromEntries(model.contributors.map((c) => [c.contributor, c.acceptanceRate]))).toEqual({
      [ALICE]: 1,
      [BOB]: 2 / 3,
      [CAROL]: 1 / 2,
    });
    // Standing counts only what survived dedupe and quality: a contributor with nothing left has none.
    for (const c of model.contributors)
      expect(c.standing > 0, JSON.stringify(c)).toBe(c.acceptedRecords - c.duplicates - c.qualityRejected > 0);
    expect(model.contributors.filter((c) => c.standing > 0).length).toBeGreaterThan(0);
    // quality.checks: 'ok' (r6) is the one text shorter than 100 characters, a warning.
    expect(model.checks.map((c) => [c.check, c.success])).toEqual([
      ['unique', true],
      ['regex', true],
      ['length_between', false],
    ]);
    expect(model.checks[2]).toMatchObject({ severity: 'warn', unexpectedCount: 1, elementCount: 9 });
  });

  it('prints a terminal summary, selects runs by prefix, and fails clearly on an unknown run or bad flags', async () => {
    const text = await cli(stateDir, [
      'report',
      'quality',
      '--datanet',
      DATANET,
      '--run',
      runId.slice(0, 8),
      '--out',
      join(stateDir, 'out2'),
    ]);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`Datanet ${DATANET} · run ${runId}`);
    expect(text.out).toContain(BOB);
    expect(text.out).toContain(`wrote ${join(stateDir, 'out2', 'quality-report.html')}`);
    const missing = await cli(stateDir, ['report', 'quality', '--datanet', DATANET, '--run', 'no-such-run']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no run "no-such-run".*datanet runs/);
    const bad = await cli(stateDir, ['report', 'quality', '--datanet', '../etc']);
    expect(bad.code).toBe(2);
    const noFlag = await cli(stateDir, ['report', 'quality']);
    expect(noFlag.code).toBe(2);
  });

  it.skipIf(chromiumSkip)(
    `renders in headless Chromium with its charts, contributors and numbers${chromiumSkip ? ` (skipped: ${chromiumSkip})` : ''}`,
    async () => {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--no-first-run',
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        await page.goto('file://' + join(outDir, 'quality-report.html'));
        expect(await page.title()).toBe(`Quality report: ${DATANET}`);
        for (const chart of ['acceptance-rate', 'rejection-reasons', 'duplicate-clusters', 'quality-scores', 'rule-pass-rates']) {
          const svg = page.locator(`svg[data-chart="${chart}"]`);
          await expect(svg.count()).resolves.toBe(1);
          expect((await svg.boundingBox())!.width).toBeGreaterThan(300);
        }
        // One bar per contributor, as long as its acceptance rate says.
        const bars = await page
          .locator('svg[data-chart="acceptance-rate"] rect.bar')
          .evaluateAll((els) =>
            els.map((e) => [Number(e.getAttribute('data-value')), (e as unknown as { getBBox(): { width: number } }).getBBox().width]),
          );
        expect(bars.map(([v]) => v)).toEqual(model.contributors.map((c) => c.acceptanceRate));
        const full = bars[0][1];
        for (const [v, w] of bars) expect(w).toBeCloseTo(v * full, 0);
        expect(await page.locator('svg[data-chart="rule-pass-rates"] rect.bar').count()).toBe(model.rules.length);
        expect(await page.locator('svg[data-chart="quality-scores"] rect.bar').count()).toBe(10);
        for (const c of model.contributors) {
          const row = page.locator(`tr[data-contributor="${c.contributor}"]`);
          await expect(row.locator('[data-field="acceptance-rate"]').innerText()).resolves.toBe(`${(c.acceptanceRate * 100).toFixed(1)}%`);
          await expect(row.locator('[data-field="standing"]').innerText()).resolves.toBe(c.standing.toFixed(3));
        }
        await expect(page.locator('[data-kpi="accepted-records"] .v').innerText()).resolves.toBe(String(model.totals.acceptedRecords));
        await expect(page.locator('[data-kpi="duplicates"] .v').innerText()).resolves.toBe(String(model.totals.duplicates));
        expect(await page.locator('tr[data-reason="invalid_utf8"]').count()).toBe(1);
        await expect(page.locator('table.checks tr.fail [data-field="success"]').allInnerTexts()).resolves.toEqual(['FAIL']);
        expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
        const shots = join(HERE, '..', 'test-output');
        mkdirSync(shots, { recursive: true });
        await page.screenshot({ path: join(shots, 'quality-report.png'), fullPage: true });
        expect(existsSync(join(shots, 'quality-report.png'))).toBe(true);
      } finally {
        await browser.close();
      }
    },
  );

  it.skipIf(notebookSkip)(
    `feeds the steward notebook through DATANET_STATE_DIR${notebookSkip ? ` (skipped: ${notebookSkip})` : ''}`,
    async () => {
      // Without --out the report lands under the state folder, where the notebook looks for it.
      const rep = await cli(stateDir, ['report', 'quality', '--datanet', DATANET]);
      expect(rep.code, rep.err).toBe(0);
      expect(existsSync(join(stateDir, 'reports', DATANET, runId, 'quality-report.json'))).toBe(true);
      const out = executeNotebook({ DATANET_STATE_DIR: stateDir }, join(stateDir, 'nb'));
      expect(outputText(out)).toContain(
        `Datanet ${DATANET}: tables from ${join(stateDir, 'reports', DATANET, runId, 'quality-report.json')}`,
      );
      expect(outputText(out)).toContain(
        `${model.totals.acceptedRecords} accepted, ${model.totals.intakeRejections} rejected, ${model.totals.duplicates} duplicates`,
      );
    },
  );
});
