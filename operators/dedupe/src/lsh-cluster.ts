import { bandKeys, estimateJaccard, UNIT_CHAR, UNIT_WORD } from './minhash.js';
import { UnionFind } from './union-find.js';

export interface ClusterInput {
  /** P values per item; items are numbered in credit order (earliest first). */
  signatures: Uint32Array;
  permutations: number;
  bands: number;
  rows: number;
  /** Similarity needed to merge a candidate pair (word-shingled items, or all outside auto mode). */
  threshold: number;
  /** Per item, the unit it was shingled by (UNIT_WORD / UNIT_CHAR); absent: all UNIT_WORD. */
  units?: Uint8Array;
  /** Banding and threshold of char-shingled (short) items in auto mode. */
  short?: { bands: number; rows: number; threshold: number };
  /**
   * The similarity a candidate pair is judged by; default the MinHash estimate. The dedupe pass
   * gives exact Jaccard of the shingle sets where it has them.
   */
  similarity?: (i: number, j: number, atLeast: number) => number;
  /**
   * `root` (default): an item joins a cluster only when it is similar enough to the cluster's
   * earliest member, the record that keeps the credit, so chains of look-alikes (A~B, B~C) never
   * merge A with C. `single`: any similar pair merges (single linkage).
   */
  linkage?: 'root' | 'single';
  /** Items with no shingles take no part. */
  active?: Uint8Array;
  /** Items below this number are already accepted (the persistent index): never merged with each other. */
  acceptedCount?: number;
  /** Comparisons per bucket: a bucket holding a big cluster should not turn quadratic. */
  maxBucketComparisons?: number;
  /** Root linkage: candidate clusters judged per item, those sharing the most bands first. */
  maxJudged?: number;
}

export interface ClusterResult {
  uf: UnionFind;
  candidatePairs: number;
  mergedPairs: number;
}

/**
 * Banded LSH over signatures in credit order. Each item is compared with the earlier members of
 * every bucket it lands in; a pair is merged only when its similarity (verified, not the band
 * collision) reaches the threshold of the item's unit, so the banding decides what is compared
 * and the similarity decides what is a duplicate. The union-find keeps the earliest item as each
 * cluster's root.
 */
export function clusterSignatures(input: ClusterInput): ClusterResult {
  const { signatures, permutations: P } = input;
  const n = signatures.length / P;
  const accepted = input.acceptedCount ?? 0;
  const cap = input.maxBucketComparisons ?? 16;
  const maxJudged = input.maxJudged ?? 8;
  const similarity = input.similarity ?? ((i: number, j: number) => estimateJaccard(signatures, i * P, signatures, j * P, P));
  const rootLinkage = (input.linkage ?? 'root') === 'root';
  const uf = new UnionFind(n);
  // One map per band (and unit), keyed by 30 bits of the band hash: small integers stay unboxed
  // in V8's maps, where the full 2^32 x band keys were heap numbers. A rare collision of the
  // dropped bits only adds a candidate, which verification then judges.
  const bandMaps = new Map<number, Map<number, number | number[]>>();
  const bucketsOf = (key: number) => {
    const band = Math.floor(key / 4294967296);
    let m = bandMaps.get(band);
    if (!m) bandMaps.set(band, (m = new Map()));
    return m;
  };
  const keys = new Float64Array(Math.max(input.bands, input.short?.bands ?? 0));
  let candidatePairs = 0;
  let mergedPairs = 0;
  const rootCounts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (input.active && !input.active[i]) continue;
    const unit = input.units ? input.units[i] : UNIT_WORD;
    const short = unit === UNIT_CHAR && input.short;
    const bands = short ? short.bands : input.bands;
    const rows = short ? short.rows : input.rows;
    const threshold = short ? short.threshold : input.threshold;
    bandKeys(signatures, i * P, bands, rows, keys, unit);
    // Root linkage: the candidate clusters are gathered over all bands, each judged once by its
    // root, and i joins the most similar one that passes.
    const roots = rootLinkage ? rootCounts : undefined;
    roots?.clear();
    for (let t = 0; t < bands; t++) {
      const buckets = bucketsOf(keys[t]);
      const key = (keys[t] % 4294967296) >>> 2;
      const members = buckets.get(key);
      if (members === undefined) {
        buckets.set(key, i);
        continue;
      }
      const list = typeof members === 'number' ? [members] : members;
      let compared = 0;
      for (const j of list) {
        if (compared >= cap) break;
        const ri = uf.find(i);
        const rj = uf.find(j);
        // Two clusters that each hold an accepted record stay apart: both were accepted already.
        if (ri === rj || (ri < accepted && rj < accepted)) continue;
        compared++;
        if (roots) {
          roots.set(rj, (roots.get(rj) ?? 0) + 1);
          continue;
        }
        candidatePairs++;
        if (similarity(i, j, threshold) >= threshold) {
          uf.union(i, j);
          mergedPairs++;
        }
      }
      if (list.length < cap) {
        list.push(i);
        if (typeof members === 'number') buckets.set(key, list);
      }
    }
    if (roots?.size) {
      // The clusters i shares the most bands with are the likeliest: only the top few are judged,
      // so records built from one template (a bucket shared by thousands) stay linear.
      const ranked = roots.size <= maxJudged ? [...roots] : [...roots].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, maxJudged);
      let best = -1;
      let bestSim = threshold;
      for (const [r] of ranked) {
        candidatePairs++;
        const sim = similarity(i, r, bestSim);
        // Ties go to the earliest cluster: it keeps the credit.
        if (sim > bestSim || (sim === bestSim && (best < 0 || r < best))) [best, bestSim] = [r, sim];
      }
      if (best >= 0) {
        uf.union(i, best);
        mergedPairs++;
      }
    }
  }
  return { uf, candidatePairs, mergedPairs };
}
