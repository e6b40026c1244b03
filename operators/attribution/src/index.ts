// Light to import: DuckDB, tfjs and the trainer load inside the functions that need them.
export { TOKENIZER, tokenIds, tokenizeWithOffsets, fnv1a, type TokenizedText } from './tokenize/word-tokenizer.js';
export { sais } from './index-build/sais.js';
export {
  buildSpanIndex,
  readManifest,
  INDEX_FORMAT,
  type IndexManifest,
  type IndexRow,
  type BuildIndexOptions,
  type BuildIndexResult,
} from './index-build/build-index.js';
export { Shard, MAX_SHARD_POSITIONS, DEFAULT_SHARD_POSITIONS, type ShardMeta } from './index-build/shard-files.js';
export { buildShard, shardBuildBytes, type ShardInput } from './index-build/build-shard.js';
export { buildShardsInPool, buildSpanIndexInPool, type ShardJob } from './index-build/parallel-build.js';
export { SpanIndex, type MatchedSpan, type SpanOccurrences } from './spans/span-index.js';
export {
  attributeText,
  spanWeight,
  DEFAULT_SPAN_OPTIONS,
  type SpanOptions,
  type ContributionScore,
  type EvidenceSpan,
} from './spans/attribute-spans.js';
export { attributionIndex, indexConfig } from './operators/index-operator.js';
export { attributionSpans, spansConfig, attributionTable, ATTRIBUTION_COLUMNS, type AttributionRow } from './operators/spans-operator.js';
export { datasetRows } from './operators/dataset-rows.js';
export { attributeOutput, formatEvidence } from './cli/attribute-output.js';
export {
  tracInAttribution,
  type GradientSource,
  type CheckpointGradients,
  type TrainingText,
  type InfluenceScore,
} from './influence/tracin.js';
export { attributionInfluence, influenceConfig } from './operators/influence-operator.js';
