// The parts of the steward dashboard and the reviewer inbox that steward-reviewer.test.ts does not
// look at, in Chromium against a real `datanet serve` (PostgreSQL store) on one run of the MedQuAD
// review pipeline: the reviewer's blind mode (B), the earlier record beside a near duplicate with
// the differences marked, and their own accuracy and agreement; the steward's rejection reasons
// over time, quality score distribution and per-rule pass rates, review queue health (age,
// throughput, each reviewer's decisions), disputes, the tabs by keyboard, and the dashboard at 390 px.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Wallet } from 'ethers';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, launchBrowser, shot, signInThroughPage, walletContext } from './helpers/browser.js';
import { REPO, startConsoleServer, type ConsoleServer } from './helpers/console-server.js';

const CORPUS = join(REPO, '..', 'shared', 'corpora', 'medquad', 'medquad_with_answers.jsonl.gz');
const haveCorpus = existsSync(CORPUS);
if (!haveCorpus && process.env.CI === 'true') throw new Error(`MedQuAD is missing at ${CORPUS}; CI must have the corpora`);

const steward = new Wallet(Wallet.createRandom().privateKey);
const reviewer = new Wallet(Wallet.createRandom().privateKey);
let server: ConsoleServer;
let browser: Browser;

describe.skipIf(!haveCorpus)('dashboard and inbox details (skipped when MedQuAD is absent)', () => {
  beforeAll(async () => {
    const lines = gunzipSync(readFileSync(CORPUS)).toString('utf8').split('\n').filter(Boolean);
    const subset = join(mkdtempSync(join(tmpdir(), 'medquad-')), 'medquad-subset.jsonl');
    // Every 50th record and its neighbour: near duplicates, some held for people.
    writeFileSync(subset, `${lines.filter((_, i) => i % 50 === 0 || i % 50 === 1).join('\n')}\n`);
    server = await startConsoleServer({
      roles: { 'medical-qa': `  stewards: ["${steward.address}"]\n  reviewers: ["${reviewer.address}"]` },
      // The review run decides its own submissions. With the inbox trigger watching too, the
      // server's intake run (medical-qa-inbox) can take them first on a loaded machine, and the
      // dashboard, which reports on the newest run naming the Datanet, then shows that run.
      withoutPipelines: ['medical-qa-inbox.yaml'],
      // The subset is a corpus of this deployment: the Datanet's steward launches on it (a path
      // outside the deployment's corpora needs a steward of the deployment).
      corpora: dirname(subset),
    });
    browser = await launchBrowser();
    const context = await walletContext(browser, steward);
    const page = await context.newPage();
    await signInThroughPage(page, server.url);
    const runId = await page.evaluate(async (medquad) => {
      const csrf = document.cookie.match(/datanet_csrf=([^;]+)/)?.[1] ?? '';
      const res = await fetch('/api/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) },
        body: JSON.stringify({ pipeline: 'medical-qa-review', params: { medquad, datanet: 'medical-qa' } }),
      });
      if (res.status !== 202) throw new Error(`launch: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { runId: string }).runId;
    }, subset);
    await context.close();
    for (let i = 0; ; i++) {
      const r = await server.sql(`SELECT status FROM {schema}.steps WHERE run_id = $1 AND step_id = 'review'`, [runId]);
      if (r.rows[0]?.status === 'waiting') break;
      const run = await server.sql(`SELECT status, error FROM {schema}.runs WHERE id = $1`, [runId]);
      if (['failed', 'cancelled'].includes(run.rows[0]?.status))
        throw new Error(`run ${runId} ${run.rows[0].status}: ${run.rows[0].error}`);
      if (i > 300) throw new Error(`run ${runId} did not reach the review step:\n${server.log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a reviewer hides who contributed with B, sees the earlier record beside a near duplicate, and reads their own figures', async () => {
    const context = await walletContext(browser, reviewer);
    const page = await context.newPage();
    try {
      await signInThroughPage(page, server.url);
      await page.goto(`${server.url}/review?datanet=medical-qa`);
      const item = page.getByRole('heading', { name: /^(Record|Dispute) / });
      await item.waitFor({ timeout: 60_000 });
      const panel = page.locator('section[aria-labelledby="item-title"]');
      const blindBox = page.getByRole('checkbox', { name: /Blind mode/ });
      expect(await blindBox.isChecked()).toBe(false);
      await page.keyboard.press('b');
      await panel.getByText('Contributor hidden (blind mode)').waitFor();
      expect(await blindBox.isChecked()).toBe(true);
      expect(await panel.textContent()).not.toMatch(/From 0x[0-9a-fA-F]{40}/);
      await shot(page, 'inbox-01-blind');
      expect(await axeProblems(page)).toEqual([]);
      await page.keyboard.press('b');
      expect(await blindBox.isChecked()).toBe(false);
      // The shortcut shown on the Approve button is readable (dark on its white key face).
      const kbd = page.getByRole('button', { name: /Approve/ }).locator('kbd');
      expect(await kbd.evaluate((k) => [getComputedStyle(k).color, getComputedStyle(k).backgroundColor])).toEqual([
        'rgb(27, 31, 36)',
        'rgb(255, 255, 255)',
      ]);

      // Skip until a near duplicate comes up: the earlier record beside it, differences marked.
      // Skips, not approvals: the queue mixes in gold items, and approving whatever comes would
      // answer some of them wrongly and suspend this reviewer (gold accuracy below the floor).
      const held = await server.sql(
        `SELECT count(*)::int AS n FROM {schema}.review_items WHERE datanet = 'medical-qa' AND state = 'open' AND payload LIKE '%"earlier"%'`,
      );
      expect(held.rows[0].n, 'near duplicates held for review').toBeGreaterThan(0);
      const empty = page.getByText('Nothing to review right now.', { exact: false });
      let nearDuplicate = false;
      for (let i = 0; i < 250; i++) {
        await item.or(empty).first().waitFor({ timeout: 30_000 });
        if ((await item.count()) === 0) break;
        if ((await page.getByRole('region', { name: 'Earlier record' }).count()) > 0) {
          nearDuplicate = true;
          break;
        }
        const before = await item.textContent();
        await page.keyboard.press('s');
        await page.waitForFunction(
          (b) => {
            const h = [...document.querySelectorAll('h2')].find((e) => /^(Record|Dispute) /.test(e.textContent ?? ''));
            return !h || h.textContent !== b;
          },
          before,
          { timeout: 30_000 },
        );
      }
      expect(nearDuplicate, 'the inbox reached a held near duplicate').toBe(true);
      const earlier = page.getByRole('region', { name: 'Earlier record' });
      const current = page.getByRole('region', { name: 'This record' });
      await current.waitFor();
      expect(await panel.getByText(/^Near duplicate of an earlier record/).count()).toBe(1);
      expect((await earlier.locator('del').count()) + (await current.locator('ins').count())).toBeGreaterThan(0);
      await shot(page, 'inbox-02-near-duplicate');
      expect(await axeProblems(page)).toEqual([]);

      // A decision of this reviewer's own, then my figures: decisions so far, accuracy on gold
      // items and agreement (a figure or how many count).
      await page.keyboard.press('a');
      const facts = page.locator('section[aria-labelledby="me-title"] dl');
      await expect.poll(async () => Number(await page.getByTestId('my-decisions').textContent()), { timeout: 30_000 }).toBeGreaterThan(0);
      expect(await facts.textContent()).toMatch(/Accuracy on gold items(\d+%|— \(\d+ answered\))/);
      expect(await facts.textContent()).toMatch(/Agreement with consensus(\d+%|— \(\d+ compared\))/);
    } catch (e) {
      await shot(page, 'inbox-failure');
      throw e;
    }
    await context.close();
  });

  it('a steward reads rejections over time, quality and rule pass rates, queue health and disputes, and moves between tabs with the keyboard', async () => {
    const context = await walletContext(browser, steward);
    const page = await context.newPage();
    try {
      await signInThroughPage(page, server.url);
      await page.goto(`${server.url}/datanets/medical-qa`);
      await page.getByRole('table', { name: 'Contributors' }).waitFor({ timeout: 120_000 });

      // This run rejected nothing at intake (only dedupe and quality did): the chart of intake
      // rejections per day says so rather than drawing empty axes.
      const reasons = page.locator('section[aria-labelledby="reasons-title"]');
      await reasons.getByRole('heading', { name: 'Over time (intake, per day, UTC)' }).waitFor();
      await reasons.getByText('No intake rejections recorded.').waitFor();
      expect(await reasons.getByRole('table', { name: 'Rejection reasons' }).locator('tbody tr').count()).toBeGreaterThan(0);
      const quality = page.getByRole('img', { name: /^Quality scores of \d+ records, median \d\.\d\d$/ });
      await quality.waitFor();
      await quality.locator('canvas').waitFor();
      const rules = page.getByRole('table', { name: 'Rule pass rates' });
      expect(await rules.locator('tbody tr').count()).toBeGreaterThan(0);
      for (const row of await rules.locator('tbody tr').allTextContents()) expect(row).toMatch(/\d+\.\d%/);

      // Review queue health: the reviewer's decisions are counted, with the queue's age and throughput.
      const queue = page.locator('section[aria-labelledby="queue-title"]');
      await queue.getByRole('table', { name: 'Reviewers' }).waitFor({ timeout: 30_000 });
      const facts = (await queue.locator('dl').textContent()) ?? '';
      expect(facts).toMatch(/Open\d+/);
      expect(facts).toMatch(/Oldest(\d|—)/);
      expect(facts).toMatch(/Median age(\d|—)/);
      expect(facts).toMatch(/Decisions today\d+/);
      const reviewerRow = queue.getByRole('row', { name: new RegExp(reviewer.address, 'i') });
      expect(Number((await reviewerRow.locator('td').nth(2).textContent()) ?? '0')).toBeGreaterThan(0);

      const disputes = page.locator('section[aria-labelledby="disputes-title"]');
      await disputes.getByText('No disputes.').waitFor();
      await page.getByRole('heading', { name: 'Review queue' }).scrollIntoViewIfNeeded();
      await shot(page, 'dashboard-01-queue-health');
      expect(await axeProblems(page)).toEqual([]);

      // The tabs: focus the selected one, the arrow key moves to Roles.
      await page.getByRole('tab', { name: 'Dashboard' }).focus();
      await page.keyboard.press('ArrowRight');
      expect(await page.getByRole('tab', { name: 'Roles' }).getAttribute('aria-selected')).toBe('true');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-roles');
      await page.getByRole('table', { name: 'Role holders' }).waitFor({ timeout: 30_000 });
      await page.keyboard.press('ArrowLeft');
      await page.getByRole('table', { name: 'Rule pass rates' }).waitFor();

      // A phone: nothing but tables scrolls sideways.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByRole('table', { name: 'Contributors' }).waitFor();
      // Charts follow their container's width a moment after the viewport changes (a resize
      // observer): a loaded CI machine measured 177 px of overflow before they had. A real overflow stays.
      await expect
        .poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), { timeout: 15_000 })
        .toBeLessThanOrEqual(1);
      await shot(page, 'dashboard-02-phone');
    } catch (e) {
      await shot(page, 'dashboard-failure');
      throw e;
    }
    await context.close();
  });
});
