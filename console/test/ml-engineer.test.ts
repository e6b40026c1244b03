// The ML engineer's path in Chromium against a real `datanet serve` (PostgreSQL store): sign in
// with a wallet, launch the MedQuAD intake pipeline with a parameter, watch it run live, open a
// step's log, preview an output table, filter the runs list (filters kept in the URL).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Wallet } from 'ethers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, launchBrowser, shot, signInThroughPage, walletContext } from './helpers/browser.js';
import { REPO, startConsoleServer, type ConsoleServer } from './helpers/console-server.js';

const CORPUS = join(REPO, '..', 'shared', 'corpora', 'medquad', 'medquad_with_answers.jsonl.gz');
const haveCorpus = existsSync(CORPUS);
if (!haveCorpus && process.env.CI === 'true') throw new Error(`MedQuAD is missing at ${CORPUS}; CI must have the corpora`);

const engineer = new Wallet(Wallet.createRandom().privateKey);
let server: ConsoleServer;
let browser: Browser;
let subset: string;

describe.skipIf(!haveCorpus)('ML engineer in the console (skipped when MedQuAD is absent)', () => {
  beforeAll(async () => {
    // Every 100th MedQuAD record: all nine sources, a run of a few seconds.
    const lines = gunzipSync(readFileSync(CORPUS)).toString('utf8').split('\n').filter(Boolean);
    subset = join(mkdtempSync(join(tmpdir(), 'medquad-')), 'medquad-subset.jsonl');
    writeFileSync(subset, `${lines.filter((_, i) => i % 100 === 0).join('\n')}\n`);
    server = await startConsoleServer();
    await server.grant('*', engineer.address, 'steward');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('launches the intake with a parameter, watches it live, reads a log and previews a table', async () => {
    const context = await walletContext(browser, engineer);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    try {
      await engineerPath(page, problems);
    } catch (e) {
      await shot(page, 'ml-failure');
      throw e;
    }
    await context.close();
  });
});

async function engineerPath(page: Page, problems: string[]) {
  {
    await page.goto(`${server.url}/`);
    await shot(page, 'ml-01-home-signed-out');
    await signInThroughPage(page, server.url);

    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('link', { name: 'Launch a run' }).click();
    await page.getByRole('heading', { name: 'Launch a run' }).waitFor();
    await page.getByLabel('Pipeline').selectOption('medical-qa-intake');
    await page.getByLabel(/^medquad/).fill(subset);
    await shot(page, 'ml-02-launch-form');
    await page.getByRole('button', { name: 'Launch medical-qa-intake' }).click();

    await page.waitForURL((u) => /^\/runs\/\d{8}T/.test(u.pathname));
    const runId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await expect.poll(() => page.locator('[data-testid="dag"] .react-flow__node').count(), { timeout: 30_000 }).toBe(7);
    await page
      .getByText('Live')
      .first()
      .waitFor({ timeout: 30_000 })
      .catch(() => undefined);
    await shot(page, 'ml-03-run-live');

    // States arrive over SSE; the run ends succeeded without reloading the page.
    await page.locator('h1 .badge-succeeded').waitFor({ timeout: 240_000 });
    const nodeClasses = await page.locator('.react-flow__node').evaluateAll((ns) => ns.map((n) => n.className));
    expect(nodeClasses.every((c) => /dag-(succeeded|cached)/.test(c))).toBe(true);

    await page.getByRole('button', { name: /^ingest/ }).click();
    await page.getByRole('heading', { name: /Step ingest/ }).waitFor();
    await page.getByRole('log', { name: 'Log of step ingest' }).waitFor();
    await page.getByRole('button', { name: 'Preview accepted' }).click();
    const preview = page.getByRole('table', { name: 'First rows of ingest.accepted' });
    await preview.waitFor();
    expect(await preview.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await preview.locator('thead th').allTextContents()).toContain('question');
    await shot(page, 'ml-04-step-log-preview');
    expect(await axeProblems(page)).toEqual([]);

    // The runs list, filtered; the filters live in the URL and survive a reload.
    await page.getByRole('link', { name: 'Runs', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await page.getByLabel('Status').selectOption('succeeded');
    await page.getByLabel('Pipeline').selectOption('medical-qa-intake');
    await expect.poll(() => new URL(page.url()).searchParams.get('status')).toBe('succeeded');
    await page.reload();
    await page.getByRole('link', { name: runId }).waitFor();
    expect(await page.getByLabel('Status').inputValue()).toBe('succeeded');
    await shot(page, 'runs-page');
    expect(await axeProblems(page)).toEqual([]);
    await page.getByLabel('Status').selectOption('failed');
    await page.getByText('No runs match these filters.').waitFor();

    // Phone width: the run page stacks and stays usable.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/runs/${runId}?step=near`);
    await page.getByRole('heading', { name: /Step near/ }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await shot(page, 'ml-05-run-phone');
    expect(problems).toEqual([]);
  }
}
