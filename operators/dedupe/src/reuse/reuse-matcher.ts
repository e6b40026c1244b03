import { containmentAt, shingleTable, type Containment, type ShingleTable } from './copied-spans.js';
import { passageShingles, sampled, words, type Words } from './passage-shingles.js';

export interface ReuseSettings {
  /** Words per shingle. */
  k: number;
  /** Candidate index keeps shingles with hash % mod == 0. */
  mod: number;
  minContainment: number;
  /** Sources verified per record, those sharing the most sampled shingles first. */
  maxCandidates: number;
  /**
   * The keys candidates are found by in memory: the sampled shingles (what the persistent index
   * stores, and so what loads its records) or every shingle.
   */
  candidateKeys: 'sampled' | 'all';
  /**
   * A source is verified when it shares at least candidateFloor x minContainment of the record's
   * keys (and one at the least).
   */
  candidateFloor: number;
  /** Words the alignment may skip in each text to resume after an edit (0: shared k-grams only). */
  gap: number;
}

/**
 * k = 5 words (as MinHash's word shingles), a quarter of them sampled for the persistent index;
 * in memory every 5-gram is a key, and the 8 sources sharing most 5-grams with a record are
 * verified, from an eighth of minContainment up: a copy at the threshold revised every 4 words
 * or so keeps about a quarter of its 5-grams whole, and half of that leaves room for how unevenly
 * edits fall. 5-gram matches are then extended over edits of up to 2 words (copied-spans.ts):
 * the verification decides. Before the alignment: sampled keys, candidateFloor 0.5, gap 0.
 */
export const REUSE_SHINGLES = { k: 5, mod: 4, maxCandidates: 8, candidateKeys: 'all', candidateFloor: 0.125, gap: 2 } as const;

export interface Prepared {
  text: string;
  words: Words;
  shingles: Uint32Array;
  sample: Uint32Array;
}

export interface ReuseMatch extends Containment {
  sourceId: string;
  /** The candidate index's estimate: keys (shingles, or sampled shingles) shared / the record's keys. */
  estimate: number;
}

export function prepare(text: string, s: Pick<ReuseSettings, 'k' | 'mod'>): Prepared {
  const w = words(text);
  const shingles = passageShingles(w, s.k);
  let sample: Uint32Array | undefined;
  // Computed when first read: with every shingle a candidate key, only the index needs it.
  return {
    text,
    words: w,
    shingles,
    get sample() {
      return (sample ??= sampled(shingles, s.mod));
    },
  };
}

/**
 * Containment of new records in earlier ones. Sources are added in credit order; `match` finds a
 * record's candidate sources through a shingle index (every shingle, or Broder's mod-m sample),
 * then measures each candidate by alignment (copied-spans.ts): the estimate only chooses whom to
 * verify, the measured containment decides.
 */
export class ReuseMatcher {
  private postings = new Postings();
  private sources: { id: string; prepared: Prepared; table?: ShingleTable }[] = [];
  /** Per source, keys shared with the record being matched (zero between calls). */
  private hits = new Int32Array(64);
  candidatesVerified = 0;

  constructor(readonly settings: ReuseSettings) {}

  get size(): number {
    return this.sources.length;
  }

  addSource(id: string, prepared: Prepared): void {
    const n = this.sources.length;
    this.sources.push({ id, prepared });
    if (this.hits.length <= n) {
      const grown = new Int32Array(this.hits.length * 2);
      grown.set(this.hits);
      this.hits = grown;
    }
    for (const h of this.settings.candidateKeys === 'all' ? prepared.shingles : prepared.sample) this.postings.add(h, n);
  }

  /** Every earlier source (other than `selfId`, a re-run's own record) whose exact containment reaches minContainment, highest first. */
  match(p: Prepared, selfId?: string): ReuseMatch[] {
    const { k, minContainment, maxCandidates, candidateKeys, candidateFloor, gap } = this.settings;
    const keys = candidateKeys === 'all' ? p.shingles : p.sample;
    const hits = this.hits;
    const touched: number[] = [];
    const { entrySource, entryNext } = this.postings;
    for (const h of keys)
      for (let e = this.postings.head(h); e >= 0; e = entryNext[e]) {
        const s = entrySource[e];
        if (hits[s]++ === 0) touched.push(s);
      }
    const floor = Math.max(1, candidateFloor * minContainment * keys.length);
    // The maxCandidates sources sharing most keys (earlier first on ties), best first.
    const best: number[] = [];
    for (const s of touched) {
      const c = hits[s];
      if (c < floor || this.sources[s].id === selfId) continue;
      let at = best.length;
      while (at > 0 && (hits[best[at - 1]] < c || (hits[best[at - 1]] === c && best[at - 1] > s))) at--;
      if (at >= maxCandidates) continue;
      best.splice(at, 0, s);
      if (best.length > maxCandidates) best.pop();
    }
    const counts = best.map((s) => hits[s]);
    for (const s of touched) hits[s] = 0;
    const out: ReuseMatch[] = [];
    best.forEach((s, i) => {
      this.candidatesVerified++;
      const src = this.sources[s];
      src.table ??= shingleTable(src.prepared.shingles);
      const m = containmentAt(p.words, p.shingles, src.prepared.words, src.table, k, gap, minContainment);
      if (m.containment >= minContainment) out.push({ sourceId: src.id, estimate: counts[i] / keys.length, ...m });
    });
    return out.sort((a, b) => b.containment - a.containment);
  }
}

/** Key (a shingle hash) -> the sources holding it: open addressing over the hash, each slot the head of a list of entries, newest first, one per source. */
class Postings {
  private keys = new Uint32Array(1024);
  /** Entry + 1 of each slot's list (0: empty slot). */
  private heads = new Int32Array(1024);
  private mask = 1023;
  private used = 0;
  entrySource = new Int32Array(1024);
  entryNext = new Int32Array(1024);
  private entries = 0;

  private slot(h: number): number {
    let i = h & this.mask;
    while (this.heads[i] && this.keys[i] !== h) i = (i + 1) & this.mask;
    return i;
  }

  /** First entry for key h, -1 if none. */
  head(h: number): number {
    return this.heads[this.slot(h)] - 1;
  }

  add(h: number, source: number): void {
    const i = this.slot(h);
    const first = this.heads[i] - 1;
    if (first >= 0 && this.entrySource[first] === source) return;
    if (this.entries === this.entrySource.length) {
      const src = new Int32Array(this.entries * 2);
      src.set(this.entrySource);
      const next = new Int32Array(this.entries * 2);
      next.set(this.entryNext);
      this.entrySource = src;
      this.entryNext = next;
    }
    const e = this.entries++;
    this.entrySource[e] = source;
    this.entryNext[e] = first;
    if (first < 0) {
      this.keys[i] = h;
      this.used++;
    }
    this.heads[i] = e + 1;
    if (this.used * 2 > this.keys.length) this.grow();
  }

  private grow(): void {
    const keys = this.keys;
    const heads = this.heads;
    this.keys = new Uint32Array(keys.length * 2);
    this.heads = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    for (let j = 0; j < keys.length; j++) {
      if (!heads[j]) continue;
      const i = this.slot(keys[j]);
      this.keys[i] = keys[j];
      this.heads[i] = heads[j];
    }
  }
}
