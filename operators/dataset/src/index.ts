export * from './merkle/contribution-tree.js';
export { proveContribution, merkleRootOf, encodingOf, MANIFEST_FORMAT } from './build/manifest.js';
export type { DatasetManifest, ManifestFile, ContributionProof } from './build/manifest.js';
export { splitOf, SPLIT_METHOD } from './build/split.js';
export { buildDatasetFiles, DATASET_FILE } from './build/build-dataset.js';
export type { BuildDatasetOptions, BuiltDataset, DatasetKind } from './build/build-dataset.js';
