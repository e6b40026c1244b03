// The console's static route: pages answer the page shell once the build is there, assets are
// served with long caching and never from outside the build folder, and while the build runs the
// pages say so (503) and the API keeps answering. A stand-in console folder keeps this fast.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestServer } from './server-helpers.js';

let dir: string;
let server: Awaited<ReturnType<typeof openTestServer>>;
let base: string;

function fakeConsole(buildMs: number): string {
  const d = mkdtempSync(join(tmpdir(), 'console-route-'));
  mkdirSync(join(d, 'scripts'), { recursive: true });
  // Stands in for the vite build: writes dist/ after a moment.
  writeFileSync(
    join(d, 'scripts', 'ensure-build.mjs'),
    `import { mkdirSync, writeFileSync } from 'node:fs';
setTimeout(() => {
  mkdirSync(new URL('../dist/assets/', import.meta.url), { recursive: true });
  writeFileSync(new URL('../dist/index.html', import.meta.url), '<!doctype html><title>console</title><div id="root"></div>');
  writeFileSync(new URL('../dist/assets/app-abc123.js', import.meta.url), 'console.log(1)');
}, ${buildMs});
`,
  );
  writeFileSync(join(d, 'secret.txt'), 'outside the build');
  return d;
}

describe('console route', () => {
  beforeAll(async () => {
    dir = fakeConsole(1500);
    process.env.DATANET_CONSOLE_DIR = dir;
    server = await openTestServer('pglite');
    delete process.env.DATANET_CONSOLE_DIR;
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  }, 120_000);
  afterAll(async () => {
    await server?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says the console is being built while the API answers, then serves it', async () => {
    const early = await fetch(`${base}/runs`);
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('5');
    expect(await early.text()).toContain('being built');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    let page: Response | undefined;
    // Wait for the state, not for a time: starting the build's child process takes seconds on a busy machine.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && page?.status !== 200) {
      await new Promise((r) => setTimeout(r, 200));
      page = await fetch(`${base}/runs/some-run?step=x`);
    }
    expect(page?.status).toBe(200);
    expect(await page!.text()).toContain('<div id="root">');
    expect(page!.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page!.headers.get('cache-control')).toBe('no-cache');
    const asset = await fetch(`${base}/assets/app-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it('serves nothing outside the build, and unknown API paths stay JSON 404s', async () => {
    for (const path of ['/assets/../../secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(await res.text()).not.toContain('outside the build');
    }
    const api = await fetch(`${base}/api/no-such-route`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: 'not_found' });
  });
});
