/** Project-generated text for tests and the benchmark: Zipf-distributed words from a made-up vocabulary. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'ta', 'sul', 'vo', 'ne', 'pri', 'dan', 'ox', 'el', 'qua', 'rim', 'zo', 'fe'];

export function vocabulary(size: number, seed = 7): string[] {
  const r = rng(seed);
  const words = new Set<string>();
  while (words.size < size) {
    const n = 1 + Math.floor(r() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(r() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

export interface SyntheticDoc {
  contributionId: string;
  contributor: string;
  text: string;
}

export const addressOf = (i: number) => '0x' + (i + 1).toString(16).padStart(40, '0');

/** `n` documents of 40-200 words (sentences end with "."), from `contributors` contributors. */
export function syntheticDocs(
  n: number,
  opts: { seed?: number; contributors?: number; vocab?: number; offset?: number } = {},
): SyntheticDoc[] {
  const r = rng(opts.seed ?? 1);
  const vocab = vocabulary(opts.vocab ?? 5000);
  const zipf = () => vocab[Math.min(vocab.length - 1, Math.floor(Math.pow(r(), 2.2) * vocab.length))];
  const docs: SyntheticDoc[] = [];
  for (let i = 0; i < n; i++) {
    const len = 40 + Math.floor(r() * 160);
    const words: string[] = [];
    for (let w = 0; w < len; w++) words.push(zipf() + (r() < 0.08 ? '.' : ''));
    const k = (opts.offset ?? 0) + i;
    docs.push({
      contributionId: `c${String(k).padStart(6, '0')}`,
      contributor: addressOf(k % (opts.contributors ?? 20)),
      text: words.join(' '),
    });
  }
  return docs;
}

/** A passage of `words` words copied from `text` with light edits: two swaps of neighbours and one deletion. */
export function plantedPassage(text: string, words: number, r: () => number): string {
  const all = text.split(/\s+/);
  const start = Math.floor(r() * Math.max(1, all.length - words));
  const p = all.slice(start, start + words);
  for (let k = 0; k < 2; k++) {
    const i = 1 + Math.floor(r() * (p.length - 2));
    [p[i], p[i + 1]] = [p[i + 1], p[i]];
  }
  p.splice(1 + Math.floor(r() * (p.length - 2)), 1);
  return p.join(' ');
}
