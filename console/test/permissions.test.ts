// What each person may see, checked through the browser against a real `datanet serve`: a
// signed-out visitor sees only what the permission matrix makes public; a contributor with no role
// sees their own quota and submissions only, and no staff pages. (A reviewer kept out of another
// Datanet's queue is in steward-reviewer.test.ts, which has a review queue.) Every page visited is
// checked with axe.
import { Wallet } from 'ethers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, launchBrowser, shot, signInThroughPage, walletContext } from './helpers/browser.js';
import { startConsoleServer, type ConsoleServer } from './helpers/console-server.js';

let server: ConsoleServer;
let browser: Browser;

async function visit(page: Page, path: string, ready: (p: Page) => Promise<unknown>, name: string) {
  await page.goto(`${server.url}${path}`);
  await ready(page);
  await shot(page, name);
  expect(await axeProblems(page), `axe on ${path}`).toEqual([]);
}

/** What the page's own fetch gets for a path (the API decides; the console only shows it). */
const statusOf = (page: Page, path: string) => page.evaluate(async (p) => (await fetch(p)).status, path);

describe('permissions through the browser', () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a signed-out visitor sees the public pages and is asked to sign in elsewhere', async () => {
    const context = await walletContext(browser, undefined);
    const page = await context.newPage();
    await visit(page, '/', (p) => p.getByRole('link', { name: 'Sign in with your wallet' }).waitFor(), 'visitor-01-home');
    await visit(page, '/datanets', (p) => p.getByRole('link', { name: /Medical question answering/ }).waitFor(), 'visitor-02-datanets');
    await visit(page, '/datanets/medical-qa', (p) => p.getByRole('heading', { name: 'Rules' }).waitFor(), 'visitor-03-rules');
    expect(await page.getByRole('heading', { name: 'Contributors' }).count()).toBe(0);
    await visit(page, '/runs', (p) => p.getByRole('alert').filter({ hasText: 'Sign in to see this' }).waitFor(), 'visitor-04-runs');
    await visit(page, '/portal', (p) => p.getByRole('link', { name: 'Sign in with your wallet' }).waitFor(), 'visitor-05-portal');
    await visit(page, '/review', (p) => p.getByRole('alert').filter({ hasText: 'Sign in to see this' }).waitFor(), 'visitor-06-review');
    await visit(page, '/sign-in', (p) => p.getByText('No wallet found').first().waitFor(), 'visitor-07-sign-in-no-wallet');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs' }).count()).toBe(0);
    expect(await statusOf(page, '/api/runs')).toBe(401);
    expect(await statusOf(page, '/v1/datanets/medical-qa/report')).toBe(401);
    expect(await statusOf(page, '/v1/datanets/medical-qa/review/next')).toBe(401);
    expect(await statusOf(page, '/v1/datanets')).toBe(200);
    await context.close();
  });

  it('a contributor with no role sees their own quota and no staff pages', async () => {
    const me = new Wallet(Wallet.createRandom().privateKey);
    const context = await walletContext(browser, me);
    const page = await context.newPage();
    const asked: string[] = [];
    page.on('request', (r) => {
      const m = /\/v1\/contributors\/(0x[0-9a-fA-F]{40})/.exec(r.url());
      if (m) asked.push(m[1].toLowerCase());
    });
    await signInThroughPage(page, server.url);
    await visit(page, '/portal?datanet=medical-qa', (p) => p.getByTestId('bytes-left').waitFor(), 'contributor-own-portal');
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked)).toEqual(new Set([me.address.toLowerCase()]));
    expect(await page.getByText('No submissions from this browser yet.').count()).toBe(1);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Runs' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Review' }).count()).toBe(0);
    await visit(page, '/runs', (p) => p.getByRole('alert').filter({ hasText: 'Not allowed' }).waitFor(), 'contributor-runs-refused');
    await visit(page, '/review', (p) => p.getByText('You review no Datanet').waitFor(), 'contributor-review-none');
    await visit(page, '/datanets/medical-qa', (p) => p.getByRole('heading', { name: 'Rules' }).waitFor(), 'contributor-rules');
    expect(await page.getByRole('heading', { name: 'Contributors' }).count()).toBe(0);
    expect(await statusOf(page, '/api/runs')).toBe(403);
    expect(await statusOf(page, '/v1/datanets/medical-qa/report')).toBe(403);
    await context.close();
  });
});
