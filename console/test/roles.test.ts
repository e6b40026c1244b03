// Role management in Chromium against a real `datanet serve` (PostgreSQL store): an owner of
// medical-qa grants reviewer to an address from the Roles tab, and that address can then open the
// review queue (refused before); the change is in the record a steward reads, and the steward sees
// no grant or revoke controls. The owner then revokes it (with a confirmation) and the queue is
// closed again.
import { Wallet } from 'ethers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, launchBrowser, shot, signInThroughPage, walletContext } from './helpers/browser.js';
import { startConsoleServer, type ConsoleServer } from './helpers/console-server.js';

const owner = new Wallet(Wallet.createRandom().privateKey);
const steward = new Wallet(Wallet.createRandom().privateKey);
const newcomer = new Wallet(Wallet.createRandom().privateKey);
let server: ConsoleServer;
let browser: Browser;

/** What the review page shows this person for medical-qa: the inbox, or a refusal. */
async function reviewInbox(page: Page): Promise<'open' | 'refused'> {
  await page.goto(`${server.url}/review?datanet=medical-qa`);
  const open = page.getByText(/Nothing to review right now|^(Record|Dispute) /).first();
  const refused = page.getByText(/You review no Datanet|Not allowed/).first();
  await open.or(refused).waitFor({ timeout: 30_000 });
  return (await open.isVisible()) ? 'open' : 'refused';
}

async function openRolesTab(page: Page) {
  await page.goto(`${server.url}/datanets/medical-qa`);
  await page.getByRole('tab', { name: 'Roles' }).click();
  await page.getByRole('table', { name: 'Role holders' }).waitFor({ timeout: 60_000 });
}

describe('role management in the console', () => {
  beforeAll(async () => {
    server = await startConsoleServer({
      roles: { 'medical-qa': `  owners: ["${owner.address}"]\n  stewards: ["${steward.address}"]` },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an owner grants reviewer to an address, which can then open the review queue; a steward sees the record and no controls', async () => {
    const newcomerContext = await walletContext(browser, newcomer);
    const newcomerPage = await newcomerContext.newPage();
    await signInThroughPage(newcomerPage, server.url);
    expect(await reviewInbox(newcomerPage)).toBe('refused');
    await shot(newcomerPage, 'roles-01-newcomer-refused');

    const ownerContext = await walletContext(browser, owner);
    const page = await ownerContext.newPage();
    try {
      await signInThroughPage(page, server.url);
      await openRolesTab(page);
      const holders = page.getByRole('table', { name: 'Role holders' });
      await holders.getByText(steward.address.toLowerCase()).waitFor();
      await page.getByRole('textbox', { name: 'Address' }).fill(newcomer.address);
      await page.getByRole('combobox', { name: 'Role' }).selectOption('reviewer');
      await page.getByRole('button', { name: 'Grant role' }).click();
      const row = holders.getByRole('row').filter({ hasText: newcomer.address.toLowerCase() });
      await row.waitFor();
      expect(await row.textContent()).toContain('reviewer');
      expect(await row.textContent()).toContain(`granted by ${owner.address.toLowerCase()}`);
      const record = page.getByRole('list', { name: 'Role changes' });
      await record.getByText(/granted/).waitFor();
      expect(await record.textContent()).toContain(newcomer.address.toLowerCase());
      await shot(page, 'roles-02-owner-granted');
      expect(await axeProblems(page)).toEqual([]);

      // The grant counts at once: the newcomer's review inbox opens (their roles are read again).
      await newcomerPage.reload();
      await expect.poll(() => reviewInbox(newcomerPage), { timeout: 30_000 }).toBe('open');
      await shot(newcomerPage, 'roles-03-newcomer-inbox');
      // An empty queue is asked again after a while, not in a loop (that loop ran into the rate limit).
      let asked = 0;
      newcomerPage.on('request', (r) => void (r.url().includes('/review/next') && asked++));
      await newcomerPage.waitForTimeout(3_000);
      expect(asked).toBeLessThanOrEqual(2);
      // On medical-qa only: another Datanet's queue stays closed.
      expect(await newcomerPage.evaluate(async () => (await fetch('/v1/datanets/package-docs/review/next')).status)).toBeGreaterThanOrEqual(
        403,
      );

      // A steward reads the record and has no controls; the API refuses a grant from them.
      const stewardContext = await walletContext(browser, steward);
      const stewardPage = await stewardContext.newPage();
      await signInThroughPage(stewardPage, server.url);
      await openRolesTab(stewardPage);
      await stewardPage.getByRole('list', { name: 'Role changes' }).getByText(newcomer.address.toLowerCase()).waitFor();
      expect(await stewardPage.getByRole('form', { name: 'Grant a role' }).count()).toBe(0);
      expect(await stewardPage.getByRole('button', { name: /Grant role|Revoke/ }).count()).toBe(0);
      await shot(stewardPage, 'roles-04-steward-no-controls');
      expect(await axeProblems(stewardPage)).toEqual([]);
      const refused = await stewardPage.evaluate(async (who) => {
        const csrf = decodeURIComponent(document.cookie.match(/datanet_csrf=([^;]+)/)?.[1] ?? '');
        const res = await fetch('/v1/datanets/medical-qa/roles', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
          body: JSON.stringify({ address: who, role: 'owner' }),
        });
        return res.status;
      }, steward.address);
      expect(refused).toBe(403);
      await stewardContext.close();

      // The owner revokes, after confirming; the newcomer's queue closes again.
      await page.getByRole('button', { name: `Revoke reviewer from ${newcomer.address.toLowerCase()}` }).click();
      await page.getByRole('button', { name: 'Confirm revoke' }).click();
      await row.waitFor({ state: 'detached' });
      await record.getByText(/revoked/).waitFor();
      await shot(page, 'roles-05-owner-revoked');
      await newcomerPage.reload();
      await expect.poll(() => reviewInbox(newcomerPage), { timeout: 30_000 }).toBe('refused');
    } catch (e) {
      await shot(page, 'roles-failure');
      throw e;
    }
    await ownerContext.close();
    await newcomerContext.close();
  });
});
