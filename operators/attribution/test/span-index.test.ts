import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attributeText, buildSpanIndex, SpanIndex, tokenIds } from '../src/index.js';
import { plantedPassage, rng, syntheticDocs } from './synthetic-corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'span-index-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function naiveCount(docs: Uint32Array[], q: Uint32Array): number {
  let n = 0;
  for (const d of docs) {
    outer: for (let i = 0; i + q.length <= d.length; i++) {
      for (let j = 0; j < q.length; j++) if (d[i + j] !== q[j]) continue outer;
      n++;
    }
  }
  return n;
}

describe('span index', () => {
  const docs = syntheticDocs(400, { vocab: 300 });
  const one = join(dir, 'one');
  const many = join(dir, 'many');
  buildSpanIndex(docs, { outDir: one });
  const forced = buildSpanIndex(docs, { outDir: many, maxShardPositions: 5000 });

  it('counts every n-gram like a naive scan, with one shard or many', () => {
    const tokenized = docs.map((d) => tokenIds(d.text));
    expect(forced.manifest.shards.length).toBeGreaterThan(5);
    const a = SpanIndex.open(one);
    const b = SpanIndex.open(many);
    const r = rng(3);
    for (let k = 0; k < 200; k++) {
      const d = tokenized[Math.floor(r() * tokenized.length)];
      const len = 1 + Math.floor(r() * 6);
      const at = Math.floor(r() * (d.length - len));
      const q = k % 5 === 0 ? Uint32Array.from([...d.subarray(at, at + len), 12345]) : d.subarray(at, at + len);
      const expected = naiveCount(tokenized, q);
      expect(a.count(q)).toBe(expected);
      expect(b.count(q)).toBe(expected);
    }
  });

  it('finds the same maximal spans and credits across shards', () => {
    const a = SpanIndex.open(one);
    const b = SpanIndex.open(many);
    const text = `${docs[10].text.split(' ').slice(5, 25).join(' ')} zzz ${docs[200].text.split(' ').slice(0, 15).join(' ')}`;
    const sa = attributeText(a, text);
    expect(attributeText(b, text)).toEqual(sa);
    expect(sa.map((s) => s.contributionId)).toContain(docs[10].contributionId);
    expect(sa.map((s) => s.contributionId)).toContain(docs[200].contributionId);
    expect(sa.reduce((x, s) => x + s.score, 0)).toBeCloseTo(1, 9);
    expect(sa[0].evidence[0].length).toBeGreaterThanOrEqual(6);
  });

  it('attributes planted passages with light edits to their source (top-1 >= 0.9)', () => {
    const idx = SpanIndex.open(many);
    const r = rng(11);
    let top1 = 0;
    const trials = 100;
    for (let k = 0; k < trials; k++) {
      const src = docs[Math.floor(r() * docs.length)];
      const scores = attributeText(idx, plantedPassage(src.text, 40, r));
      if (scores[0]?.contributionId === src.contributionId) top1++;
    }
    expect(top1 / trials).toBeGreaterThanOrEqual(0.9);
  });

  it('reuses the parent shards for a new version and indexes only the new contributions', () => {
    const more = syntheticDocs(50, { vocab: 300, seed: 99, offset: 400 });
    // Version 2: contribution c000003 removed (revoked), 50 added.
    const v2rows = [...docs.filter((d) => d.contributionId !== 'c000003'), ...more];
    const v2 = join(dir, 'v2');
    const built = buildSpanIndex(v2rows, { outDir: v2, parentDir: many, maxShardPositions: 5000 });
    expect(built.manifest.shards.filter((s) => s.inherited).length).toBe(forced.manifest.shards.length);
    expect(built.builtShards).toBeGreaterThan(0);
    expect(built.newWords).toBe(more.reduce((a, d) => a + tokenIds(d.text).length, 0));
    expect(built.manifest.excluded).toEqual(['c000003']);
    // The inherited shard is the same file (hard link), not a rebuilt copy.
    expect(statSync(join(v2, 'shard-0000', 'sa.i32')).ino).toBe(statSync(join(many, 'shard-0000', 'sa.i32')).ino);
    const idx = SpanIndex.open(v2);
    const fromNew = attributeText(idx, more[7].text.split(' ').slice(0, 30).join(' '));
    expect(fromNew[0].contributionId).toBe(more[7].contributionId);
    const revoked = attributeText(idx, docs[3].text);
    expect(revoked.map((s) => s.contributionId)).not.toContain('c000003');
  });
});
