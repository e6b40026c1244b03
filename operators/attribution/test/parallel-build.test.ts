import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeKernelPool } from '@datanet/pipelines';
import { afterAll, describe, expect, it } from 'vitest';
import { attributeText, buildShard, buildSpanIndex, buildSpanIndexInPool, SpanIndex } from '../src/index.js';
import { syntheticDocs } from './synthetic-corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'parallel-build-'));
afterAll(async () => {
  await closeKernelPool();
  rmSync(dir, { recursive: true, force: true });
});

describe('index build across the kernel pool', () => {
  it('writes the same shards, byte for byte, as the build on one thread', async () => {
    const docs = syntheticDocs(300, { vocab: 400, seed: 21 });
    const one = join(dir, 'one');
    const pool = join(dir, 'pool');
    const a = buildSpanIndex(docs, { outDir: one, maxShardPositions: 6000 });
    const shards: number[] = [];
    const b = await buildSpanIndexInPool(docs, { outDir: pool, maxShardPositions: 6000, onShard: (done) => shards.push(done) });
    expect(a.manifest.shards.length).toBeGreaterThan(3);
    expect(b.manifest).toEqual(a.manifest);
    expect(shards).toEqual(a.manifest.shards.map((_, k) => k + 1));
    for (const s of a.manifest.shards)
      for (const f of readdirSync(join(one, s.name)))
        expect(readFileSync(join(pool, s.name, f)).equals(readFileSync(join(one, s.name, f)))).toBe(true);
    const text = docs[150].text.split(' ').slice(10, 40).join(' ');
    expect(attributeText(SpanIndex.open(pool), text)).toEqual(attributeText(SpanIndex.open(one), text));
  });

  it('refuses a shard input whose document lengths do not add up, or that holds a 0 token', () => {
    const base = { docContrib: Int32Array.from([0]), contributions: [['c', '0x1']] as [string, string][] };
    expect(() => buildShard(join(dir, 'bad'), { ...base, tokens: Uint32Array.from([5, 6, 7]), docLengths: Int32Array.from([2]) })).toThrow(
      /document lengths sum to 2, but there are 3 tokens/,
    );
    expect(() => buildShard(join(dir, 'bad0'), { ...base, tokens: Uint32Array.from([5, 0]), docLengths: Int32Array.from([2]) })).toThrow(
      /token 1 is 0/,
    );
  });
});
