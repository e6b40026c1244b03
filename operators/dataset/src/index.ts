// Kept light: DuckDB loads inside the functions that need it.
export { datasetBuild, datasetBuildConfig } from './build/dataset-build-operator.js';
export type { DatasetBuildConfig } from './build/dataset-build-operator.js';
export * from './merkle/contribution-tree.js';
export { proveContribution, merkleRootOf, encodingOf, MANIFEST_FORMAT } from './build/manifest.js';
export type { DatasetManifest, ManifestFile, ContributionProof } from './build/manifest.js';
export { splitOf, SPLIT_METHOD } from './build/split.js';
export { buildDatasetFiles, DATASET_FILE } from './build/build-dataset.js';
export type { BuildDatasetOptions, BuiltDataset, DatasetKind } from './build/build-dataset.js';
export * from './registry/dataset-versions.js';
export { migrateDatasetRegistry, DATASET_MIGRATION_TABLE } from './registry/migrations.js';
export { checkCroissant } from './croissant/check-croissant.js';
export type { CroissantCheck, CroissantIssue, CheckCroissantOptions } from './croissant/check-croissant.js';
export { emitCroissant, CROISSANT_LAYOUT } from './croissant/emit-croissant.js';
export type { CroissantDescription, CroissantVersionInfo } from './croissant/emit-croissant.js';
export {
  queryDataset,
  formatTable,
  escapeControls,
  DatasetQueryError,
  DEFAULT_MAX_ROWS,
  DEFAULT_TIMEOUT_MS,
} from './query/query-dataset.js';
export type { QueryResult, QueryOptions } from './query/query-dataset.js';
