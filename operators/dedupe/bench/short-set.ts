// The project's labelled set of short structured records: real records from three sources
// (short-records.ts), each base paired with its closest real look-alike in the same source (a
// different package, question or field that a careless matcher would merge), plus copies made by
// one controlled edit kind (record-edits.ts). Scored pairwise, like the held-out set: every pair
// of records in one predicted cluster is a predicted duplicate pair.
import { mulberry32 } from '../src/hash.js';
import { EDIT_KINDS, editRecord, type EditKind } from './record-edits.js';
import { renderRecord, type ShortRecord } from './short-records.js';

export interface LabelledRecord {
  text: string;
  source: ShortRecord['source'];
  /** The base record's key: records with the same cluster are duplicates. */
  cluster: string;
  /** 'base' for the real record, else the edit kind that made this copy. */
  kind: 'base' | EditKind;
}

/**
 * Look-alikes closer than this are left out: at trigram Jaccard 0.9 two records differ by a name
 * or a version only (a fork republishing a package's metadata, a test split's copy of a train
 * field), and whether they are duplicates is a matter of opinion, not of matching.
 */
const MAX_LOOKALIKE = 0.9;

const trigrams = (t: string): Set<string> => {
  const s = ` ${t
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= s.length; i++) out.add(s.slice(i, i + 3));
  return out;
};

/**
 * Up to `pairs` (record, look-alike) pairs per source: for records of 60-400 characters, the
 * other record sharing the most character trigrams (Jaccard), most similar pairs first, each
 * record used once. Records with the same normalised text are the same record, not look-alikes.
 */
export function pickBases(records: ShortRecord[], pairs: number, seed = 11): { bases: ShortRecord[]; lookAlikeJaccard: number[] } {
  const r = mulberry32(seed);
  const fit = records.filter((x) => {
    const n = renderRecord(x.fields).length;
    return n >= 60 && n <= 400;
  });
  // A seeded sample keeps the nearest-neighbour search small on MedQuAD's 16k questions.
  const pool = fit.length > 3000 ? fit.filter(() => r() / 4294967296 < 3000 / fit.length) : fit;
  const grams = pool.map((x) => trigrams(renderRecord(x.fields)));
  const posting = new Map<string, number[]>();
  grams.forEach((g, i) => g.forEach((t) => (posting.get(t) ?? posting.set(t, []).get(t)!).push(i)));
  const best: { i: number; j: number; jac: number }[] = [];
  const shared = new Int32Array(pool.length);
  grams.forEach((g, i) => {
    shared.fill(0);
    for (const t of g) {
      const list = posting.get(t)!;
      if (list.length > 400) continue; // very common trigrams say little and cost much
      for (const j of list) shared[j]++;
    }
    let bj = -1;
    let bJac = 0;
    shared.forEach((s, j) => {
      if (j === i || !s) return;
      const jac = s / (g.size + grams[j].size - s);
      if (jac > bJac && jac < MAX_LOOKALIKE) [bj, bJac] = [j, jac];
    });
    if (bj >= 0) best.push({ i, j: bj, jac: bJac });
  });
  best.sort((a, b) => b.jac - a.jac);
  const used = new Set<number>();
  const bases: ShortRecord[] = [];
  const lookAlikeJaccard: number[] = [];
  // Spread over the similarity range rather than only the most similar pairs: every k-th pair.
  const step = Math.max(1, Math.floor(best.length / (pairs * 2)));
  for (let k = 0; k < best.length && bases.length < pairs * 2; k += step) {
    const { i, j, jac } = best[k];
    if (used.has(i) || used.has(j)) continue;
    used.add(i).add(j);
    bases.push(pool[i], pool[j]);
    lookAlikeJaccard.push(jac);
  }
  return { bases, lookAlikeJaccard };
}

/** Bases plus one edited copy of each base the kind applies to ('mixed': 1-3 copies of random kinds), shuffled. */
export function buildKindSet(bases: ShortRecord[], kind: EditKind | 'all', seed = 5): LabelledRecord[] {
  const rand = mulberry32(seed);
  const r = () => rand() / 4294967296;
  const out: LabelledRecord[] = bases.map((b) => ({ text: renderRecord(b.fields), source: b.source, cluster: b.key, kind: 'base' }));
  for (const b of bases) {
    const original = renderRecord(b.fields);
    const kinds: EditKind[] =
      kind === 'all' ? Array.from({ length: 1 + Math.floor(r() * 3) }, () => EDIT_KINDS[Math.floor(r() * EDIT_KINDS.length)]) : [kind];
    for (const k of kinds) {
      const text = editRecord(b, k, r);
      if (text !== undefined && text !== original) out.push({ text, source: b.source, cluster: b.key, kind: k });
    }
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export interface PairScore {
  truePairs: number;
  predictedPairs: number;
  tp: number;
  precision: number;
  recall: number | null;
  f1: number | null;
}

const pairsOf = (n: number) => (n * (n - 1)) / 2;

/** Pairwise precision/recall/F1 of predicted clusters (`predicted[i]`: any cluster label) over the records `keep` selects. */
export function scorePairs(set: LabelledRecord[], predicted: string[], keep: (r: LabelledRecord) => boolean = () => true): PairScore {
  const byPred = new Map<string, number>();
  const byTrue = new Map<string, number>();
  const byBoth = new Map<string, number>();
  set.forEach((rec, i) => {
    if (!keep(rec)) return;
    const p = predicted[i];
    byPred.set(p, (byPred.get(p) ?? 0) + 1);
    byTrue.set(rec.cluster, (byTrue.get(rec.cluster) ?? 0) + 1);
    const both = `${p}\u0000${rec.cluster}`;
    byBoth.set(both, (byBoth.get(both) ?? 0) + 1);
  });
  const sum = (m: Map<string, number>) => [...m.values()].reduce((s, n) => s + pairsOf(n), 0);
  const tp = sum(byBoth);
  const predictedPairs = sum(byPred);
  const truePairs = sum(byTrue);
  // No duplicate pairs among these records (an edit kind that does not apply to a source): only
  // the false merges are measured, and F1 is undefined.
  if (!truePairs) return { truePairs, predictedPairs, tp, precision: predictedPairs ? 0 : 1, recall: null, f1: null };
  const precision = predictedPairs ? tp / predictedPairs : 1;
  const recall = tp / truePairs;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { truePairs, predictedPairs, tp, precision: +precision.toFixed(4), recall: +recall.toFixed(4), f1: +f1.toFixed(4) };
}
