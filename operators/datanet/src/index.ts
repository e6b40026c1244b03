// The Datanet domain model. Light to import: no heavy libraries here.
export * from './definition/datanet-definition.js';
export { ReviewPolicySchema } from './definition/review-policy-schema.js';
export {
  DisputePolicySchema,
  DISPUTE_REASONS,
  ACCOUNTABILITY_FIELDS,
  challengeWindowMs,
  type DisputePolicy,
  type DisputeReason,
} from './definition/accountability-policy-schema.js';
export type { ReviewPolicy, ReviewPolicyInput } from './definition/review-policy-schema.js';
export { parseDatanetYaml, loadDatanetDefinition, resolveDatanetPath, DatanetDefinitionError } from './definition/load-datanet.js';
export type { DefinitionIssue } from './definition/load-datanet.js';
export { DATANET_ID, definitionLoader } from './definition/definition-loader.js';
export type { DefinitionLoader } from './definition/definition-loader.js';
export { refuseUnknownDatanets, unknownDatanet } from './routes/unknown-datanet.js';
export { datanetJsonSchema, datanetJsonSchemaText } from './definition/json-schema.js';
export { DEFAULT_STANDING_POLICY, standingFrom, acceptanceRate } from './policy/standing-policy.js';
export type { StandingInputs } from './policy/standing-policy.js';
export { dailyWindow } from './policy/daily-window.js';
export { INTAKE_LIMIT_FIELDS, DEFAULT_INTAKE_LIMITS, intakeLimits, durationMs } from './policy/intake-limits.js';
export type { IntakeLimits } from './policy/intake-limits.js';
export type { DailyWindow } from './policy/daily-window.js';
export { openRegistry, num } from './registry/open-registry.js';
export type { Registry, RegistryDialect } from './registry/open-registry.js';
export { migrateRegistry, REGISTRY_MIGRATION_TABLE } from './registry/migrations.js';
export { reserveDailyUsage, usage } from './registry/daily-usage.js';
export {
  reserveUpload,
  reserveUploadStatement,
  reserveUploadArgs,
  reservationFrom,
  releaseUpload,
  refreshUpload,
  uploadRefreshMs,
  uploadsReceived,
  uploadDecided,
  pendingUploads,
} from './registry/upload-reservations.js';
export type { ReservationRow, UploadReservation, UploadRequest } from './registry/upload-reservations.js';
export type { Reservation, ReserveRequest, LimitName } from './registry/daily-usage.js';
export {
  recordContributions,
  revokeContribution,
  listContributions,
  holdRevocationFence,
  holdContributionDisputes,
  dropContributions,
  restoreContributions,
  type DroppedContribution,
} from './registry/contributions.js';
export type { ContributionRecord, StoredContribution, RecordResult, RevokeResult } from './registry/contributions.js';
export { dropFilteredRows, type FilteredRows } from './registry/drop-filtered.js';
export { standingOf, noteStanding, standingHistory, contributorStats, contributionCounts } from './registry/standing.js';
export {
  datanetRoleOf,
  definitionRoleGrants,
  DATANET_ROLES,
  YAML_ROLE_SOURCE,
  REVIEW_ROLE_SOURCE,
  type DatanetRole,
} from './registry/datanet-roles.js';
export type { ContributorStats, StandingHistoryEntry } from './registry/standing.js';
export {
  claimNonce,
  recordSubmission,
  decideFile,
  limitReason,
  recordRejections,
  listRejections,
  takeReceipt,
  takeReceipts,
  openReceipts,
  closeReceipt,
} from './registry/submissions.js';
export type { SubmissionRow, NonceClaim, FileDecision, FileToDecide, RejectionRow, Receipt } from './registry/submissions.js';
export * from './tables/contribution-columns.js';
export { datanetStanding } from './operators/standing-operator.js';
export {
  buildStandardTree,
  buildStandardTreeSync,
  nodeHex,
  proofOfNode,
  treeHex,
  verifyStandardProof,
  PARALLEL_MIN_LEAVES,
} from './merkle/standard-tree.js';
export type { EncodedLeaves, StandardTree, BuildTreeOptions } from './merkle/standard-tree.js';
export { keccak256Wasm } from './merkle/keccak-wasm.js';
