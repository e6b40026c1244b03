// `npm run bench -- console`: the web console in Chromium against a real `datanet serve`
// (PostgreSQL store). Targets (issue 16): the runs page with 10,000 runs in the store is
// interactive within 1 s; a 500-step run's DAG renders within 1 s; the initial JavaScript is at
// most 300 KB gzipped. Times are the page's own clock from navigation start, median of several loads.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Wallet } from 'ethers';
import { launchBrowser, shot, signInThroughPage, walletContext } from '../console/test/helpers/browser.js';
import { REPO, startConsoleServer } from '../console/test/helpers/console-server.js';
import { median } from './machine.js';

const RUNS = Number(process.env.BENCH_CONSOLE_RUNS ?? 10_000);
const DAG_STEPS = Number(process.env.BENCH_CONSOLE_STEPS ?? 500);
const LOADS = Number(process.env.BENCH_CONSOLE_LOADS ?? 5);

/** Gzipped bytes of the JavaScript the first page loads: its entry script and the modules it preloads. */
function initialJs(): { files: string[]; gzipBytes: number; rawBytes: number } {
  const dist = join(REPO, 'console', 'dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  let gzipBytes = 0;
  let rawBytes = 0;
  for (const f of files) {
    const bytes = readFileSync(join(dist, f));
    rawBytes += bytes.length;
    gzipBytes += gzipSync(bytes, { level: 9 }).length;
  }
  return { files, gzipBytes, rawBytes };
}

/** A layered DAG: `width` steps per layer, each needing two steps of the layer before. */
function bigPipeline(steps: number, width = 20): string {
  const lines = ['apiVersion: datanet/v1', 'kind: Pipeline', 'metadata: { name: bench-dag }', 'steps:'];
  for (let i = 0; i < steps; i++) {
    const layer = Math.floor(i / width);
    const needs = layer === 0 ? [] : [((layer - 1) * width + (i % width)) % steps, (layer - 1) * width + ((i + 1) % width)];
    lines.push(`  s${i}:`, `    uses: table.sql`, ...(needs.length ? [`    needs: [${needs.map((n) => `s${n}`).join(', ')}]`] : []));
  }
  return `${lines.join('\n')}\n`;
}

export async function run() {
  execFileSync(process.execPath, [join(REPO, 'console', 'scripts', 'ensure-build.mjs')], { stdio: 'inherit' });
  const js = initialJs();
  const server = await startConsoleServer();
  const browser = await launchBrowser();
  const who = new Wallet(Wallet.createRandom().privateKey);
  try {
    await server.grant('*', who.address, 'reviewer');
    const now = Date.now();
    const seedStart = performance.now();
    await server.sql(
      `INSERT INTO {schema}.runs (id, pipeline, file, spec_yaml, params, options, status, executor, created_at, started_at, finished_at)
       SELECT 'bench-' || lpad(g::text, 6, '0'), 'pipeline-' || (g % 7), 'p.yaml', '', '{}'::jsonb, '{}'::jsonb,
              (ARRAY['succeeded','failed','cancelled','succeeded'])[1 + g % 4], 'in-process', $1::bigint - g * 60000, $1::bigint - g * 60000, $1::bigint - g * 60000 + 5000
       FROM generate_series(1, $2::int) g`,
      [now, RUNS],
    );
    await server.sql(
      `INSERT INTO {schema}.runs (id, pipeline, file, spec_yaml, params, options, status, executor, created_at, started_at, finished_at)
       VALUES ('bench-dag', 'bench-dag', 'p.yaml', $1, '{}'::jsonb, '{}'::jsonb, 'succeeded', 'in-process', $2, $2, $2)`,
      [bigPipeline(DAG_STEPS), now + 1000],
    );
    await server.sql(
      `INSERT INTO {schema}.steps (run_id, step_id, status, attempts, started_at, finished_at, duration_ms)
       SELECT 'bench-dag', 's' || g, 'succeeded', 1, $1::bigint, $1::bigint + 100, 100 FROM generate_series(0, $2::int - 1) g`,
      [now, DAG_STEPS],
    );
    const seedMs = performance.now() - seedStart;

    const context = await walletContext(browser, who);
    const page = await context.newPage();
    await signInThroughPage(page, server.url);

    // Runs page: from navigation start until the first page of runs is shown and a filter answers.
    const runsMs: number[] = [];
    const filterMs: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      await page.goto(`${server.url}/runs`, { waitUntil: 'commit' });
      await page.waitForSelector('table.runs tbody tr a');
      runsMs.push(await page.evaluate(() => performance.now()));
      const t0 = await page.evaluate(() => performance.now());
      await page.getByLabel('Status').selectOption('failed');
      // A function, not a string (the console's CSP forbids eval); the bench is type-checked without
      // the DOM library, hence the loose typing.
      await page.waitForFunction(() => {
        const rows = [...(globalThis as any).document.querySelectorAll('table.runs tbody tr')] as { textContent: string }[];
        return rows.length > 0 && rows.every((r) => r.textContent.includes('failed'));
      });
      filterMs.push((await page.evaluate(() => performance.now())) - t0);
    }
    const rowsShown = await page.locator('table.runs tbody tr').count();

    // 500-step DAG: from navigation start until the laid-out graph is drawn.
    const dagMs: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      await page.goto(`${server.url}/runs/bench-dag`, { waitUntil: 'commit' });
      await page.waitForSelector('[data-testid="dag"] .react-flow__node').catch(async (e) => {
        await shot(page, 'bench-dag-failure');
        throw e;
      });
      dagMs.push(await page.evaluate(() => performance.now()));
    }
    const nodesDrawn = await page.locator('.react-flow__node').count();
    await context.close();
    const runsMedian = Math.round(median(runsMs));
    const dagMedian = Math.round(median(dagMs));
    return {
      loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
      initialJs: { ...js, gzipKiB: Math.round(js.gzipBytes / 102.4) / 10, targetKiB: 300, ok: js.gzipBytes <= 300 * 1024 },
      runsPage: {
        runsInStore: RUNS,
        seedMs: Math.round(seedMs),
        interactiveMs: runsMs.map(Math.round),
        medianMs: runsMedian,
        filterChangeMs: filterMs.map(Math.round),
        rowsShown,
        targetMs: 1000,
        ok: runsMedian < 1000,
      },
      dag: { steps: DAG_STEPS, renderMs: dagMs.map(Math.round), medianMs: dagMedian, nodesDrawn, targetMs: 1000, ok: dagMedian < 1000 },
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}
