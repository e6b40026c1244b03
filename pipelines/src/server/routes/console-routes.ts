import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { ZodApp } from '../server-context.js';

/** Top-level paths of the console's pages; each answers the same page shell (index.html). */
const PAGES = [
  '/',
  '/runs',
  '/runs/*',
  '/datanets',
  '/datanets/*',
  '/review',
  '/review/*',
  '/portal',
  '/portal/*',
  '/sign-in',
  '/datasets',
  '/models',
  '/playground',
];

type BuildState = { state: 'building' } | { state: 'ready' } | { state: 'failed'; reason: string } | { state: 'absent' };

/**
 * Serves the web console (workspace package console/) built by vite. The build is gitignored: when
 * it is missing or older than the console's sources, `datanet serve` builds it in a child process
 * (about a minute) while the API already answers, so `npm ci && npx datanet serve` needs no third
 * command. Until the build is there, pages answer 503 with a page that reloads itself.
 */
export async function consoleRoutes(app: ZodApp, consoleDir = process.env.DATANET_CONSOLE_DIR): Promise<void> {
  const dir = resolve(consoleDir ?? join(import.meta.dirname, '../../../../console'));
  const dist = join(dir, 'dist');
  const status: { current: BuildState } = { current: { state: 'absent' } };
  if (existsSync(join(dir, 'scripts', 'ensure-build.mjs'))) {
    status.current = { state: 'building' };
    // On listen, not on create: servers that only answer injected requests (tests, --openapi) build nothing.
    let builder: ChildProcess | undefined;
    app.addHook('onListen', async () => {
      builder = ensureBuild(
        dir,
        app,
        () => (status.current = { state: 'ready' }),
        (e) => {
          status.current = { state: 'failed', reason: e.message };
          app.log.error(`console build failed: ${e.message}`);
        },
      );
    });
    app.addHook('onClose', async () => {
      if (builder && builder.exitCode === null) builder.kill('SIGTERM');
    });
  }

  await app.register(fastifyStatic, { root: dist, serve: false, index: false, dotfiles: 'deny' });
  const notReady = (reply: { code(n: number): unknown; header(k: string, v: string): unknown; type(t: string): unknown }) => {
    const s = status.current;
    reply.code(s.state === 'building' ? 503 : s.state === 'failed' ? 500 : 404);
    if (s.state === 'building') reply.header('retry-after', '5');
    reply.type('text/html; charset=utf-8');
    return waitingPage(s);
  };

  app.get('/assets/*', { config: { access: 'public' }, schema: { hide: true } }, async (req, reply) => {
    if (status.current.state !== 'ready') return reply.code(404).send({ error: 'not_found', message: 'the console is not built yet' });
    const file = (req.params as { '*': string })['*'];
    // Vite names assets by content hash: a name never changes meaning, so browsers keep them.
    return reply.sendFile(join('assets', file), { maxAge: 365 * 24 * 3600 * 1000, immutable: true });
  });
  for (const url of PAGES) {
    app.get(url, { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) => {
      if (status.current.state !== 'ready') return notReady(reply);
      reply.header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
      );
      // The page shell names the current build's assets: browsers ask again every time.
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html', { cacheControl: false });
    });
  }
}

/** Runs console/scripts/ensure-build.mjs, which builds only when the build is missing or stale. */
function ensureBuild(dir: string, app: ZodApp, done: () => void, fail: (e: Error) => void): ChildProcess {
  const child = spawn(process.execPath, [join(dir, 'scripts', 'ensure-build.mjs')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (b: Buffer) => {
    tail = (tail + b.toString()).slice(-2000);
  };
  child.stdout.on('data', (b: Buffer) => {
    keep(b);
    for (const line of b.toString().split('\n')) if (line.startsWith('console:')) app.log.info(line.trim());
  });
  child.stderr.on('data', keep);
  child.on('error', fail);
  child.on('exit', (code, signal) =>
    code === 0 ? done() : fail(new Error(`${signal ?? `exit ${code}`}: ${tail.trim().split('\n').slice(-5).join(' | ')}`)),
  );
  return child;
}

function waitingPage(s: BuildState): string {
  const text =
    s.state === 'building'
      ? 'The console is being built (the first start after an install takes about a minute). This page reloads by itself.'
      : s.state === 'failed'
        ? 'The console could not be built; the server log says why. The API still answers (see /docs).'
        : 'This server has no console installed. The API answers (see /docs).';
  const refresh = s.state === 'building' ? '<meta http-equiv="refresh" content="5">' : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">${refresh}<title>Datanet</title></head><body style="font:16px system-ui;margin:3rem"><h1>Datanet</h1><p>${text}</p></body></html>`;
}
