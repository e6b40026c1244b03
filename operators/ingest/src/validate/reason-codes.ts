/** Why a submission, file or record was rejected. Stable strings: reports and tests key on them. */
export const SUBMISSION_REASONS = {
  manifest_invalid: 'submission.json is missing, not JSON, or not a datanet-submission/1 manifest',
  unsigned: 'the manifest carries no signature',
  bad_signature: 'the signature does not verify or was made by another address than the contributor named',
  wrong_datanet: 'the manifest was signed for another Datanet',
  tampered: 'a file is missing or its size or sha256 differs from the signed manifest',
  replayed: 'the nonce was already used by an earlier submission of this contributor',
  too_many_files: 'more files than the Datanet allows per submission',
} as const;

export const FILE_REASONS = {
  unsafe_name: 'the file name could escape the inbox (.., absolute path, NUL, separators)',
  duplicate_file: 'the same name or content appears earlier in the submission',
  unsupported_format: 'the extension is not among the Datanet formats',
  empty_file: 'the file has no bytes (or fewer than minFileBytes)',
  file_too_large: 'the file is bigger than the per-file maximum',
  content_mismatch: 'the content does not match the extension (magic bytes)',
  invalid_utf8: 'a text file is not valid UTF-8',
  unparseable: 'the file could not be parsed in its format',
  schema_mismatch: 'a record does not satisfy the Datanet record schema',
  licence_not_accepted: 'the licence is not among those the Datanet accepts',
  consent_missing: 'a consent flag the Datanet requires is not granted',
  daily_bytes_limit: "the file would take the contributor past the daily byte cap",
  daily_files_limit: "the file would take the contributor past the daily file cap",
  datanet_daily_bytes_limit: "the file would take the Datanet past its daily byte cap",
} as const;

export const RECORD_REASONS = {
  duplicate_record: 'the same normalised record was already contributed; the earliest keeps the credit',
} as const;

export type SubmissionReason = keyof typeof SUBMISSION_REASONS;
export type FileReason = keyof typeof FILE_REASONS;
export type ReasonCode = SubmissionReason | FileReason | keyof typeof RECORD_REASONS;

export interface Rejection {
  reasonCode: ReasonCode;
  message: string;
}
