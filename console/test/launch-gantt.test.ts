// The launch form and the run's timeline in Chromium against a real `datanet serve` (PostgreSQL
// store): a parameter the pipeline's `parameters:` types as a number, given a word, is refused
// before anything starts, with the problem at file:line:col; given a number, the run starts and
// its Gantt timeline shows one bar per attempt of each step. The form and the decision are used
// with the keyboard alone; the step log is opened from the timeline, and the runs list keeps its
// time window in the URL.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, launchBrowser, shot, signInThroughPage, walletContext } from './helpers/browser.js';
import { startConsoleServer, type ConsoleServer } from './helpers/console-server.js';

const PIPELINE = `apiVersion: datanet/v1
kind: Pipeline
metadata:
  name: count-to
  description: reads a small CSV, then keeps its first n rows
parameters:
  n: { type: number, default: 3, description: how many rows to keep }
steps:
  read:
    uses: table.read
    with: { path: 'ROWS', format: csv }
  head:
    uses: table.sql
    needs: [read.table]
    with: { query: 'select * from input limit $n', params: { n: '\${{ params.n }}' } }
`;

let server: ConsoleServer;
let browser: Browser;
const engineer = new Wallet(Wallet.createRandom().privateKey);

describe('launch form and Gantt timeline', () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    const rows = join(server.root, 'rows.csv');
    writeFileSync(rows, `i\n${[1, 2, 3, 4, 5, 6, 7].join('\n')}\n`);
    writeFileSync(join(server.root, 'configs', 'pipelines', 'count-to.yaml'), PIPELINE.replace('ROWS', rows));
    await server.grant('*', engineer.address, 'steward');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('refuses a bad parameter with file:line:col before starting, then launches and draws each attempt on the timeline', async () => {
    const context = await walletContext(browser, engineer);
    const page = await context.newPage();
    try {
      await signInThroughPage(page, server.url);
      await page.goto(`${server.url}/runs/launch?pipeline=count-to`);
      const n = page.getByLabel(/^n/);
      await n.waitFor();
      await n.focus();
      await page.keyboard.type('many');
      await page.keyboard.press('Enter');
      const alert = page.getByRole('alert');
      await alert.waitFor({ timeout: 60_000 });
      const problems = await alert.locator('.diagnostics li').allTextContents();
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.join('\n')).toMatch(/count-to\.yaml:\d+:\d+: --param n=many: expected a number/);
      // Titled as a refusal of the input, each problem said once (in the list), no stack trace.
      expect(await alert.locator('strong').textContent()).toBe('Not valid');
      expect((await alert.textContent())!.split('expected a number').length - 1).toBe(1);
      expect(await alert.textContent()).not.toMatch(/\n\s+at .+:\d+:\d+\)/);
      expect(await page.evaluate(async () => ((await (await fetch('/api/runs')).json()) as { runs: unknown[] }).runs.length)).toBe(0);
      await shot(page, 'launch-01-invalid-parameter');
      expect(await axeProblems(page)).toEqual([]);

      await n.fill('');
      await n.focus();
      await page.keyboard.type('5');
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => /^\/runs\/\d{8}T/.test(u.pathname), { timeout: 60_000 });
      await page.locator('h1 .badge-succeeded').waitFor({ timeout: 120_000 });
      const gantt = page.getByRole('list', { name: 'Steps and their attempts over time' });
      await gantt.waitFor();
      expect(await gantt.locator(':scope > li').count()).toBe(2);
      await expect.poll(() => gantt.locator('[title^="attempt 1: succeeded"]').count(), { timeout: 30_000 }).toBe(2);
      await shot(page, 'launch-02-gantt');
      expect(await axeProblems(page)).toEqual([]);
      // The step's log, opened from the timeline with the keyboard, holds what the step said.
      await gantt.getByRole('button', { name: /^read/ }).focus();
      await page.keyboard.press('Enter');
      const log = page.getByRole('log', { name: 'Log of step read' });
      await log.getByText(/read 1 file\(s\) as csv/).waitFor({ timeout: 30_000 });
      const runId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);

      // The runs list's time window is kept in the URL: a window around now lists the run, one in
      // the future lists nothing, and the inputs show the window after a reload.
      const hour = 3_600_000;
      const since = Date.now() - hour;
      await page.goto(`${server.url}/runs?pipeline=count-to&since=${since}`);
      await page.getByRole('link', { name: runId }).waitFor();
      expect(await page.getByLabel('From').inputValue()).not.toBe('');
      await page.goto(`${server.url}/runs?pipeline=count-to&since=${Date.now() + hour}`);
      await page.getByText('No runs match these filters.').waitFor();
      await page.getByLabel('From').fill('');
      await page.getByRole('link', { name: runId }).waitFor();
      expect(new URL(page.url()).searchParams.get('since')).toBeNull();
      expect(new URL(page.url()).searchParams.get('pipeline')).toBe('count-to');
    } catch (e) {
      await shot(page, 'launch-failure');
      throw e;
    }
    await context.close();
  });

  it('lists a waiting run under the status filter, and a steward cancels it from its page', async () => {
    // A run parked on a step's wait, as the engine leaves it (nothing executes it).
    const runId = '20261202T120000-waiting';
    await server.sql(
      `INSERT INTO {schema}.runs (id, pipeline, file, spec_yaml, params, options, status, executor, error, created_at, started_at)
       VALUES ($1, 'count-to', 'configs/pipelines/count-to.yaml', $2, '{}', '{}', 'waiting', 'in-process', 'step "head" waits for signal "go"', $3, $3)`,
      [runId, PIPELINE, Date.now()],
    );
    await server.sql(
      `INSERT INTO {schema}.steps (run_id, step_id, status, reason, pool) VALUES ($1, 'read', 'succeeded', 'ran', 'cpu'), ($1, 'head', 'waiting', 'waiting for signal "go"', 'cpu')`,
      [runId],
    );
    const context = await walletContext(browser, engineer);
    const page = await context.newPage();
    try {
      await signInThroughPage(page, server.url);
      await page.goto(`${server.url}/runs`);
      await page.getByLabel('Status').selectOption('waiting');
      await page.waitForURL((u) => u.searchParams.get('status') === 'waiting');
      await page.getByRole('link', { name: runId }).waitFor({ timeout: 30_000 });
      expect(await page.locator('table.runs tbody tr').count()).toBe(1);
      await page.getByRole('link', { name: runId }).click();
      await page.locator('h1 .badge-waiting').waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Cancel run' }).click();
      await page.locator('h1 .badge-cancelled').waitFor({ timeout: 30_000 });
      expect(await page.getByRole('alert').count()).toBe(0);
      const stored = await server.sql(`SELECT status FROM {schema}.runs WHERE id = $1`, [runId]);
      expect(stored.rows[0].status).toBe('cancelled');
      await page.getByRole('button', { name: 'Resume run' }).waitFor();
    } catch (e) {
      await shot(page, 'runs-waiting-failure');
      throw e;
    }
    await context.close();
  });
});
