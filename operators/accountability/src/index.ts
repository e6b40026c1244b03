// Accountability after acceptance: who decided what, in a hash chain anchored on-chain, and disputes.
export { appendAudit, listAudit, auditEntryByKey, type AuditEntry, type AuditKind, type AppendRequest } from './audit/audit-log.js';
export { canonicalJson, entryHash, GENESIS_HASH } from './audit/audit-hash.js';
export { verifyAudit, type AuditVerification, type AuditProblem, type EpochHead, type OnChainAuditRoot } from './audit/verify-audit.js';
export { migrateAccountability } from './store/migrations.js';
export { openDispute, type OpenDisputeRequest, type OpenDisputeResult, type DisputeRole } from './disputes/open-dispute.js';
export { resolveDispute, type ResolveDisputeRequest, type ResolveDisputeResult } from './disputes/resolve-dispute.js';
export { getDispute, listDisputes, pageDisputes, type Dispute } from './disputes/dispute-store.js';
export { DISPUTE_STATUSES, type DisputeStatus } from './disputes/dispute-status.js';
export { DisputeRefusedError } from './disputes/dispute-errors.js';
export { resolveDisputeIn, stewardConflict } from './disputes/resolve-dispute.js';
export { enqueueDisputeReview, registerDisputeOutcomes, definitionStanding, type StandingPolicyLookup } from './disputes/dispute-review.js';
export { registerReviewAudit } from './audit/review-audit.js';
export { syncRoleAudit, type RoleGrantRow } from './audit/role-audit.js';
