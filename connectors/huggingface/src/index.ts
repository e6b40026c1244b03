// @huggingface/hub loads on the first call, not on import.
export { ensureRepo, pushFiles, pushFolder, listRepoFiles, pullFile, pullFolder, HubError } from './hub-client.js';
export type { HubTarget, HubFile, HubRepoType, PushResult, RepoEntry } from './hub-client.js';
export { datasetCard, pushDatasetVersion, pullDatasetVersion, HUB_DATASET_LAYOUT } from './dataset-card.js';
export type { DatasetVersionFiles } from './dataset-card.js';
