import { bandKeys, estimateJaccard } from './minhash.js';
import { UnionFind } from './union-find.js';

export interface ClusterInput {
  /** P values per item; items are numbered in credit order (earliest first). */
  signatures: Uint32Array;
  permutations: number;
  bands: number;
  rows: number;
  /** Verified estimated Jaccard needed to merge a candidate pair. */
  threshold: number;
  /** Items with no shingles take no part. */
  active?: Uint8Array;
  /** Items below this number are already accepted (the persistent index): never merged with each other. */
  acceptedCount?: number;
  /** Comparisons per bucket: a bucket holding a big cluster should not turn quadratic. */
  maxBucketComparisons?: number;
}

export interface ClusterResult {
  uf: UnionFind;
  candidatePairs: number;
  mergedPairs: number;
}

/**
 * Banded LSH over signatures in credit order. Each item is compared with the earlier members of
 * every bucket it lands in; a pair is merged only when its estimated Jaccard reaches the
 * threshold, so the banding decides what is compared and the estimate decides what is a
 * duplicate. The union-find keeps the earliest item as each cluster's root.
 */
export function clusterSignatures(input: ClusterInput): ClusterResult {
  const { signatures, permutations: P, bands, rows, threshold } = input;
  const n = signatures.length / P;
  const accepted = input.acceptedCount ?? 0;
  const cap = input.maxBucketComparisons ?? 16;
  const uf = new UnionFind(n);
  const buckets = new Map<number, number | number[]>();
  const keys = new Float64Array(bands);
  let candidatePairs = 0;
  let mergedPairs = 0;
  for (let i = 0; i < n; i++) {
    if (input.active && !input.active[i]) continue;
    bandKeys(signatures, i * P, bands, rows, keys);
    for (let t = 0; t < bands; t++) {
      const key = keys[t];
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
        candidatePairs++;
        if (estimateJaccard(signatures, i * P, signatures, j * P, P) >= threshold) {
          uf.union(i, j);
          mergedPairs++;
        }
      }
      if (list.length < cap) {
        list.push(i);
        if (typeof members === 'number') buckets.set(key, list);
      }
    }
  }
  return { uf, candidatePairs, mergedPairs };
}
