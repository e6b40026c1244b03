// A steward and a reviewer of medical-qa in Chromium against a real `datanet serve` (PostgreSQL
// store), on one run of the MedQuAD review pipeline (intake, dedupe, quality, then records held for
// people): the steward finds the contributor with the most rejections and opens a duplicate
// cluster; a MedQuAD contributor sees, in the portal, the records the queue holds as waiting for
// review; the reviewer clears five items with the keyboard alone, and cannot open another
// Datanet's queue.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { keccak256, toUtf8Bytes, Wallet } from 'ethers';
import type { Browser, Page } from 'playwright-core';
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
let runId: string;
let CORPUS_SUBSET: string;

describe.skipIf(!haveCorpus)('steward and reviewer in the console (skipped when MedQuAD is absent)', () => {
  beforeAll(async () => {
    const lines = gunzipSync(readFileSync(CORPUS)).toString('utf8').split('\n').filter(Boolean);
    const subset = join(mkdtempSync(join(tmpdir(), 'medquad-')), 'medquad-subset.jsonl');
    CORPUS_SUBSET = subset;
    // Every 50th record, plus a few of their neighbours: near duplicates for the clusters.
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
    // The steward launches the review pipeline over the API (the launch form has its own test).
    const context = await walletContext(browser, steward);
    const page = await context.newPage();
    await signInThroughPage(page, server.url);
    runId = await page.evaluate(async (medquad) => {
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
    // Wait until the run parks at the review step (its held records are in the queue).
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

  it('a steward finds the contributor with the most rejections and opens a duplicate cluster', async () => {
    const context = await walletContext(browser, steward);
    const page = await context.newPage();
    try {
      await signInThroughPage(page, server.url);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datanets' }).click();
      await page.getByRole('link', { name: /Medical question answering/ }).click();
      const table = page.getByRole('table', { name: 'Contributors' });
      await table.waitFor({ timeout: 120_000 });
      await table.getByRole('button', { name: /Rejections/ }).click();
      const rows = await table.locator('tbody tr').evaluateAll((trs) =>
        trs.map((tr) => ({
          who: tr.children[0].textContent ?? '',
          rejections: Number((tr.children[1].textContent ?? '').replace(/\D/g, '')),
        })),
      );
      expect(rows.length).toBeGreaterThan(1);
      const most = Math.max(...rows.map((r) => r.rejections));
      expect(most).toBeGreaterThan(0);
      expect(rows[0].rejections).toBe(most);
      await shot(page, 'datanet-dashboard');
      expect(await axeProblems(page)).toEqual([]);

      // The run waits for reviewers, and its page says so.
      await page.goto(`${server.url}/runs/${runId}`);
      await page.getByText(/review is waiting/).waitFor({ timeout: 30_000 });
      await shot(page, 'steward-03-run-waiting');
      // The wait is said once, as a wait: not again in an error box.
      expect(await page.locator('.state.error').count()).toBe(0);
      // It says what to do: the held records are decided in the review inbox.
      const inbox = page.locator('.state.waiting').getByRole('link', { name: 'review inbox' });
      expect(await inbox.getAttribute('href')).toBe('/review?datanet=medical-qa');
      await page.goBack();
      await page.getByRole('table', { name: 'Contributors' }).waitFor({ timeout: 120_000 });

      await page.getByRole('button', { name: 'Open cluster' }).first().click();
      await page
        .getByRole('heading', { name: /^Kept:/ })
        .first()
        .waitFor();
      await page
        .getByRole('heading', { name: /^Duplicate:/ })
        .first()
        .waitFor();
      await page.getByRole('heading', { name: 'Duplicate clusters' }).scrollIntoViewIfNeeded();
      await shot(page, 'steward-02-cluster');
      expect(await axeProblems(page)).toEqual([]);
    } catch (e) {
      await shot(page, 'steward-failure');
      throw e;
    }
    await context.close();
  });

  it('a contributor whose records the queue holds sees them waiting for review, and why', async () => {
    // The pipeline submitted each MedQuAD source as a contributor whose key is derived from the
    // public demo seed (operators/ingest/src/medquad: keccak256("datanet-medquad-demo:<source>")).
    const held = await server.sql(
      `SELECT lower(contributor) AS who, count(*)::int AS n FROM {schema}.review_items
        WHERE datanet = 'medical-qa' AND kind = 'record' AND state = 'open' GROUP BY 1 ORDER BY 2 DESC`,
    );
    expect(held.rows.length).toBeGreaterThan(0);
    const sources = [
      ...new Set(
        readFileSync(CORPUS_SUBSET, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { source: string }).source),
      ),
    ];
    const wallets = sources.map((s) => new Wallet(keccak256(toUtf8Bytes(`datanet-medquad-demo:${s}`))));
    const who = wallets.find((w) => w.address.toLowerCase() === held.rows[0].who);
    expect(who, `no MedQuAD source signs as ${held.rows[0].who}`).toBeDefined();
    const context = await walletContext(browser, who!);
    const page = await context.newPage();
    try {
      await signInThroughPage(page, server.url);
      await page.goto(`${server.url}/portal?datanet=medical-qa`);
      const submission = page
        .getByRole('listitem', { name: /^Submission / })
        .filter({ hasText: /waiting for review/ })
        .first();
      // The summary counts the held records beside those that stand; each held one says why.
      await submission.getByText(/^\d+ records? standing, \d+ waiting for review(, .*)?:$/).waitFor({ timeout: 60_000 });
      const summary = (await submission.getByText(/waiting for review(, .*)?:$/).textContent()) ?? '';
      const waiting = Number(/(\d+) waiting for review/.exec(summary)?.[1]);
      expect(waiting).toBeGreaterThan(0);
      expect(waiting).toBeLessThanOrEqual(held.rows[0].n);
      const list = submission.getByRole('list', { name: 'Waiting for review' });
      // Twenty are listed, and a longer list says how many more there are.
      expect(await list.getByRole('listitem').filter({ hasText: 'waiting for review' }).count()).toBe(Math.min(waiting, 20));
      if (waiting > 20) await list.getByText(`and ${waiting - 20} more not shown`).waitFor();
      expect(await list.getByRole('listitem').first().textContent()).toMatch(
        /record \d+: waiting for review \((newcomer|audit|near duplicate|below standing)(, [a-z ]+)*\)$/,
      );
      // Each contribution says whether it stands, waits or was dropped, newest first, in pages.
      const yours = page.getByRole('region', { name: 'Your contributions' });
      await yours
        .getByRole('row', { name: /waiting for review/ })
        .first()
        .waitFor({ timeout: 30_000 });
      const pages = yours.getByRole('group', { name: 'Pages of your contributions' });
      const firstPage = await yours.locator('tbody').textContent();
      // Newest first: one submission's records, the last recorded at the top.
      const recordNumbers = await yours.locator('tbody tr td:nth-child(2)').allTextContents();
      expect(recordNumbers.map(Number)).toEqual(recordNumbers.map(Number).sort((a, b) => b - a));
      await pages.getByRole('button', { name: 'Older' }).click();
      await pages.getByText(/^Page 2 of \d+ \(\d+ in all, newest first\)$/).waitFor();
      await expect.poll(() => yours.locator('tbody').textContent()).not.toBe(firstPage);
      await pages.getByRole('button', { name: 'Newer' }).click();
      await pages.getByText(/^Page 1 of /).waitFor();
      await submission.scrollIntoViewIfNeeded();
      await shot(page, 'contributor-06-waiting-for-review');
      expect(await axeProblems(page)).toEqual([]);
    } catch (e) {
      await shot(page, 'contributor-waiting-failure');
      throw e;
    }
    await context.close();
  });

  it('a reviewer clears five items with the keyboard alone and cannot open another Datanet queue', async () => {
    const context = await walletContext(browser, reviewer);
    const page = await context.newPage();
    try {
      await signInThroughPage(page, server.url);
      await page.goto(`${server.url}/review?datanet=medical-qa`);
      await reviewWithKeys(page);
      // A reviewer of medical-qa holds nothing on package-docs: its queue is refused.
      await page.goto(`${server.url}/review?datanet=package-docs`);
      const refused = page.getByRole('alert').first();
      await refused.waitFor();
      expect(await refused.textContent()).toMatch(/not allowed|needs role|review|no_review|Not found/i);
      await shot(page, 'review-03-other-datanet');
    } catch (e) {
      await shot(page, 'review-failure');
      throw e;
    }
    await context.close();
  });
});

async function reviewWithKeys(page: Page) {
  const item = page.getByRole('heading', { name: /^(Record|Dispute) / });
  await item.waitFor({ timeout: 60_000 });
  await shot(page, 'review-01-inbox');
  expect(await axeProblems(page)).toEqual([]);
  const seen = new Set<string>();
  const keys = ['a', 'a', 'r', 's', 'a'];
  for (const [i, key] of keys.entries()) {
    const id = (await item.textContent()) ?? '';
    seen.add(id);
    await page.keyboard.press(key);
    if (key === 'r') {
      await page.getByRole('group', { name: /Reject: choose a reason/ }).waitFor();
      if (i === 2) await shot(page, 'review-02-reject-reasons');
      await page.keyboard.press('1');
    }
    // The next item replaces this one (or the inbox says it is empty after the last).
    await page.waitForFunction(
      (before) => {
        const h = [...document.querySelectorAll('h2')].find((e) => /^(Record|Dispute) /.test(e.textContent ?? ''));
        return !h || h.textContent !== before;
      },
      id,
      { timeout: 30_000 },
    );
  }
  expect(seen.size).toBe(5);
  await page.getByTestId('my-decisions').filter({ hasText: '5' }).waitFor({ timeout: 30_000 });
}
