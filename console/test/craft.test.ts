// Craft in Chromium against a real `datanet serve`: an address that names no page, and a page whose
// code cannot be fetched (the browser drops the request for its chunk, as a lost connection would),
// each read as a page with a way on, never a stack trace; both pass axe.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, launchBrowser, shot, walletContext } from './helpers/browser.js';
import { startConsoleServer, type ConsoleServer } from './helpers/console-server.js';

let server: ConsoleServer;
let browser: Browser;
const STACK = /\n\s*at .+:\d+:\d+|\.js:\d+:\d+/;

describe('console craft', () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an unknown address and a page whose code fails to load are explained, with a way on and no stack trace', async () => {
    const context = await walletContext(browser, undefined);
    const page = await context.newPage();
    await page.goto(`${server.url}/datanets/medical-qa/no-such-view`);
    await page.getByRole('heading', { name: 'No such page', level: 1 }).waitFor();
    await shot(page, 'craft-01-not-found');
    expect(await axeProblems(page)).toEqual([]);
    await page.getByRole('link', { name: 'Go to the start page' }).click();
    await page.getByRole('link', { name: 'Sign in with your wallet' }).first().waitFor();

    // The settlements page's code chunk cannot be fetched.
    await page.route(/\/assets\/settlements-page[^/]*\.js$/, (route) => route.abort('internetdisconnected'));
    await page.goto(`${server.url}/datanets/medical-qa/settlements`);
    await page.getByRole('heading', { name: 'This page could not be shown', level: 1 }).waitFor();
    const alert = page.getByRole('alert');
    expect(await alert.textContent()).toMatch(/^Offline.*could not be fetched\. Check your connection/);
    expect(await page.locator('main').textContent()).not.toMatch(STACK);
    await shot(page, 'craft-02-page-failed');
    expect(await axeProblems(page)).toEqual([]);
    // Once the connection is back, trying again shows the page.
    await page.unroute(/\/assets\/settlements-page[^/]*\.js$/);
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Settlements of medical-qa', level: 1 }).waitFor();
    await context.close();
  });
});
