export { dedupeExact } from './exact-operator.js';
export { dedupeMinhash, specOf } from './minhash-operator.js';
export { dedupeReuse, REUSE_MIN_CONTAINMENT } from './reuse/reuse-operator.js';
export { decideReuse, type ReuseDecision } from './reuse/decide-reuse.js';
export { ReuseMatcher, prepare as prepareReuse, type ReuseMatch, type ReuseSettings } from './reuse/reuse-matcher.js';
export { containmentIn, type CopiedSpan, type Containment } from './reuse/copied-spans.js';
export { recordSimilarity, recordTokens } from './record-similarity.js';
export { normalizeStructured, structuredTokens } from './structured-text.js';
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
