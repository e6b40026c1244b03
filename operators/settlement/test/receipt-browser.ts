import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumSkip = existsSync(CHROMIUM)
  ? false
  : process.env.CI === 'true'
    ? false
    : `Chromium is not installed at ${CHROMIUM} (run .ci/setup-system.sh)`;

export const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-output');

/**
 * Opens the HTML in headless Chromium (from a file: it must be self-contained, so nothing else is
 * requested), checks that highlighted spans show in both the output and the contribution, and saves
 * a screenshot. Returns the marked texts.
 */
export async function screenshotHtml(html: string, name: string): Promise<{ output: string[]; contribution: string[] }> {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, `${name}.html`);
  writeFileSync(file, html);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto('file://' + file);
    const output = await page.locator('[data-role="output"] mark').allInnerTexts();
    const contribution = await page.locator('[data-role="contribution"] mark').allInnerTexts();
    // A mark is drawn, not only present: it has a size and the highlight colour.
    const first = page.locator('[data-role="output"] mark').first();
    if (output.length) {
      expect((await first.boundingBox())!.width).toBeGreaterThan(5);
      expect(
        await first.evaluate(
          (e) =>
            (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(e).backgroundColor,
        ),
      ).toBe('rgb(255, 226, 122)');
    }
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    // The top of the page, at most 6,000 px: a whole MedQuAD receipt is tens of thousands of pixels
    // tall, and its full-page screenshot passed Playwright's 30 s under CI's load.
    const height = await page.evaluate(
      () => (globalThis as unknown as { document: { documentElement: { scrollHeight: number } } }).document.documentElement.scrollHeight,
    );
    await page.screenshot({
      path: join(SHOTS, `${name}.png`),
      fullPage: true,
      clip: height <= 6000 ? undefined : { x: 0, y: 0, width: 1100, height: 6000 },
      timeout: 120_000,
    });
    expect(existsSync(join(SHOTS, `${name}.png`))).toBe(true);
    return { output, contribution };
  } finally {
    await browser.close();
  }
}
