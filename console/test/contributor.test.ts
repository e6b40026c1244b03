// The contributor's path in Chromium against a real `datanet serve` (PostgreSQL store): sign in
// through an injected EIP-1193 wallet, drop two files, read the preflight, sign the EIP-712
// manifest in the wallet, upload, see the quota drop and intake's decision (one file rejected,
// with its reason); then, after a steward runs the nightly pipeline over the API, open the epoch's
// receipt and claim the reward: the page asks the wallet to send the claim (eth_sendTransaction),
// and the test wallet signs it with its key and sends the raw transaction through the server's
// JSON-RPC (POST /rpc), as a wallet pointed at the embedded chain would.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Contract, JsonRpcProvider, Network, Wallet } from 'ethers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatanetClient, signIn } from '@datanet/client';
import { axeProblems, launchBrowser, shot, signInThroughPage, walletContext } from './helpers/browser.js';
import { startConsoleServer, type ConsoleServer } from './helpers/console-server.js';

const contributor = new Wallet(Wallet.createRandom().privateKey);
const steward = new Wallet(Wallet.createRandom().privateKey);
let server: ConsoleServer;
let chain: JsonRpcProvider;
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
    await server.grant('medical-qa', steward.address, 'steward');
    chain = new JsonRpcProvider(`${server.url}/rpc`, Network.from(31337), { staticNetwork: true, pollingInterval: 100 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    chain?.destroy();
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

  it('after the nightly run, opens a receipt and claims through the wallet', async () => {
    // The wallet's node is the server's /rpc: what the page does not sign itself goes there, and
    // a transaction the page asks for is signed here with the test key and sent raw.
    const signer = contributor.connect(chain);
    const context = await walletContext(browser, contributor, {
      rpc: async (method, params) => {
        if (method !== 'eth_sendTransaction') return chain.send(method, params);
        const tx = params[0] as { from: string; to: string; data: string };
        expect(tx.from.toLowerCase()).toBe(contributor.address.toLowerCase());
        return (await signer.sendTransaction({ to: tx.to, data: tx.data })).hash;
      },
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    try {
      await claimPath(page);
    } catch (e) {
      await shot(page, 'contributor-claim-failure');
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

  // The quota counts what was received today: it drops by the two files' bytes once the page has
  // read the contributor again (a fresh-clone CI read it before that refetch had landed).
  await left.waitFor();
  const full = 10 * 1024 * 1024;
  await expect.poll(() => quotaOf(page), { timeout: 30_000, interval: 250 }).toBeLessThan(Math.min(before ?? full, full));

  // Intake decides the submission (the inbox trigger of medical-qa-inbox); the page follows it.
  const mine = page.getByRole('listitem', { name: /^Submission / });
  await mine.getByText('decided').waitFor({ timeout: 180_000 });
  const badRow = mine.getByRole('row', { name: /no-answers\.jsonl/ });
  expect(await badRow.textContent()).toMatch(/rejected/);
  expect((await badRow.textContent())?.length).toBeGreaterThan('no-answers.jsonlrejected'.length + 3);
  expect(await mine.getByRole('row', { name: /good-answers\.jsonl/ }).textContent()).toMatch(/accepted/);
  // The records that stand and those refused, by where they were refused (no later step runs here).
  await mine.getByText(/^\d+ records? standing, 1 refused at intake:$/).waitFor();
  // Each recorded contribution with its status (accepted, dropped by a later step with its reason, revoked).
  await page.reload();
  const yours = page.getByRole('region', { name: 'Your contributions' });
  const recorded = yours.getByRole('row', { name: /good-answers\.jsonl/ }).first();
  await recorded.waitFor({ timeout: 60_000 });
  expect(await recorded.textContent()).toMatch(/accepted$/);
  await page.getByRole('heading', { name: 'Rewards' }).scrollIntoViewIfNeeded();
  await shot(page, 'contributor-portal');
  expect(await axeProblems(page)).toEqual([]);

  // Phone width.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  await shot(page, 'contributor-03-phone');
}

/** After the first test's submission was accepted: the nightly run, the receipt, the claim. */
async function claimPath(page: Page) {
  // The nightly pipeline, launched by a steward over the API with small parameters: a dataset
  // version, an adapter, paid inferences, attribution, settlement and the on-chain commit.
  const staff = createDatanetClient({ baseUrl: server.url, cookieJar: true });
  await signIn(staff, steward);
  const launched = await staff.POST('/api/runs', {
    body: {
      pipeline: 'medical-qa-nightly',
      params: { datanet: 'medical-qa', maxSteps: '100', maxTrainRows: '48', prompts: '3', maxNewTokens: '32' },
    },
  });
  expect(launched.response.status, JSON.stringify(launched.error)).toBe(202);
  for (const until = Date.now() + 600_000; ;) {
    const status = (await staff.GET('/api/runs/{id}', { params: { path: { id: launched.data!.runId } } })).data?.run.status;
    if (status === 'succeeded') break;
    if (status === 'failed' || status === 'cancelled' || Date.now() > until)
      throw new Error(`nightly run ${status}:\n${server.log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const [statement] = (
    await staff.GET('/v1/contributors/{address}/rewards', {
      params: { path: { address: contributor.address }, query: { datanet: 'medical-qa' } },
    })
  ).data!.statements;
  if (!statement) {
    const runId = launched.data!.runId;
    const seen: unknown[] = [(await staff.GET('/v1/datanets/{id}/settlements', { params: { path: { id: 'medical-qa' } } })).data];
    for (const [step, output] of [
      ['ingest', 'accepted'],
      ['spans', 'attributions'],
      ['infer', 'inferences'],
    ]) {
      const r = await staff.GET('/api/runs/{id}/steps/{step}/outputs/{output}/preview', { params: { path: { id: runId, step, output } } });
      seen.push({ step, output, data: r.data ?? r.error });
    }
    throw new Error(`the nightly run paid this contributor nothing: ${JSON.stringify(seen).slice(0, 5000)}`);
  }
  expect(statement.claim.to).toMatch(/^0x[0-9a-fA-F]{40}$/);

  // The receipt of the epoch, then the claim through the wallet.
  await signInThroughPage(page, server.url);
  await page.goto(`${server.url}/portal?datanet=medical-qa`);
  await page.getByRole('link', { name: 'Open the receipt' }).first().click();
  await page.waitForURL(/\/receipts\/.+\/html$/);
  await shot(page, 'contributor-04-receipt');
  await page.goBack();
  const distributor = new Contract(statement.claim.to!, ['function token() view returns (address)'], chain);
  const token = new Contract(await distributor.token(), ['function balanceOf(address) view returns (uint256)'], chain);
  const balanceBefore: bigint = await token.balanceOf(contributor.address);
  const statements = page.getByRole('table', { name: 'Reward statements' });
  await statements.getByRole('button', { name: `Claim ${statement.amount} in wallet` }).click();
  await statements.getByText(/^Claimed in transaction/).waitFor({ timeout: 120_000 });
  const hash = await statements.getByTestId('claim-tx').textContent();
  expect((await chain.getTransactionReceipt(hash!))?.status).toBe(1);
  expect((await token.balanceOf(contributor.address)) - balanceBefore).toBe(BigInt(statement.amount));
  await shot(page, 'contributor-05-claimed');
  expect(await axeProblems(page)).toEqual([]);
  // Read back from the chain on a fresh page: claimed, and no button to claim again.
  await page.reload();
  await statements.getByText('Claimed', { exact: true }).waitFor();
  expect(await statements.getByRole('button', { name: /^Claim / }).count()).toBe(0);
}

async function quotaOf(page: Page): Promise<number> {
  const text = await page.getByTestId('bytes-left').textContent({ timeout: 10_000 });
  return Number((text ?? '').replace(/[^0-9]/g, ''));
}
