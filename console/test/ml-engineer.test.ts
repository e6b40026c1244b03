// The ML engineer's path in Chromium against a real `datanet serve` (PostgreSQL store): sign in
// with a wallet, launch the MedQuAD intake pipeline with a parameter, watch it run live, open a
// step's log, preview an output table, filter the runs list (filters kept in the URL). And, with
// no corpus needed: a step that fails (its input file is missing) is retried from the run page,
// after a confirmation, and the run succeeds; the step panel shows the cache key and decision.
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

// A pipeline whose first step fails until its input file exists.
const RETRY_PIPELINE = `apiVersion: datanet/v1
kind: Pipeline
metadata:
  name: retry-once
  description: reads a CSV that does not exist yet, then counts its rows
parameters:
  input: { type: string, description: a CSV file }
steps:
  read:
    uses: table.read
    with: { path: '\${{ params.input }}', format: csv }
  count:
    uses: table.sql
    needs: [read.table]
    with: { query: 'select count(*) as n from input' }
`;

describe('retrying a failed step from the run page', () => {
  const stewardWallet = new Wallet(Wallet.createRandom().privateKey);
  const reviewerWallet = new Wallet(Wallet.createRandom().privateKey);
  let retryServer: ConsoleServer;
  let retryBrowser: Browser;
  beforeAll(async () => {
    retryServer = await startConsoleServer();
    writeFileSync(join(retryServer.root, 'configs', 'pipelines', 'retry-once.yaml'), RETRY_PIPELINE);
    await retryServer.grant('*', stewardWallet.address, 'steward');
    await retryServer.grant('*', reviewerWallet.address, 'reviewer');
    retryBrowser = await launchBrowser();
  });
  afterAll(async () => {
    await retryBrowser?.close();
    await retryServer?.stop();
  });

  it('a steward retries the failed step after confirming and the run succeeds; a reviewer gets no retry button', async () => {
    const input = join(retryServer.root, 'retry-input.csv');
    const context = await walletContext(retryBrowser, stewardWallet);
    const page = await context.newPage();
    try {
      await signInThroughPage(page, retryServer.url);
      const runId = await page.evaluate(async (path) => {
        const csrf = decodeURIComponent(document.cookie.match(/datanet_csrf=([^;]+)/)?.[1] ?? '');
        const res = await fetch('/api/runs', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
          body: JSON.stringify({ pipeline: 'retry-once', params: { input: path } }),
        });
        if (res.status !== 202) throw new Error(`launch: ${res.status} ${await res.text()}`);
        return ((await res.json()) as { runId: string }).runId;
      }, input);
      await page.goto(`${retryServer.url}/runs/${encodeURIComponent(runId)}?step=read`);
      await page.locator('h1 .badge-failed').waitFor({ timeout: 120_000 });
      await page.getByRole('heading', { name: /Step read/ }).waitFor();
      expect(await page.locator('.step-panel .error-text').first().textContent()).toMatch(/no such file/);
      await page.getByRole('button', { name: 'Retry step read' }).click();
      // Asked first; keeping it as is sends nothing.
      await page.getByRole('button', { name: 'Keep as is' }).click();
      expect(await page.locator('h1 .badge-failed').count()).toBe(1);
      await shot(page, 'ml-06-step-failed');
      expect(await axeProblems(page)).toEqual([]);

      // A reviewer reads the failed run: the cache facts, and no retry, resume or cancel buttons.
      const reviewerContext = await walletContext(retryBrowser, reviewerWallet);
      const reviewerPage = await reviewerContext.newPage();
      await signInThroughPage(reviewerPage, retryServer.url);
      await reviewerPage.goto(`${retryServer.url}/runs/${encodeURIComponent(runId)}?step=read`);
      await reviewerPage.getByTestId('cache-key').waitFor();
      await reviewerPage.locator('h1 .badge-failed').waitFor();
      expect(await reviewerPage.getByRole('button', { name: /Retry step|Resume run|Cancel run/ }).count()).toBe(0);
      await reviewerContext.close();

      writeFileSync(input, 'name,value\na,1\nb,2\nc,3\n');
      await page.getByRole('button', { name: 'Retry step read' }).click();
      await page.getByRole('button', { name: 'Confirm retry' }).click();
      await page.locator('h1 .badge-succeeded').waitFor({ timeout: 120_000 });
      await page.getByRole('heading', { name: /Step read/ }).waitFor();
      await expect.poll(() => page.getByTestId('cache-decision').textContent(), { timeout: 30_000 }).toMatch(/^computed in this run/);
      expect(await page.getByTestId('cache-key').textContent()).toMatch(/[0-9a-f]{16}/);
      expect(await page.getByRole('button', { name: 'Retry step read' }).count()).toBe(0);
      // The attempts table keeps the failed attempt beside the one that succeeded.
      const attempts = await page.locator('.step-panel table tbody tr').allTextContents();
      expect(attempts.some((a) => /failed/.test(a))).toBe(true);
      expect(attempts.some((a) => /succeeded/.test(a))).toBe(true);
      await shot(page, 'ml-07-step-retried');
      const count = await page.evaluate(async (id) => {
        const res = await fetch(`/api/runs/${encodeURIComponent(id)}/steps/count/outputs/table/preview`);
        return ((await res.json()) as { rows: unknown[][] }).rows[0]?.[0];
      }, runId);
      expect(Number(count)).toBe(3);
    } catch (e) {
      await shot(page, 'ml-retry-failure');
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
    await expect.poll(() => page.locator('[data-testid="dag"] .react-flow__node').count(), { timeout: 30_000 }).toBe(8);
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
