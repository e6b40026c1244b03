import { estimateJaccard, UNIT_CHAR, UNIT_WORD } from './minhash.js';
import { UnionFind } from './union-find.js';
import { fmix32, murmurMix } from './hash.js';

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

// Working tables of clusterSignatures, grown as needed and reused (it runs to completion, never re-entered).
const scratch = {
  tableKey: new Int32Array(0),
  tableHead: new Int32Array(0),
  tableCount: new Int32Array(0),
  nextInBucket: new Int32Array(0),
  memberOf: new Int32Array(0),
  rootStamp: new Int32Array(0),
  rootCount: new Int32Array(0),
  rootOf: new Int32Array(0),
};

export interface ClusterResult {
  uf: UnionFind;
  /** Root linkage: the similarity with which each item joined its root (NaN: it did not join one). */
  joinedWith: Float64Array;
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
  const bandsOf = (i: number) =>
    (input.units ? input.units[i] : UNIT_WORD) === UNIT_CHAR && input.short ? input.short.bands : input.bands;
  // The buckets: one open-addressing table over every (item, band) key, typed arrays only (a Map
  // per band cost ~300 ns a key and most of the garbage on short records). Keys are the band
  // hash mixed with the band and unit; two keys that meet in 32 bits only add a candidate, which
  // verification then judges. Each bucket is a chain of its members, newest first, at most `cap`.
  let slots = 0;
  for (let i = 0; i < n; i++) if (!input.active || input.active[i]) slots += bandsOf(i);
  let capacity = 16;
  while (capacity < slots * 1.5) capacity *= 2;
  const mask = capacity - 1;
  // The tables are reused across calls (a batch of short records needs megabytes of them, and
  // fresh ones per call were a good part of the collector's work): only the heads and counts
  // need clearing; keys are written before they are read, chains only hold this call's members.
  if (scratch.tableKey.length < capacity) {
    scratch.tableKey = new Int32Array(capacity);
    scratch.tableHead = new Int32Array(capacity);
    scratch.tableCount = new Int32Array(capacity);
  }
  if (scratch.memberOf.length < slots) {
    scratch.nextInBucket = new Int32Array(slots);
    scratch.memberOf = new Int32Array(slots);
  }
  if (scratch.rootOf.length < n) {
    scratch.rootStamp = new Int32Array(n);
    scratch.rootCount = new Int32Array(n);
    scratch.rootOf = new Int32Array(n);
  }
  const { tableKey, tableHead, tableCount, nextInBucket, memberOf, rootStamp, rootCount, rootOf } = scratch;
  tableHead.fill(-1, 0, capacity);
  tableCount.fill(0, 0, capacity);
  rootStamp.fill(-1, 0, n);
  let used = 0;
  let candidatePairs = 0;
  let mergedPairs = 0;
  // Root linkage: the clusters the current item shares bands with (rootStamp, rootCount), and
  // each item's cluster root (rootOf), fixed once the item is placed (an item only ever joins an
  // earlier root, and roots never move), so the bucket walk reads it instead of find().
  const roots: number[] = [];
  const top: number[] = [];
  const joinedWith = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    if (input.active && !input.active[i]) continue;
    const unit = input.units ? input.units[i] : UNIT_WORD;
    const short = unit === UNIT_CHAR && input.short;
    const bands = short ? short.bands : input.bands;
    const rows = short ? short.rows : input.rows;
    const threshold = short ? short.threshold : input.threshold;
    roots.length = 0;
    rootOf[i] = i;
    // The bandKeys of minhash.ts (band t's value hash, in unit space `space`), folded to 32 bits
    // with the band: computed here in integers, as bandKeys' low and high words would give them.
    const space = unit === UNIT_CHAR ? 1024 : 0;
    for (let t = 0; t < bands; t++) {
      let h = 0x3c6ef372 ^ t;
      const base = i * P + t * rows;
      for (let k = 0; k < rows; k++) h = murmurMix(h, signatures[base + k]);
      const key = fmix32(fmix32(h ^ rows) ^ Math.imul(space + t + 1, 0x9e3779b1)) | 0;
      let slot = key & mask;
      while (tableHead[slot] !== -1 && tableKey[slot] !== key) slot = (slot + 1) & mask;
      if (tableHead[slot] === -1) tableKey[slot] = key;
      let compared = 0;
      if (rootLinkage) {
        // (i is its own root until it is placed: the members' roots are all that is read.)
        for (let e = tableHead[slot]; e !== -1 && compared < cap; e = nextInBucket[e]) {
          const rj = rootOf[memberOf[e]];
          // Two clusters that each hold an accepted record stay apart: both were accepted already.
          if (rj === i || (i < accepted && rj < accepted)) continue;
          compared++;
          if (rootStamp[rj] !== i) {
            rootStamp[rj] = i;
            rootCount[rj] = 1;
            roots.push(rj);
          } else rootCount[rj]++;
        }
      } else
        for (let e = tableHead[slot]; e !== -1 && compared < cap; e = nextInBucket[e]) {
          const j = memberOf[e];
          const ri = uf.find(i);
          const rj = uf.find(j);
          if (ri === rj || (ri < accepted && rj < accepted)) continue;
          compared++;
          candidatePairs++;
          if (similarity(i, j, threshold) >= threshold) {
            uf.union(i, j);
            mergedPairs++;
          }
        }
      if (tableCount[slot] < cap) {
        tableCount[slot]++;
        memberOf[used] = i;
        nextInBucket[used] = tableHead[slot];
        tableHead[slot] = used++;
      }
    }
    if (roots.length) {
      // The clusters i shares the most bands with are the likeliest: only the top few are judged,
      // so records built from one template (a bucket shared by thousands) stay linear.
      // (The top maxJudged by shared bands, then earliest, in that order: selected by insertion
      // into a short sorted list, as sorting all of them would order them.)
      if (roots.length > maxJudged) {
        top.length = 0;
        for (const r of roots) {
          const c = rootCount[r];
          let p = top.length;
          if (p === maxJudged) {
            const last = top[p - 1];
            if (!(c > rootCount[last] || (c === rootCount[last] && r < last))) continue;
            p--;
          } else top.push(r);
          while (p > 0 && (c > rootCount[top[p - 1]] || (c === rootCount[top[p - 1]] && r < top[p - 1]))) {
            top[p] = top[p - 1];
            p--;
          }
          top[p] = r;
        }
        roots.length = 0;
        for (const r of top) roots.push(r);
      }
      let best = -1;
      let bestSim = threshold;
      for (const r of roots) {
        candidatePairs++;
        const sim = similarity(i, r, bestSim);
        // Ties go to the earliest cluster: it keeps the credit.
        if (sim > bestSim || (sim === bestSim && (best < 0 || r < best))) {
          best = r;
          bestSim = sim;
        }
      }
      if (best >= 0) {
        uf.union(i, best);
        rootOf[i] = best;
        joinedWith[i] = bestSim;
        mergedPairs++;
      }
    }
  }
  return { uf, joinedWith, candidatePairs, mergedPairs };
}
