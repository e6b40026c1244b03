// A run's page follows its live events (Server-Sent Events) for as long as the run waits, in
// Chromium against a real `datanet serve` (PostgreSQL store), reached through a TCP relay that cuts
// the event stream's connection as a proxy with an idle timeout would. Each dropped stream that had
// opened is followed again after a second, however many times it happens; when the page stops
// following (the server refuses), it says so and offers to reconnect.
import { writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, launchBrowser, shot, signInThroughPage, walletContext } from './helpers/browser.js';
import { startConsoleServer, type ConsoleServer } from './helpers/console-server.js';

const PIPELINE = `apiVersion: datanet/v1
kind: Pipeline
metadata:
  name: waits-long
steps:
  read:
    uses: table.read
    with: { path: 'ROWS', format: csv }
`;

/** Forwards TCP to the server; records each event-stream request and, while `cutAfterMs` is set, cuts its connection that long after. */
async function startRelay(target: URL) {
  const streams: number[] = [];
  const open = new Set<() => void>();
  const state: { cutAfterMs?: number } = { cutAfterMs: 400 };
  const server: Server = createServer((client: Socket) => {
    const upstream = connect(Number(target.port), target.hostname);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      open.delete(end);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
    client.on('data', (b: Buffer) => {
      if (!/^GET \/api\/runs\/[^ ]+\/events /m.test(b.toString('latin1'))) return;
      streams.push(Date.now());
      open.add(end);
      if (state.cutAfterMs !== undefined) setTimeout(end, state.cutAfterMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    streams,
    state,
    /** Cuts the event streams open now. */
    cutOpen: () => [...open].forEach((end) => end()),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let server: ConsoleServer;
let browser: Browser;
const steward = new Wallet(Wallet.createRandom().privateKey);

describe("a waiting run's live stream", () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    const rows = join(server.root, 'rows.csv');
    writeFileSync(rows, 'i\n1\n2\n');
    writeFileSync(join(server.root, 'configs', 'pipelines', 'waits-long.yaml'), PIPELINE.replace('ROWS', rows));
    await server.grant('*', steward.address, 'steward');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('is followed again after each dropped connection, and a page that stops following says so and reconnects', async () => {
    const runId = '20261202T150000-waits-long';
    await server.sql(
      `INSERT INTO {schema}.runs (id, pipeline, file, spec_yaml, params, options, status, executor, error, created_at, started_at)
       VALUES ($1, 'waits-long', 'configs/pipelines/waits-long.yaml', $2, '{}', '{}', 'waiting', 'in-process', 'step "read" waits for signal "go"', $3, $3)`,
      [runId, PIPELINE.replace('ROWS', join(server.root, 'rows.csv')), Date.now()],
    );
    await server.sql(
      `INSERT INTO {schema}.steps (run_id, step_id, status, reason, pool) VALUES ($1, 'read', 'waiting', 'waiting for signal "go"', 'cpu')`,
      [runId],
    );
    const relay = await startRelay(new URL(server.url));
    const context = await walletContext(browser, steward);
    const page = await context.newPage();
    try {
      // Signed in on the server's own origin; the session cookie also goes to the relay (same host).
      await signInThroughPage(page, server.url);
      await page.goto(`${relay.url}/runs/${encodeURIComponent(runId)}`);
      await page.locator('h1 .badge-waiting').waitFor({ timeout: 30_000 });
      const live = page.locator('.live[role="status"]');

      // Every stream is cut 0.4 s after it opens. Each had opened, so the page is back a second
      // later every time: 8 streams in well under 20 s (backing off as if each were a failure,
      // 1, 2, 4, 8, 15 s, it had 5).
      const t0 = Date.now();
      await expect.poll(() => relay.streams.length, { timeout: 20_000, interval: 200 }).toBeGreaterThanOrEqual(8);
      const gaps = relay.streams.slice(1, 8).map((t, i) => t - relay.streams[i]);
      expect(Math.max(...gaps), `gaps ${gaps.join(', ')} ms`).toBeLessThan(3500);
      expect(Date.now() - t0).toBeLessThan(20_000);
      relay.state.cutAfterMs = undefined;
      await expect.poll(() => live.textContent(), { timeout: 10_000 }).toBe('Live');
      expect(await page.getByRole('alert').count()).toBe(0);

      // The steward loses the role: the next stream is refused. The page says it stopped following.
      await server.sql(`DELETE FROM {schema}.server_roles WHERE principal = $1`, [steward.address.toLowerCase()]);
      relay.cutOpen();
      const alert = page.getByRole('alert');
      await alert
        .getByText(/This page stopped following the run \(live updates refused: the server answered HTTP 403\)/)
        .waitFor({ timeout: 15_000 });
      expect(await live.textContent()).toBe('Not following');
      await shot(page, 'run-live-stopped');
      expect(await axeProblems(page)).toEqual([]);
      // Given back the role, Reconnect follows the run again.
      await server.grant('*', steward.address, 'steward');
      await alert.getByRole('button', { name: 'Reconnect' }).click();
      await expect.poll(() => live.textContent(), { timeout: 10_000 }).toBe('Live');
      expect(await page.getByRole('alert').count()).toBe(0);
    } catch (e) {
      await shot(page, 'run-live-failure');
      throw e;
    } finally {
      await context.close();
      await relay.close();
    }
  });
});
