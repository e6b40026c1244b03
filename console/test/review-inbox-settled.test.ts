// The reviewer inbox when the item on screen is decided without the reviewer, in Chromium against
// a real `datanet serve` (PostgreSQL store): a dispute is queued for the review quorum; while it is
// on the reviewer's screen a steward resolves it. The reviewer's approval is refused by the API
// (409 already_decided); the inbox says so and moves on instead of keeping the decided item on
// screen behind an error box, where every key gave the same refusal until a reload.
import { Wallet } from 'ethers';
import type { Page } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, shot, signInThroughPage, walletContext } from './helpers/browser.js';
import { startConsoleServer, type ConsoleServer } from './helpers/console-server.js';

const filer = new Wallet(Wallet.createRandom().privateKey);
const steward = new Wallet(Wallet.createRandom().privateKey);
const reviewer = new Wallet(Wallet.createRandom().privateKey);
const OWNER = '0x' + 'a1'.repeat(20);
let server: ConsoleServer;
let browser: Browser;

/** A JSON request from the signed-in page (its session cookie and CSRF token). */
const call = (page: Page, path: string, body: unknown) =>
  page.evaluate(
    async ([p, b]) => {
      const csrf = document.cookie.match(/datanet_csrf=([^;]+)/)?.[1] ?? '';
      const res = await fetch(p as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) },
        body: JSON.stringify(b),
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    },
    [path, body] as const,
  );

describe('the review inbox when the item on screen was decided meanwhile', () => {
  beforeAll(async () => {
    server = await startConsoleServer({
      roles: { 'medical-qa': `  stewards: ["${filer.address}", "${steward.address}"]\n  reviewers: ["${reviewer.address}"]` },
    });
    browser = await launchBrowser();
    await server.sql(
      `INSERT INTO {schema}.contributions (datanet, id, contributor, submission_id, source_file, record_index, licence, consent,
         submitted_at, validator_version, accepted_at)
       VALUES ('medical-qa', 'c-settled', $1, 's', 'f.jsonl', 0, 'CC-BY-4.0', 'train', 1, 't', $2)`,
      [OWNER, Date.now()],
    );
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('says the item was already decided, records nothing and shows the next item (here: none)', async () => {
    const filerPage = await (await walletContext(browser, filer)).newPage();
    await signInThroughPage(filerPage, server.url);
    const opened = await call(filerPage, '/v1/datanets/medical-qa/disputes', {
      contribution: 'c-settled',
      reason: 'incorrect',
      evidence: 'the dosage stated contradicts the cited label',
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect(opened.body.queued).toBe(true);

    const page = await (await walletContext(browser, reviewer)).newPage();
    try {
      await signInThroughPage(page, server.url);
      await page.goto(`${server.url}/review?datanet=medical-qa`);
      const heading = page.getByRole('heading', { name: /^Dispute / });
      await heading.waitFor({ timeout: 60_000 });

      const stewardPage = await (await walletContext(browser, steward)).newPage();
      await signInThroughPage(stewardPage, server.url);
      const resolved = await call(stewardPage, `/v1/datanets/medical-qa/disputes/${opened.body.dispute.id}/resolution`, {
        decision: 'dismissed',
      });
      expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);

      await page.keyboard.press('a');
      await page.getByText(/already rejected \(by a steward\); this decision was not counted/).waitFor({ timeout: 30_000 });
      await page.getByText('Nothing to review right now').waitFor({ timeout: 30_000 });
      expect(await heading.count()).toBe(0);
      expect(await page.locator('.state.error').count()).toBe(0);
      await shot(page, 'review-04-decided-meanwhile');
      const votes = await server.sql(`SELECT count(*)::int AS n FROM {schema}.review_decisions WHERE role = 'reviewer'`);
      expect(votes.rows[0].n).toBe(0);
      await page.getByTestId('my-decisions').filter({ hasText: /^0$/ }).waitFor();
    } catch (e) {
      await shot(page, 'review-decided-meanwhile-failure');
      throw e;
    }
  });
});
