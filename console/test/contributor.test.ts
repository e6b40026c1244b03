// The contributor's path in Chromium against a real `datanet serve` (PostgreSQL store): sign in
// through an injected EIP-1193 wallet, drop two files, read the preflight, sign the EIP-712
// manifest in the wallet, upload, see the quota drop and intake's decision (one file rejected,
// with its reason), then the rewards section.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, launchBrowser, shot, signInThroughPage, walletContext } from './helpers/browser.js';
import { startConsoleServer, type ConsoleServer } from './helpers/console-server.js';

const contributor = new Wallet(Wallet.createRandom().privateKey);
let server: ConsoleServer;
let browser: Browser;
let good: string;
let bad: string;

const qa = (i: number) => ({
  question: `What are the early signs of condition number ${i} in adults?`,
  answer: `Early signs of condition number ${i} include tiredness that does not go away with rest, a mild fever in the evening, and aching joints. People who notice these signs for more than two weeks should see a doctor, who may order blood tests to find the cause and suggest treatment.`,
  source: 'console-test',
});

describe('contributor in the console', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-files-'));
    good = join(dir, 'good-answers.jsonl');
    bad = join(dir, 'no-answers.jsonl');
    writeFileSync(good, `${[1, 2, 3].map((i) => JSON.stringify(qa(i))).join('\n')}\n`);
    // Every record lacks the required answer: intake refuses the file, and says why.
    writeFileSync(bad, `${[4, 5].map((i) => JSON.stringify({ question: qa(i).question, source: 'console-test' })).join('\n')}\n`);
    server = await startConsoleServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('submits two files, sees one rejected with its reason and the quota drop', async () => {
    const context = await walletContext(browser, contributor);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    try {
      await contributorPath(page);
    } catch (e) {
      await shot(page, 'contributor-failure');
      throw e;
    }
    expect(problems).toEqual([]);
    await context.close();
  });
});

async function contributorPath(page: Page) {
  await page.goto(`${server.url}/portal`);
  await page.getByRole('link', { name: 'Sign in with your wallet' }).waitFor();
  await shot(page, 'contributor-01-signed-out');
  await signInThroughPage(page, server.url);
  await page.goto(`${server.url}/portal?datanet=medical-qa`);
  const left = page.getByTestId('bytes-left');
  const before = await quotaOf(page).catch(() => undefined);

  await page.getByLabel('Choose files to submit').setInputFiles([good, bad]);
  const preflight = page.getByRole('table', { name: 'Preflight' });
  await preflight.getByText(/would be rejected/).waitFor({ timeout: 60_000 });
  await preflight.getByText(/would be accepted/).waitFor();
  await shot(page, 'contributor-02-preflight');
  expect(await axeProblems(page)).toEqual([]);

  await page.getByRole('button', { name: 'Sign and upload 2 files' }).click();
  await page.getByText(/^Received: submission/).waitFor({ timeout: 60_000 });

  // The quota counts what was received today: it drops by the two files' bytes.
  await left.waitFor();
  const after = await quotaOf(page);
  if (before !== undefined) expect(after).toBeLessThan(before);
  expect(after).toBeLessThan(10 * 1024 * 1024);

  // Intake decides the submission (the inbox trigger of medical-qa-inbox); the page follows it.
  const mine = page.getByRole('listitem', { name: /^Submission / });
  await mine.getByText('decided').waitFor({ timeout: 180_000 });
  const badRow = mine.getByRole('row', { name: /no-answers\.jsonl/ });
  expect(await badRow.textContent()).toMatch(/rejected/);
  expect((await badRow.textContent())?.length).toBeGreaterThan('no-answers.jsonlrejected'.length + 3);
  expect(await mine.getByRole('row', { name: /good-answers\.jsonl/ }).textContent()).toMatch(/accepted/);
  await page.getByRole('heading', { name: 'Rewards' }).scrollIntoViewIfNeeded();
  await shot(page, 'contributor-portal');
  expect(await axeProblems(page)).toEqual([]);

  // Phone width.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  await shot(page, 'contributor-03-phone');
}

async function quotaOf(page: Page): Promise<number> {
  const text = await page.getByTestId('bytes-left').textContent({ timeout: 10_000 });
  return Number((text ?? '').replace(/[^0-9]/g, ''));
}
