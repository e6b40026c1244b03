// The settlements page in Chromium against a real `datanet serve` (PostgreSQL store), as a
// signed-out visitor (settlements are public): epochs proposed and final, the open challenge
// window's time left (ticking), an epoch's proposals with its re-settlement, the payouts of the one
// in force with a receipt link each, and the epoch's chain commits with their transaction hashes.
// The store is seeded with the rows the nightly pipeline's settle and commit steps write (running
// that pipeline is contributor.test.ts's job; here the page is under test), through SQL on the
// server's own schema.
import { randomBytes } from 'node:crypto';
import { Wallet } from 'ethers';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, launchBrowser, shot, walletContext } from './helpers/browser.js';
import { startConsoleServer, type ConsoleServer } from './helpers/console-server.js';

let server: ConsoleServer;
let browser: Browser;
const hex = (n: number) => `0x${randomBytes(n).toString('hex')}`;
const alice = Wallet.createRandom().address.toLowerCase();
const bob = Wallet.createRandom().address.toLowerCase();
const commitTx = hex(32);
const fundTx = hex(32);
const HOUR = 3_600_000;

const TERMS = JSON.stringify({
  split: { platform: 1000, modelOwner: 2000, stakers: 1000, contributors: 6000 },
  standingWeight: { floor: 0.1, gamma: 1, defaultStanding: 0.5 },
});

async function proposal(
  epoch: string,
  n: number,
  version: number,
  status: string,
  paid: bigint,
  reason: string,
  at: { proposed: number; final: number; finalised: number | null },
) {
  await server.sql(
    `INSERT INTO {schema}.settlement_proposals (datanet, epoch, version, status, epoch_number, inputs_digest, fees, contributor_pool, paid, unallocated,
       merkle_root, terms, excluded, standing_overrides, reason, proposed_at, final_at, finalised_at, audit_hash, final_audit_hash, paid_set_root, run_id)
     VALUES ('medical-qa', $1, $2, $3, $4, $5, 1000000, 600000, $6::numeric, 600000 - $6::numeric, $7, $8, '[]', '{}', $9, $10, $11, $12, $13, NULL, NULL, NULL)`,
    [epoch, version, status, String(n), hex(32), paid.toString(), hex(32), TERMS, reason, at.proposed, at.final, at.finalised, hex(32)],
  );
}

async function payout(epoch: string, version: number, idx: number, account: string, amount: bigint, attribution: number) {
  await server.sql(
    `INSERT INTO {schema}.settlement_proposal_payouts (datanet, epoch, version, idx, account, amount, attribution, standing) VALUES ('medical-qa', $1, $2, $3, $4, $5, $6, 0.8)`,
    [epoch, version, idx, account, amount.toString(), attribution],
  );
}

