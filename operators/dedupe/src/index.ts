export { dedupeExact } from './exact-operator.js';
export { dedupeMinhash, specOf } from './minhash-operator.js';
export { normalizeText, normalizedHash, DEFAULT_NORMALIZE, type NormalizeSpec } from './normalize.js';
export {
  MinHasher,
  bandKeys,
  estimateJaccard,
  impliedThreshold,
  candidateProbability,
  DEFAULT_MINHASH,
  type MinHashSpec,
} from './minhash.js';
export { Shingler, type ShingleSpec } from './shingles.js';
export { clusterSignatures } from './lsh-cluster.js';
export { minhashDedupe, minhashSettings } from './minhash-dedupe.js';
export { exactDedupe } from './exact-dedupe.js';
export { migrateDedupeIndex } from './index-store.js';
export { UnionFind } from './union-find.js';
