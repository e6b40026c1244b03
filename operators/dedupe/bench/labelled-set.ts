// A labelled near-duplicate set built from MedQuAD by controlled edits: each pair is a base
// answer and a copy with words replaced until the exact Jaccard similarity of their 5-gram word
// shingle sets reaches a target level. The label comes from the exact Jaccard measured after
// editing, not from the target.
import { mulberry32 } from '../src/hash.js';
import { Shingler } from '../src/shingles.js';

export interface LabelledPair {
  base: string;
  variant: string;
  /** Exact Jaccard of the 5-gram word shingle sets. */
  jaccard: number;
  level: number;
}

const enc = new TextEncoder();

export function exactJaccard(a: string, b: string, n = 5): number {
  const sh = new Shingler({ unit: 'word', n });
  const ab = enc.encode(a);
  const sa = new Set(sh.shingle(ab, 0, ab.length));
  const bb = enc.encode(b);
  const sb = new Set(sh.shingle(bb, 0, bb.length));
  let inter = 0;
  for (const x of sa) if (sb.has(x)) inter++;
  return inter / (sa.size + sb.size - inter);
}

/**
 * For each base text and each level, replaces the fewest words (at seeded random positions, by
 * words drawn from other texts) that bring the exact Jaccard down to the level or just below.
 */
export function buildLabelledSet(bases: string[], levels: number[], seed = 7): LabelledPair[] {
  const rand = mulberry32(seed);
  const r = () => rand() / 4294967296;
  const pool = bases.flatMap((b) => b.split(/\s+/).filter((w) => /^[a-z]{4,}$/.test(w)));
  const pairs: LabelledPair[] = [];
  bases.forEach((base, i) => {
    const level = levels[i % levels.length];
    const words = base.split(/\s+/).filter(Boolean);
    const order = words.map((_, k) => k).sort(() => r() - 0.5);
    const fresh = words.map(() => `${pool[Math.floor(r() * pool.length)]}${Math.floor(r() * 1000)}`);
    const edit = (k: number) => {
      const out = words.slice();
      for (let j = 0; j < k; j++) out[order[j]] = fresh[order[j]];
      return out.join(' ');
    };
    if (level >= 1) {
      // Same words, different formatting: what exact hashing on raw text would miss.
      const variant = words.join('  ').toUpperCase();
      pairs.push({ base, variant, jaccard: exactJaccard(base, variant), level });
      return;
    }
    let lo = 0;
    let hi = words.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (exactJaccard(base, edit(mid)) > level) lo = mid + 1;
      else hi = mid;
    }
    const variant = edit(lo);
    pairs.push({ base, variant, jaccard: exactJaccard(base, variant), level });
  });
  return pairs;
}
