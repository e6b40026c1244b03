import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pruneIndexes } from '../src/routes/playground-kernel.js';

const MIN = 60_000;

describe("the playground's span-index cache", () => {
  const cache = mkdtempSync(join(tmpdir(), 'playground-cache-'));
  afterAll(() => rmSync(cache, { recursive: true, force: true }));
  const now = Date.now();
  /** An index folder last used `ago` ms before now. */
  const index = (name: string, ago: number) => {
    const dir = join(cache, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'index.json'), '{}');
    writeFileSync(join(dir, 'shard-0.bin'), 'x');
    const t = new Date(now - ago);
    utimesSync(join(dir, 'index.json'), t, t);
    return dir;
  };
  const build = (name: string, ago: number) => {
    const dir = join(cache, name);
    mkdirSync(dir);
    const t = new Date(now - ago);
    utimesSync(dir, t, t);
    return dir;
  };

  it('keeps the new index, the two most recently used others and any used in the last 10 minutes; drops the rest and old abandoned builds', () => {
    const fresh = index('sha256_new', 0);
    const a = index('sha256_a', 20 * MIN);
    const b = index('sha256_b', 30 * MIN);
    const c = index('sha256_c', 40 * MIN);
    const d = index('sha256_d', 50 * MIN);
    const busy = build('sha256_e.tmp-123-abc', 5 * MIN);
    const dead = build('sha256_f.tmp-456-def', 2 * 60 * MIN);
    const removed = pruneIndexes(cache, fresh, now).sort();
    expect(removed).toEqual([c, d, dead].sort());
    for (const kept of [fresh, a, b, busy]) expect(existsSync(kept)).toBe(true);
    for (const gone of [c, d, dead]) expect(existsSync(gone)).toBe(false);
  });

  it('never removes an index used in the last 10 minutes, however many there are', () => {
    const recent = [1, 2, 3, 4, 5].map((k) => index(`sha256_recent_${k}`, k * MIN));
    const removed = pruneIndexes(cache, join(cache, 'sha256_new'), now);
    // Of the earlier survivors, a (20 min) and b (30 min) are now beyond the three most recent.
    expect(removed.sort()).toEqual([join(cache, 'sha256_a'), join(cache, 'sha256_b')].sort());
    for (const r of recent) expect(existsSync(r)).toBe(true);
  });
});