describe('settlements in the console', () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchBrowser();
    const now = Date.now();
    // 2026-11-27: proposed, then re-settled after a revocation; final, committed and funded on-chain.
    await proposal('2026-11-27@UTC', 20419, 1, 'superseded', 600000n, 'first proposal', {
      proposed: now - 72 * HOUR,
      final: now - 24 * HOUR,
      finalised: null,
    });
    await proposal('2026-11-27@UTC', 20419, 2, 'final', 599999n, 'revoked 1 contribution', {
      proposed: now - 48 * HOUR,
      final: now - 24 * HOUR,
      finalised: now - 23 * HOUR,
    });
    await payout('2026-11-27@UTC', 1, 0, alice, 400000n, 0.66);
    await payout('2026-11-27@UTC', 1, 1, bob, 200000n, 0.34);
    await payout('2026-11-27@UTC', 2, 0, alice, 599999n, 1);
    await server.sql(
      `INSERT INTO {schema}.chain_commits (chain_id, registry, datanet, datanet_id, epoch, dataset_root, contributions_root, model_hash, settlement_root, metadata_uri,
         tx_hash, block_number, distributor, reward_total, fund_tx_hash, created_at)
       VALUES ('31337', $1, 'medical-qa', $2, 20419, $3, $4, $5, $6, 'ipfs://x', $7, 42, $8, '599999', $9, $10)`,
      [
        Wallet.createRandom().address,
        hex(32),
        hex(32),
        hex(32),
        hex(32),
        hex(32),
        commitTx,
        Wallet.createRandom().address,
        fundTx,
        now - 23 * HOUR,
      ],
    );
    // 2026-11-29: proposed, its challenge window open for about two more hours.
    await proposal('2026-11-29@UTC', 20421, 1, 'proposed', 300000n, 'first proposal', {
      proposed: now - HOUR,
      final: now + 2 * HOUR,
      finalised: null,
    });
    await payout('2026-11-29@UTC', 1, 0, bob, 300000n, 1);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a visitor reads the epochs, the time left in a challenge window, an epoch’s proposals, payouts, receipts and chain commits', async () => {
    const context = await walletContext(browser, undefined);
    const page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/datanets/medical-qa`);
    await page.getByRole('link', { name: 'Settlements of medical-qa' }).click();
    await page.getByRole('heading', { name: 'Settlements of medical-qa', level: 1 }).waitFor();
    const epochs = page.getByRole('table', { name: 'Epochs' });
    await epochs.getByRole('row', { name: /2026-11-29@UTC/ }).waitFor();
    expect(await epochs.getByRole('row', { name: /2026-11-29@UTC/ }).textContent()).toMatch(/proposed/);
    expect(await epochs.getByRole('row', { name: /2026-11-27@UTC/ }).textContent()).toMatch(/final.*\(v2\).*final since/);
    expect(await epochs.getByRole('row', { name: /2026-11-27@UTC/ }).textContent()).toContain(commitTx);
    expect(await epochs.getByRole('row', { name: /2026-11-29@UTC/ }).textContent()).toContain('not committed');

    // The open window counts down: about two hours left, and it ticks.
    const left = epochs.getByTestId('window-left');
    const first = await left.textContent();
    expect(first).toMatch(/^open, (1 h 5\d min \d+ s|2 h 0 min \d+ s) left/);
    const remaining = () => left.locator('strong').textContent();
    const r0 = await remaining();
    await expect.poll(remaining, { timeout: 10_000 }).not.toBe(r0);
    // Times are in the viewer's zone with UTC on hover.
    expect(await left.locator('time').getAttribute('title')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    await shot(page, 'settlements-01-epochs');
    expect(await axeProblems(page)).toEqual([]);

    // The final epoch: both proposals, the payouts of the one in force, receipts and the commit.
    await epochs.getByRole('link', { name: '2026-11-27@UTC' }).click();
    await page.waitForURL((u) => u.searchParams.get('epoch') === '2026-11-27@UTC');
    await page.getByRole('heading', { name: 'Epoch 2026-11-27@UTC' }).waitFor();
    const proposals = page.getByRole('table', { name: 'Proposals' });
    await proposals.getByRole('row', { name: /superseded/ }).waitFor();
    expect(await proposals.locator('tbody tr').count()).toBe(2);
    expect(await proposals.locator('tbody tr').first().textContent()).toMatch(/2.*final.*revoked 1 contribution.*599999/);
    const payouts = page.getByRole('table', { name: 'Payouts' });
    expect(await payouts.locator('tbody tr').count()).toBe(1);
    expect(await payouts.locator('tbody tr').textContent()).toContain(alice);
    expect(await payouts.getByRole('link', { name: `Receipt of ${alice}` }).getAttribute('href')).toBe(
      `/v1/datanets/medical-qa/settlements/${encodeURIComponent('2026-11-27@UTC')}/receipts/${alice}/html`,
    );
    const chain = page.getByRole('table', { name: 'Chain commits of the epoch' });
    expect(await chain.textContent()).toContain(commitTx);
    expect(await chain.textContent()).toContain(fundTx);
    await shot(page, 'settlements-02-epoch');
    expect(await axeProblems(page)).toEqual([]);

    // A reload keeps the epoch (it is in the URL); the page fits a phone.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole('table', { name: 'Payouts' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await shot(page, 'settlements-03-phone');

    // An unknown epoch reads as not found, with no stack trace.
    await page.goto(`${server.url}/datanets/medical-qa/settlements?epoch=2026-01-01@UTC`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Not found.*no settlement of 2026-01-01@UTC/);
    expect(await alert.textContent()).not.toMatch(/at .*\.(js|ts):\d+/);
    await context.close();
  });
});
