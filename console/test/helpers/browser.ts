import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { Wallet, getBytes, type TypedDataField } from 'ethers';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO } from './console-server.js';

export const SCREENSHOTS = join(REPO, 'test-output', 'console');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage'],
  });
}

/**
 * A browser context with an injected EIP-1193 wallet (window.ethereum) backed by a test key held
 * in this process: the page asks, Node signs. Transactions go to `rpcUrl` when given.
 */
export async function walletContext(
  browser: Browser,
  wallet: Wallet | undefined,
  o: { width?: number; height?: number; rpc?: (method: string, params: unknown[]) => Promise<unknown> } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: o.width ?? 1280, height: o.height ?? 860 },
    timezoneId: 'Europe/Paris',
    locale: 'en-GB',
  });
  if (!wallet) return context;
  await context.exposeFunction('__testWallet', async (method: string, params: unknown[]) => {
    switch (method) {
      case 'eth_requestAccounts':
      case 'eth_accounts':
        return [wallet.address.toLowerCase()];
      case 'eth_chainId':
        return '0x7a69';
      case 'personal_sign':
        return wallet.signMessage(getBytes(params[0] as string));
      case 'eth_signTypedData_v4': {
        const typed = JSON.parse(params[1] as string) as {
          domain: Record<string, unknown>;
          types: Record<string, TypedDataField[]>;
          message: Record<string, unknown>;
        };
        const { EIP712Domain: _domain, ...types } = typed.types;
        return wallet.signTypedData(typed.domain, types, typed.message);
      }
      default:
        if (o.rpc) return o.rpc(method, params);
        throw new Error(`test wallet: ${method} is not supported`);
    }
  });
  // A string, not a function: under tsx (the benchmarks) a function's source carries esbuild's
  // helpers, which do not exist in the page.
  await context.addInitScript(`
    window.ethereum = {
      isTestWallet: true,
      request: ({ method, params }) => window.__testWallet(method, params || []),
    };
  `);
  return context;
}

/** Pages the README shows; with CONSOLE_README_SHOTS=1 the tests also write them to console/docs/. */
const README_SHOTS = new Set(['runs-page', 'datanet-dashboard', 'contributor-portal']);

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  if (process.env.CONSOLE_README_SHOTS === '1' && README_SHOTS.has(name))
    await page.screenshot({ path: join(REPO, 'console', 'docs', `${name}.png`), fullPage: false });
}

/** Serious and critical axe violations on the page as it is now (empty when there are none). */
export async function axeProblems(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Signs in through the sign-in page and the injected wallet. */
export async function signInThroughPage(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await page.getByRole('button', { name: 'Sign in with wallet' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}
