// What each person may see, checked through the browser against a real `datanet serve`: a
// signed-out visitor sees only what the permission matrix makes public; a contributor with no role
// sees their own quota and submissions only (listed by the server, private to them), and no staff
// pages. (A reviewer kept out of another
// Datanet's queue is in steward-reviewer.test.ts, which has a review queue.) Every page visited is
// checked with axe.
import { randomBytes } from 'node:crypto';
import { createDatanetClient, signIn } from '@datanet/client';
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
    expect(await page.getByText('You have sent nothing to medical-qa yet.').count()).toBe(1);
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

  it("a contributor's submissions are listed by the server to them alone: another contributor gets 403, in the API and the page", async () => {
    const alice = new Wallet(Wallet.createRandom().privateKey);
    const bob = new Wallet(Wallet.createRandom().privateKey);
    // Bob's submission as the submission route keeps it: a receipt, pending until intake decides.
    const id = randomBytes(32).toString('hex');
    const day = new Date().toISOString().slice(0, 10);
    await server.sql(
      `INSERT INTO {schema}.server_idempotency (key, kind, subject, status, body, created_at) VALUES ($1, 'submission', $2, 202, $3, $4)`,
      [
        `submission:${id}`,
        `medical-qa:${bob.address.toLowerCase()}:${day}`,
        JSON.stringify({ submissionId: id, datanet: 'medical-qa', contributor: bob.address, status: 'received', fileCount: 1 }),
        Date.now(),
      ],
    );

    // Bob, in a browser that never sent it (nothing local), sees it in his portal.
    const bobContext = await walletContext(browser, bob);
    const bobPage = await bobContext.newPage();
    await signInThroughPage(bobPage, server.url);
    await visit(
      bobPage,
      '/portal?datanet=medical-qa',
      (p) => p.getByRole('listitem', { name: `Submission ${id.slice(0, 12)}` }).waitFor(),
      'contributor-my-submissions-server',
    );
    await bobContext.close();

    // Alice: her own list is empty; Bob's is refused, through the API as through her page.
    const aliceContext = await walletContext(browser, alice);
    const page = await aliceContext.newPage();
    const listed: string[] = [];
    page.on('request', (r) => {
      const m = /\/v1\/contributors\/(0x[0-9a-fA-F]{40})\/submissions/.exec(r.url());
      if (m) listed.push(m[1].toLowerCase());
    });
    await signInThroughPage(page, server.url);
    await visit(
      page,
      '/portal?datanet=medical-qa',
      (p) => p.getByText('You have sent nothing to medical-qa yet.').waitFor(),
      'contributor-a-own-list',
    );
    expect(new Set(listed)).toEqual(new Set([alice.address.toLowerCase()]));
    expect(await page.getByText(id.slice(0, 12)).count()).toBe(0);
    const refused = await page.evaluate(async (who) => {
      const res = await fetch(`/v1/contributors/${who}/submissions?datanet=medical-qa`);
      return { status: res.status, body: await res.text() };
    }, bob.address);
    expect(refused.status).toBe(403);
    expect(refused.body).not.toContain(id);
    expect(await statusOf(page, `/v1/contributors/${bob.address}/submissions`)).toBe(403);
    expect(await statusOf(page, `/v1/contributors/${alice.address}/submissions`)).toBe(200);
    await aliceContext.close();

    // Signed out: 401.
    const visitor = await (await walletContext(browser, undefined)).newPage();
    await visitor.goto(server.url);
    expect(await statusOf(visitor, `/v1/contributors/${bob.address}/submissions`)).toBe(401);
    await visitor.context().close();

    // Through the API alone (the typed client, no browser), signed in as Alice: 403 as well.
    const api = createDatanetClient({ baseUrl: server.url, cookieJar: true });
    expect((await api.GET('/v1/contributors/{address}/submissions', { params: { path: { address: bob.address } } })).response.status).toBe(
      401,
    );
    await signIn(api, alice);
    const asAlice = await api.GET('/v1/contributors/{address}/submissions', {
      params: { path: { address: bob.address }, query: { datanet: 'medical-qa' } },
    });
    expect(asAlice.response.status).toBe(403);
    expect(asAlice.data).toBeUndefined();
    const own = await api.GET('/v1/contributors/{address}/submissions', { params: { path: { address: alice.address } } });
    expect(own.data?.total).toBe(0);
  });
});
