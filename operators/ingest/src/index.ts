// Light to import: ethers, unpdf, mammoth and parquet load inside the functions that need them.
export { ingestSubmitTable, ingestSubmitTableConfig, DEMO_SEED } from './demo/submit-table-operator.js';
export { submitGroups, demoWallet } from './demo/submit-groups.js';
export { ingestSubmissions, ingestSubmissionsConfig } from './intake/ingest-operator.js';
export type { IngestSubmissionsConfig } from './intake/ingest-operator.js';
export { processInbox, VALIDATOR_VERSION } from './intake/process-inbox.js';
export type { ProcessInboxOptions, InboxResult, SubmissionOutcome } from './intake/process-inbox.js';
export { contributionId, normaliseText } from './intake/contribution-id.js';
export { validateFile, formatOf } from './intake/validate-file.js';
export { submitFiles, writeEntry, SubmitError } from './submit/submit-files.js';
export type { SubmitOptions, Submitted, FileToSubmit } from './submit/submit-files.js';
export * from './signing/submission-manifest.js';
export { signSubmission, checkSignature, submissionId } from './signing/sign-submission.js';
export { loadKeyFile, KEY_PASSWORD_ENV } from './signing/load-key.js';
export * from './validate/reason-codes.js';
export { unsafeNameReason } from './validate/safe-name.js';
export { ingestMedquad, ingestMedquadConfig } from './medquad/medquad-operator.js';
export { submitMedquad, readMedquad, medquadDemoWallet, MEDQUAD_DEMO_SEED } from './medquad/medquad-submitter.js';
export type { MedquadSubmitOptions, MedquadSubmission } from './medquad/medquad-submitter.js';
