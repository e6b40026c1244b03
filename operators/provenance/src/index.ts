// Kept light: ethers and hardhat load inside run() and the functions that open a chain.
export { provenanceCommit, provenanceCommitConfig } from './commit/provenance-commit-operator.js';
export type { ProvenanceCommitConfig } from './commit/provenance-commit-operator.js';
export { commitEpoch, CommitConflictError } from './commit/commit-epoch.js';
export type { CommitEpochRequest, CommitEpochResult } from './commit/commit-epoch.js';
export { hashModelFolder, parseRewards, rootOf, toBytes32 } from './commit/epoch-inputs.js';
export type { RewardEntry, RewardsFile } from './commit/epoch-inputs.js';
export { migrateProvenanceStore, PROVENANCE_MIGRATION_TABLE } from './store/migrations.js';
export * from './store/chain-commits.js';
export { verifyContribution } from './contributor/verify-contribution.js';
export type { VerifyRequest, VerifyResult } from './contributor/verify-contribution.js';
export { claimReward } from './contributor/claim-reward.js';
export type { ClaimRequest, ClaimResult } from './contributor/claim-reward.js';
