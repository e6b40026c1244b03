import { containmentIn, type Containment } from './copied-spans.js';
import { passageShingles, sampled, words, type Words } from './passage-shingles.js';

export interface ReuseSettings {
  /** Words per shingle. */
  k: number;
  /** Candidate index keeps shingles with hash % mod == 0. */
  mod: number;
  minContainment: number;
  /** Sources verified per record, those sharing the most sampled shingles first. */
  maxCandidates: number;
}

/** k = 5 words (as MinHash's word shingles), a quarter of them sampled, 8 sources verified per record. */
export const REUSE_SHINGLES = { k: 5, mod: 4, maxCandidates: 8 } as const;

export interface Prepared {
  text: string;
  words: Words;
  shingles: Uint32Array;
  sample: Uint32Array;
}

export interface ReuseMatch extends Containment {
  sourceId: string;
  /** The candidate index's estimate: sampled shingles shared / sampled shingles of the record. */
  estimate: number;
}

export function prepare(text: string, s: Pick<ReuseSettings, 'k' | 'mod'>): Prepared {
  const w = words(text);
  const shingles = passageShingles(w, s.k);
  return { text, words: w, shingles, sample: sampled(shingles, s.mod) };
}

/**
 * Containment of new records in earlier ones. Sources are added in credit order; `match` finds a
 * record's candidate sources through the sampled-shingle index (Broder's containment estimate),
 * then measures each candidate exactly (copied-spans.ts): the estimate only chooses whom to
 * verify, the exact containment decides.
 */
export class ReuseMatcher {
  private keys = new Map<number, number[]>();
  private sources: { id: string; prepared: Prepared }[] = [];
  candidatesVerified = 0;

  constructor(readonly settings: ReuseSettings) {}

  get size(): number {
    return this.sources.length;
  }

  addSource(id: string, prepared: Prepared): void {
    const n = this.sources.length;
    this.sources.push({ id, prepared });
    for (const h of prepared.sample) {
      const list = this.keys.get(h);
      if (list) list.push(n);
      else this.keys.set(h, [n]);
    }
  }

  /** Every earlier source (other than `selfId`, a re-run's own record) whose exact containment reaches minContainment, highest first. */
  match(p: Prepared, selfId?: string): ReuseMatch[] {
    const { k, minContainment, maxCandidates } = this.settings;
    const hits = new Map<number, number>();
    for (const h of p.sample)
      for (const s of this.keys.get(h) ?? []) if (this.sources[s].id !== selfId) hits.set(s, (hits.get(s) ?? 0) + 1);
    if (!hits.size || !p.sample.length) return [];
    // Light edits break a few sampled shingles too: verify from half the threshold up.
    const floor = (minContainment / 2) * p.sample.length;
    const candidates = [...hits]
      .filter(([, c]) => c >= floor)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, maxCandidates);
    const out: ReuseMatch[] = [];
    for (const [s, c] of candidates) {
      this.candidatesVerified++;
      const src = this.sources[s];
      const m = containmentIn(p.words, p.shingles, src.prepared.words, src.prepared.shingles, k);
      if (m.containment >= minContainment) out.push({ sourceId: src.id, estimate: c / p.sample.length, ...m });
    }
    return out.sort((a, b) => b.containment - a.containment);
  }
}
