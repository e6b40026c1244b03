// The contributor portal in Chromium against a real `datanet serve` (PostgreSQL store, the
// medical-qa inbox trigger deciding uploads): an upload whose answer is lost on the way back is
// sent again as the same signed submission (one submission, one quota charge), and once a record
// of it is held for review as a near duplicate (dropped by dedupe until reviewers approve it), the
// "Today" box counts it as the submission's summary does: waiting for review, not dropped.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, launchBrowser, shot, signInThroughPage, walletContext } from './helpers/browser.js';
import { startConsoleServer, type ConsoleServer } from './helpers/console-server.js';

const contributor = new Wallet(Wallet.createRandom().privateKey);
let server: ConsoleServer;
let browser: Browser;
let file: string;

const qa = (i: number) => ({
  question: `Which foods help with recovery from condition number ${i} in older adults?`,
  answer: `Recovery from condition number ${i} is helped by meals with enough protein, fresh vegetables and plenty of water. A doctor or a dietitian can suggest a plan that fits other conditions and the medicines a person already takes, and may check progress after a few weeks.`,
  source: 'portal-fates-test',
});

describe('portal: a lost answer, and records held for review', () => {
  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'portal-fates-')), 'recovery.jsonl');
    writeFileSync(file, `${[1, 2, 3].map((i) => JSON.stringify(qa(i))).join('\n')}\n`);
    server = await startConsoleServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('resends the same signed submission after a lost answer, and counts held near duplicates as waiting', async () => {
    const context = await walletContext(browser, contributor);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    try {
      await signInThroughPage(page, server.url);
      await page.goto(`${server.url}/portal?datanet=medical-qa`);
      await page.getByLabel('Choose files to submit').setInputFiles([file]);
      await page
        .getByRole('table', { name: 'Preflight' })
        .getByText(/would be accepted/)
        .waitFor({ timeout: 60_000 });

      // The server receives the first upload whole and answers; the answer is lost on the way back
      // (the page's XMLHttpRequest reports a network error instead of its load). Playwright's
      // route.fetch() cannot do this: it drops the files of a multipart body.
      await page.evaluate(() => {
        const send = XMLHttpRequest.prototype.send;
        const w = window as unknown as { lostAnswer?: string };
        XMLHttpRequest.prototype.send = function (this: XMLHttpRequest, body) {
          if (w.lostAnswer === undefined) {
            w.lostAnswer = '';
            const onerror = this.onerror;
            this.onload = () => {
              w.lostAnswer = this.responseText;
              onerror?.call(this, new ProgressEvent('error'));
            };
          }
          return send.call(this, body);
        };
      });
      await page.getByRole('button', { name: 'Sign and upload 1 file' }).click();
      await page.getByText(/The upload was interrupted/).waitFor({ timeout: 60_000 });
      const first = JSON.parse(await page.evaluate(() => (window as unknown as { lostAnswer: string }).lostAnswer)) as {
        submissionId?: string;
      };
      expect(first.submissionId).toMatch(/^[0-9a-f]{64}$/);

      // Sent again: the same signed submission, answered with its first receipt.
      await page.getByRole('button', { name: 'Sign and upload 1 file' }).click();
      const received = page.getByText(/^Received: submission/);
      await received.waitFor({ timeout: 60_000 });
      expect(await received.locator('code').textContent()).toBe(first.submissionId!.slice(0, 12));
      const listed = await page.evaluate(async (address) => {
        const res = await fetch(`/v1/contributors/${address}/submissions?datanet=medical-qa`);
        return (await res.json()) as { total: number; items: { id: string }[] };
      }, contributor.address);
      expect(listed.total).toBe(1);
      expect(listed.items[0].id).toBe(first.submissionId);

      // Intake decides it (the inbox trigger); all three records stand.
      const mine = page.getByRole('listitem', { name: /^Submission / });
      await mine.getByText(/^3 records standing\.$/).waitFor({ timeout: 180_000 });

      // Dedupe drops record 2 as a near duplicate of record 1 and the review queue holds it for a
      // person, as the review pipeline writes them (dropFilteredRows, review.queue).
      const rows = await server.sql(`SELECT id, record_index FROM {schema}.contributions WHERE submission_id = $1 ORDER BY record_index`, [
        first.submissionId,
      ]);
      expect(rows.rows.length).toBe(3);
      const [kept, , held] = rows.rows as { id: string }[];
      await server.sql(`UPDATE {schema}.contributions SET dropped_at = $2, drop_reason = $3 WHERE id = $1`, [
        held.id,
        Date.now(),
        `dedupe.minhash: near duplicate of ${kept.id} (similarity 0.8)`,
      ]);
      await server.sql(
        `INSERT INTO {schema}.review_items (id, datanet, kind, ref, batch, contributor, payload, held_for, deadline,
           min_approvals, min_rejections, policy_version, state, created_at)
         VALUES ('held-1', 'medical-qa', 'record', $1, 'batch-1', $2, '{}', 'near_duplicate', $3, 2, 2, 1, 'open', $4)`,
        [held.id, contributor.address, Date.now() + 3_600_000, Date.now()],
      );

      // A status is answered from the server's memory for up to a second after it was read.
      await expect
        .poll(
          async () =>
            ((await (await fetch(`${server.url}/v1/submissions/${first.submissionId}`)).json()) as { pending: unknown[] }).pending.length,
        )
        .toBe(1);
      await page.reload();
      const summary = mine.getByText(/^2 records standing, 1 waiting for review:$/);
      await summary.waitFor({ timeout: 30_000 });
      await mine.getByText(/record 2: waiting for review \(near duplicate\)/).waitFor();
      // The Today box says the same: two records stand and one waits; none was dropped.
      const today = page.getByRole('region', { name: 'Today' });
      await expect.poll(() => today.textContent(), { timeout: 30_000 }).toContain('2 records standing, 1 waiting for review');
      expect(await today.textContent()).not.toMatch(/dropped/);
      await shot(page, 'portal-held-near-duplicate');
      expect(await axeProblems(page)).toEqual([]);
    } catch (e) {
      await shot(page, 'portal-fates-failure');
      throw e;
    }
    expect(problems).toEqual([]);
    await context.close();
  });
});
