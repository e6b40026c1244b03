import { describe, expect, it } from 'vitest';
import {
  MinHasher,
  Shingler,
  candidateProbability,
  clusterSignatures,
  estimateJaccard,
  impliedThreshold,
  UnionFind,
} from '../src/index.js';

const enc = new TextEncoder();
const words =
  'the patient was treated with a low dose of medication and recovered fully after two weeks of rest at home under supervision of the family doctor who checked blood pressure daily'.split(
    ' ',
  );

function shingleSet(text: string, unit: 'word' | 'char', n: number): Set<number> {
  const b = enc.encode(text);
  return new Set(new Shingler({ unit, n }).shingle(b, 0, b.length));
}

function jaccard(a: Set<number>, b: Set<number>): number {
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

function sign(h: MinHasher, text: string): Uint32Array {
  const b = enc.encode(text);
  const sig = new Uint32Array(h.spec.permutations);
  h.signInto(b, 0, b.length, sig, 0);
  return sig;
}

describe('shingles', () => {
  it('ignores case, punctuation and spacing for word shingles', () => {
    expect([...shingleSet('The cat, sat on   the MAT!', 'word', 2)]).toEqual([...shingleSet('the cat sat on the mat', 'word', 2)]);
    expect(shingleSet('the cat sat', 'word', 2).size).toBe(2);
    expect(shingleSet('the cat sat on the mat', 'word', 5).size).toBe(2);
  });

  it('gives one shingle to a text shorter than n, and none to an empty one', () => {
    expect(shingleSet('two words', 'word', 5).size).toBe(1);
    expect(shingleSet(' ,;. ', 'word', 5).size).toBe(0);
  });

  it('counts characters as code points for char shingles', () => {
    expect(shingleSet('abcd', 'char', 3).size).toBe(2);
    expect(shingleSet('äöüß', 'char', 3).size).toBe(2);
    expect([...shingleSet('Ab,  cd', 'char', 2)]).toEqual([...shingleSet('ab cd', 'char', 2)]);
  });
});

describe('MinHash estimate', () => {
  it('tracks exact Jaccard of 5-gram word shingles within a few points', () => {
    const h = new MinHasher({ shingles: { unit: 'word', n: 5 }, permutations: 256, bands: 32, rows: 8, seed: 7 });
    const errors: number[] = [];
    let seed = 1;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let trial = 0; trial < 40; trial++) {
      const base = Array.from({ length: 200 }, () => words[Math.floor(rand() * words.length)] + Math.floor(rand() * 50));
      const edited = base.map((w) => (rand() < trial / 80 ? `x${Math.floor(rand() * 1e6)}` : w));
      const a = base.join(' ');
      const b = edited.join(' ');
      const exact = jaccard(shingleSet(a, 'word', 5), shingleSet(b, 'word', 5));
      const est = estimateJaccard(sign(h, a), 0, sign(h, b), 0, 256);
      errors.push(Math.abs(est - exact));
    }
    const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
    expect(mean).toBeLessThan(0.03);
    expect(Math.max(...errors)).toBeLessThan(0.1);
  });

  it('gives identical signatures to texts that differ only in case and punctuation', () => {
    const h = new MinHasher({ shingles: { unit: 'word', n: 5 }, permutations: 64, bands: 8, rows: 8, seed: 1 });
    expect(sign(h, words.join(' '))).toEqual(sign(h, words.join(', ').toUpperCase()));
  });

  it('reports the LSH threshold (1/b)^(1/r) and its S-curve', () => {
    expect(impliedThreshold(14, 8)).toBeCloseTo(0.719, 3);
    expect(impliedThreshold(20, 5)).toBeCloseTo(0.5493, 3);
    expect(candidateProbability(impliedThreshold(14, 8), 14, 8)).toBeGreaterThan(0.5);
    expect(candidateProbability(0.3, 14, 8)).toBeLessThan(0.01);
    expect(() => new MinHasher({ shingles: { unit: 'word', n: 5 }, permutations: 100, bands: 14, rows: 8, seed: 1 })).toThrow(
      /must not exceed permutations/,
    );
  });
});

describe('clustering', () => {
  it('keeps the earliest item as root and never merges two accepted items', () => {
    const uf = new UnionFind(4);
    uf.union(3, 1);
    uf.union(2, 3);
    expect(uf.find(3)).toBe(1);
    expect(uf.find(2)).toBe(1);

    const h = new MinHasher({ shingles: { unit: 'word', n: 3 }, permutations: 64, bands: 16, rows: 4, seed: 3 });
    const text = words.join(' ');
    const near = text.replace('blood', 'arterial');
    const other = 'completely unrelated sentence about the weather in spring with rain and wind over the hills';
    const sigs = new Uint32Array(64 * 4);
    [text, text, near, other].forEach((t, i) => sigs.set(sign(h, t), i * 64));
    const withAccepted = clusterSignatures({ signatures: sigs, permutations: 64, bands: 16, rows: 4, threshold: 0.6, acceptedCount: 2 });
    expect(withAccepted.uf.find(0)).toBe(0);
    expect(withAccepted.uf.find(1)).toBe(1);
    expect(withAccepted.uf.find(2)).toBe(0);
    expect(withAccepted.uf.find(3)).toBe(3);
    const free = clusterSignatures({ signatures: sigs, permutations: 64, bands: 16, rows: 4, threshold: 0.6 });
    expect([0, 1, 2].map((i) => free.uf.find(i))).toEqual([0, 0, 0]);
  });
});
