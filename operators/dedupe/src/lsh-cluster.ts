import { estimateJaccard, UNIT_CHAR, UNIT_WORD } from './minhash.js';
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
  /**
   * Banding and threshold of char-shingled (short) items in auto mode, and the members a short
   * bucket keeps (default SHORT_BUCKET_MEMBERS).
   */
  short?: { bands: number; rows: number; threshold: number; maxBucketComparisons?: number };
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

/**
 * Members a short record's bucket keeps (its earliest), where a long record's keep 16. A short
 * record has 37 bands of 3 values; those it shares with records built from the same template
 * ("what are the symptoms of ...", a package's boilerplate description) fill up with unrelated
 * records, while a real duplicate shares most of its bands, the rarer ones too. Past the first
 * few members a crowded bucket only adds clusters to rank. On the project's short-record sets
 * (2026-12-02) 4 members against 16: every edit kind's F1 the same or a pair better, 18 of 28,280
 * decisions other; the earlier bucket mates an item walks 102 -> 39 a record among the real
 * records (28 -> 22 in the candidate-dense sets), the banding 3.0 -> 2.4 us a record. Signatures
 * and band keys are as before: an index built with 16 stays valid.
 */
export const SHORT_BUCKET_MEMBERS = 4;

// Working tables of clusterSignatures, grown as needed and reused (it runs to completion, never
// re-entered; fresh ones per call were a good part of the collector's work on short records):
// `keys` (then `start`), `before` and `members` hold one int32 per (band, item), band-major;
// `table` one band's buckets, 4 int32 a slot (stamp, key, bucket: the slot is in use for the
// current band when its stamp is the band's), so that nothing is cleared between bands or calls;
// `bucket*`, `bucketOf` and `rankOf` one band's buckets and items.
const scratch = {
  keys: new Int32Array(0),
  before: new Int32Array(0),
  members: new Int32Array(0),
  bucketSize: new Int32Array(0),
  bucketOff: new Int32Array(0),
  bucketCap: new Int32Array(0),
  bucketOf: new Int32Array(0),
  rankOf: new Int32Array(0),
  table: new Int32Array(0),
  stamp: 0,
  roots: new Int32Array(0),
  rootStampCount: new Int32Array(0),
  mates: new Int32Array(0),
  mateOff: new Int32Array(0),
  matePos: new Int32Array(0),
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
  const units = input.units;
  const active = input.active;
  const short = input.short;
  const T = Math.max(input.bands, short?.bands ?? 0);
  const shortCap = short?.maxBucketComparisons ?? SHORT_BUCKET_MEMBERS;
  // The buckets, band by band. First every item's band keys (the band's value hash, mixed with
  // the band and the unit: bandKeys of minhash.ts folded to 32 bits; two keys that meet in 32 bits
  // only add a candidate, which verification then judges), then, one band at a time over a table
  // of that band's keys only (a few hundred kB for a batch of short records, where one table of
  // every band's keys ran to megabytes and each probe missed the caches), the band's buckets: a
  // bucket's first `cap` items are its members, side by side in `members` from the bucket's
  // offset; an item's `start` is its bucket's offset and `before` how many members came before it
  // (0 for a bucket of its own), so an item reads the members before it in one or two cache lines
  // (a chain through each member's predecessor missed the caches at every step).
  if (scratch.keys.length < T * n) {
    scratch.keys = new Int32Array(T * n);
    scratch.before = new Int32Array(T * n);
    scratch.members = new Int32Array(T * n);
  }
  if (scratch.bucketOf.length < n) {
    scratch.bucketSize = new Int32Array(n);
    scratch.bucketOff = new Int32Array(n);
    scratch.bucketCap = new Int32Array(n);
    scratch.bucketOf = new Int32Array(n);
    scratch.rankOf = new Int32Array(n);
  }
  const { keys, before, members: memberList, bucketSize, bucketOff, bucketCap, bucketOf, rankOf } = scratch;
  const start = keys;
  // Bands per item (0: inactive, in no bucket), and the members its buckets keep (a bucket holds
  // items of one unit only: the keys are tagged by it).
  const itemBands = new Int32Array(n);
  const itemCap = new Int32Array(n);
  let members = 0;
  for (let i = 0; i < n; i++) {
    if (active && !active[i]) continue;
    members++;
    const unit = units ? units[i] : UNIT_WORD;
    const isShort = unit === UNIT_CHAR && short;
    const bands = isShort ? short.bands : input.bands;
    itemBands[i] = bands;
    itemCap[i] = isShort ? shortCap : cap;
    const rows = isShort ? short.rows : input.rows;
    // Tagged by the unit: a short and a long item never share a bucket.
    const tag = unit === UNIT_CHAR ? 0x5bd1e995 : 0x3c6ef372;
    for (let t = 0; t < bands; t++) {
      // Each band has a table of its own, so the key is a hash of the band's values alone: the
      // values are MinHash minima of mixed hashes already, so one multiply and shift per value
      // spreads them (two keys that meet only add a candidate, which verification judges).
      let h = tag;
      const base = i * P + t * rows;
      for (let k = 0; k < rows; k++) {
        h = Math.imul(h ^ signatures[base + k], 0x9e3779b1);
        h ^= h >>> 15;
      }
      keys[t * n + i] = h;
    }
  }
  let capacity = 16;
  while (capacity < members * 1.5) capacity *= 2;
  const mask = capacity - 1;
  if (scratch.table.length < 2 * capacity) {
    scratch.table = new Int32Array(2 * capacity);
    scratch.stamp = 0;
  }
  const table = scratch.table;
  const slots = 2 * capacity - 1;
  for (let t = 0; t < T; t++) {
    // A slot is (key, bucket number); bucket numbers go on rising across bands and calls from
    // `stamp`, so a slot is in use for this band when its number is `stamp` or above (nothing is
    // cleared between bands; 8 bytes a slot keep a batch's table in the core's own cache).
    if (scratch.stamp > 0x7fffffff - n - 1) {
      table.fill(0);
      scratch.stamp = 0;
    }
    const stamp = ++scratch.stamp;
    const row = t * n;
    let buckets = 0;
    for (let i = 0; i < n; i++) {
      if (t >= itemBands[i]) continue;
      const key = keys[row + i];
      let at = (key & mask) << 1;
      while (table[at + 1] >= stamp && table[at] !== key) at = (at + 2) & slots;
      if (table[at + 1] < stamp) {
        table[at] = key;
        table[at + 1] = stamp + buckets;
        bucketCap[buckets] = itemCap[i];
        bucketSize[buckets++] = 0;
      }
      const b = table[at + 1] - stamp;
      bucketOf[i] = b;
      rankOf[i] = bucketSize[b]++;
    }
    scratch.stamp += buckets;
    let off = row;
    for (let b = 0; b < buckets; b++) {
      bucketOff[b] = off;
      off += Math.min(bucketSize[b], bucketCap[b]);
    }
    for (let i = 0; i < n; i++) {
      if (t >= itemBands[i]) continue;
      const o = bucketOff[bucketOf[i]];
      const r = rankOf[i];
      const c = itemCap[i];
      if (r < c) memberList[o + r] = i;
      start[row + i] = o;
      before[row + i] = r < c ? r : c;
    }
  }
  let candidatePairs = 0;
  let mergedPairs = 0;
  const joinedWith = new Float64Array(n).fill(NaN);
  if (!rootLinkage) {
    for (let i = 0; i < n; i++) {
      const bands = itemBands[i];
      if (!bands) continue;
      const threshold = (units ? units[i] : UNIT_WORD) === UNIT_CHAR && short ? short.threshold : input.threshold;
      for (let t = 0; t < bands; t++) {
        // The members before i, newest first (at most `cap`: a walk never compared more).
        const o = start[t * n + i];
        for (let q = before[t * n + i] - 1; q >= 0; q--) {
          const j = memberList[o + q];
          const ri = uf.find(i);
          const rj = uf.find(j);
          if (ri === rj || (ri < accepted && rj < accepted)) continue;
          candidatePairs++;
          if (similarity(i, j, threshold) >= threshold) {
            uf.union(i, j);
            mergedPairs++;
          }
        }
      }
    }
    return { uf, joinedWith, candidatePairs, mergedPairs };
  }
  // Root linkage: each item's cluster root, fixed once the item is placed (an item only ever joins
  // an earlier root, and roots never move), so the walk reads it instead of find(); the clusters
  // the current item shares bands with (rootSC: stamp and count), and the top maxJudged of them.
  const rootOf = new Int32Array(n);
  for (let i = 0; i < n; i++) rootOf[i] = i;
  if (scratch.rootStampCount.length < 2 * n) scratch.rootStampCount = new Int32Array(2 * n);
  const rootSC = scratch.rootStampCount;
  rootSC.fill(-1, 0, 2 * n);
  const rootsNeeded = T * Math.min(Math.max(cap, shortCap), n) + 1;
  if (scratch.roots.length < rootsNeeded) scratch.roots = new Int32Array(rootsNeeded);
  const roots = scratch.roots;
  const top = new Int32Array(maxJudged);
  const topKey = new Float64Array(maxJudged);
  // Each item's earlier bucket mates, item by item: band by band, newest first in each band (the
  // order the walk below reads them in). Copied band by band, where one band's members (4 bytes an
  // item) stay in the cache, rather than read item by item, one cache miss per band and item.
  if (scratch.mateOff.length < n + 1) scratch.mateOff = new Int32Array(n + 1);
  const mateOff = scratch.mateOff;
  if (scratch.matePos.length < n) scratch.matePos = new Int32Array(n);
  const matePos = scratch.matePos;
  // (Counted band by band too: reading an item's bands in turn strides across the tables.)
  for (let i = 0; i < n; i++) matePos[i] = 0;
  for (let t = 0; t < T; t++) {
    const row = t * n;
    for (let i = 0; i < n; i++) if (t < itemBands[i]) matePos[i] += before[row + i];
  }
  let mateCount = 0;
  for (let i = 0; i < n; i++) {
    mateOff[i] = mateCount;
    mateCount += matePos[i];
    matePos[i] = mateOff[i];
  }
  mateOff[n] = mateCount;
  if (scratch.mates.length < mateCount) scratch.mates = new Int32Array(mateCount + (mateCount >> 1));
  const mates = scratch.mates;
  for (let t = 0; t < T; t++) {
    const row = t * n;
    for (let i = 0; i < n; i++) {
      const count = t < itemBands[i] ? before[row + i] : 0;
      if (!count) continue;
      const o = start[row + i];
      let w = matePos[i];
      for (let q = count - 1; q >= 0; q--) mates[w++] = memberList[o + q];
      matePos[i] = w;
    }
  }
  for (let i = 0; i < n; i++) {
    if (active && !active[i]) continue;
    const unit = units ? units[i] : UNIT_WORD;
    const isShort = unit === UNIT_CHAR && short;
    const threshold = isShort ? short.threshold : input.threshold;
    let rootCount = 0;
    for (let q = mateOff[i], end = mateOff[i + 1]; q < end; q++) {
      const rj = rootOf[mates[q]];
      // Two clusters that each hold an accepted record stay apart: both were accepted already.
      if (rj === i || (i < accepted && rj < accepted)) continue;
      if (rootSC[2 * rj] !== i) {
        rootSC[2 * rj] = i;
        rootSC[2 * rj + 1] = 1;
        roots[rootCount++] = rj;
      } else rootSC[2 * rj + 1]++;
    }
    if (!rootCount) continue;
    // The clusters i shares the most bands with are the likeliest: only the top few are judged,
    // so records built from one template (a bucket shared by thousands) stay linear.
    // (The top maxJudged by shared bands, then earliest, in that order: selected by insertion
    // into a short sorted list, as sorting all of them would order them.)
    if (rootCount > maxJudged) {
      // Ranked by one number: shared bands, then the earlier root (count x 2^32 + (2^32 - 1 - r),
      // exact in a double), so a root under the current top's last is passed over in one test.
      let topCount = 0;
      let floor = -1;
      for (let q = 0; q < rootCount; q++) {
        const r = roots[q];
        const key = rootSC[2 * r + 1] * 4294967296 + (4294967295 - r);
        if (key <= floor) continue;
        let p = topCount < maxJudged ? topCount++ : maxJudged - 1;
        while (p > 0 && key > topKey[p - 1]) {
          top[p] = top[p - 1];
          topKey[p] = topKey[p - 1];
          p--;
        }
        top[p] = r;
        topKey[p] = key;
        if (topCount === maxJudged) floor = topKey[maxJudged - 1];
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
      rootOf[i] = best;
      joinedWith[i] = bestSim;
      mergedPairs++;
    }
  }
  return { uf, joinedWith, candidatePairs, mergedPairs };
}
