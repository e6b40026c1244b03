#!/usr/bin/env node
// Builds the console with vite when its build (dist/) is missing or older than its sources, so
// `datanet serve` can call this on every start. The sources' content hash is kept in
// dist/build-stamp.json. Several servers starting at once build once: the first takes a lock
// folder; the others wait for it (a lock whose process is gone is taken over).
// Usage: node scripts/ensure-build.mjs [--force] [--check]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const stampFile = join(dist, 'build-stamp.json');
const lock = join(root, '.build-lock');
const force = process.argv.includes('--force');

/** Everything the bundle is made of: the console's sources and config, and the API client it imports. */
function inputs() {
  const files = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(join(root, 'src'));
  walk(join(root, '..', 'client', 'src'));
  for (const f of ['index.html', 'vite.config.ts', 'package.json', 'scripts/ensure-build.mjs']) files.push(join(root, f));
  return files.filter((f) => existsSync(f));
}

function sourceHash() {
  const h = createHash('sha256');
  for (const f of inputs()) h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

function builtHash() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8')).sources;
  } catch {
    return undefined;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function takeLock() {
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
    return true;
  } catch {
    let pid = 0;
    try {
      pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    } catch {
      // The holder has made the folder but not written its pid yet.
      return false;
    }
    if (pid && !alive(pid)) {
      rmSync(lock, { recursive: true, force: true });
      return takeLock();
    }
    return false;
  }
}

const wanted = sourceHash();
if (process.argv.includes('--check')) {
  const fresh = builtHash() === wanted;
  console.log(`console: build ${fresh ? 'is up to date' : 'is missing or stale'}`);
  process.exit(fresh ? 0 : 1);
}
if (!force && builtHash() === wanted) {
  console.log('console: build is up to date');
  process.exit(0);
}
while (!takeLock()) {
  await new Promise((r) => setTimeout(r, 1000));
  if (!force && builtHash() === wanted) {
    console.log('console: built by another process');
    process.exit(0);
  }
}
try {
  console.log('console: building (vite)');
  const started = Date.now();
  // A server started under a test runner passes NODE_ENV=test down; the bundle is always a production one.
  process.env.NODE_ENV = 'production';
  const { build } = await import('vite');
  const tmp = join(root, `dist.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir: tmp, emptyOutDir: true } });
  writeFileSync(join(tmp, 'build-stamp.json'), `${JSON.stringify({ sources: wanted, builtAt: new Date().toISOString() })}\n`);
  // Swap folders so a server reading the old build never sees half of the new one.
  const old = join(root, `dist.old-${process.pid}`);
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(tmp, dist);
  rmSync(old, { recursive: true, force: true });
  console.log(`console: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  rmSync(lock, { recursive: true, force: true });
}
