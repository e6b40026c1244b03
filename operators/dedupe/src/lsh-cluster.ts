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
// Each table slot is 4 int32 (key, first entry, members, epoch: the slot is in use by this call
// when its epoch is the call's), each bucket entry 2 (next entry, member; root linkage: the
// member's cluster root), each item's root count 2 (stamp, count), so that a probe, a step of a
// bucket walk and a root's count each read one cache line, and no table is cleared per call.
const scratch = {
  table: new Int32Array(0),
  epoch: 0,
  entries: new Int32Array(0),
  rootStampCount: new Int32Array(0),
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
  // fresh ones per call were a good part of the collector's work): nothing is cleared but the
  // root counts; a slot of an earlier call (another epoch) reads as empty, chains only hold this
  // call's members.
  if (scratch.table.length < 4 * capacity) {
    scratch.table = new Int32Array(4 * capacity);
    scratch.epoch = 0;
  }
  if (scratch.entries.length < 2 * slots) scratch.entries = new Int32Array(2 * slots);
  if (scratch.rootStampCount.length < 2 * n) scratch.rootStampCount = new Int32Array(2 * n);
  scratch.epoch++;
  if (scratch.epoch === 0x7fffffff) {
    scratch.table.fill(0);
    scratch.epoch = 1;
  }
  const { table, epoch, entries, rootStampCount: rootSC } = scratch;
  rootSC.fill(-1, 0, 2 * n);
  let used = 0;
  let candidatePairs = 0;
  let mergedPairs = 0;
  // Root linkage: the clusters the current item shares bands with (rootSC: stamp and count), and
  // in each bucket entry the cluster root of its member, fixed once the member is placed (an item
  // only ever joins an earlier root, and roots never move), so the bucket walk reads it instead
  // of find().
  // (Typed lists: at most `cap` roots per band, and the top maxJudged.)
  const roots = new Int32Array(rootLinkage ? Math.max(input.bands, input.short?.bands ?? 0) * Math.min(cap, n) + 1 : 0);
  let rootCount = 0;
  const top = new Int32Array(maxJudged);
  const joinedWith = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    if (input.active && !input.active[i]) continue;
    const unit = input.units ? input.units[i] : UNIT_WORD;
    const short = unit === UNIT_CHAR && input.short;
    const bands = short ? short.bands : input.bands;
    const rows = short ? short.rows : input.rows;
    const threshold = short ? short.threshold : input.threshold;
    rootCount = 0;
    const firstEntry = used;
    // The bandKeys of minhash.ts (band t's value hash, in unit space `space`), folded to 32 bits
    // with the band: computed here in integers, as bandKeys' low and high words would give them.
    const space = unit === UNIT_CHAR ? 1024 : 0;
    for (let t = 0; t < bands; t++) {
      let h = 0x3c6ef372 ^ t;
      const base = i * P + t * rows;
      for (let k = 0; k < rows; k++) h = murmurMix(h, signatures[base + k]);
      const key = fmix32(fmix32(h ^ rows) ^ Math.imul(space + t + 1, 0x9e3779b1)) | 0;
      let at = (key & mask) << 2;
      while (table[at + 3] === epoch && table[at] !== key) at = (at + 4) & (4 * mask + 3);
      if (table[at + 3] !== epoch) {
        table[at] = key;
        table[at + 1] = -1;
        table[at + 2] = 0;
        table[at + 3] = epoch;
      }
      let compared = 0;
      if (rootLinkage) {
        // (i is its own root until it is placed: the members' roots are all that is read. Its own
        // entries hold i until then.)
        for (let e = table[at + 1]; e !== -1 && compared < cap; e = entries[2 * e]) {
          const rj = entries[2 * e + 1];
          // Two clusters that each hold an accepted record stay apart: both were accepted already.
          if (rj === i || (i < accepted && rj < accepted)) continue;
          compared++;
          if (rootSC[2 * rj] !== i) {
            rootSC[2 * rj] = i;
            rootSC[2 * rj + 1] = 1;
            roots[rootCount++] = rj;
          } else rootSC[2 * rj + 1]++;
        }
      } else
        for (let e = table[at + 1]; e !== -1 && compared < cap; e = entries[2 * e]) {
          const j = entries[2 * e + 1];
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
      if (table[at + 2] < cap) {
        table[at + 2]++;
        entries[2 * used] = table[at + 1];
        entries[2 * used + 1] = i;
        table[at + 1] = used++;
      }
    }
    if (rootCount) {
      // The clusters i shares the most bands with are the likeliest: only the top few are judged,
      // so records built from one template (a bucket shared by thousands) stay linear.
      // (The top maxJudged by shared bands, then earliest, in that order: selected by insertion
      // into a short sorted list, as sorting all of them would order them.)
      if (rootCount > maxJudged) {
        let topCount = 0;
        for (let q = 0; q < rootCount; q++) {
          const r = roots[q];
          const c = rootSC[2 * r + 1];
          let p = topCount;
          if (p === maxJudged) {
            const last = top[p - 1];
            if (!(c > rootSC[2 * last + 1] || (c === rootSC[2 * last + 1] && r < last))) continue;
            p--;
          } else top[topCount++] = r;
          while (p > 0 && (c > rootSC[2 * top[p - 1] + 1] || (c === rootSC[2 * top[p - 1] + 1] && r < top[p - 1]))) {
            top[p] = top[p - 1];
            p--;
          }
          top[p] = r;
        }
        roots.set(top.subarray(0, topCount));
        rootCount = topCount;
      }
      let best = -1;
      let bestSim = threshold;
      for (let q = 0; q < rootCount; q++) {
        const r = roots[q];
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
        // Its bucket entries now name its root, which later walks read.
        for (let e = firstEntry; e < used; e++) entries[2 * e + 1] = best;
        joinedWith[i] = bestSim;
        mergedPairs++;
      }
    }
  }
  return { uf, joinedWith, candidatePairs, mergedPairs };
}
