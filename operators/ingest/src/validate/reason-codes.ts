/** Why a submission, file or record was rejected. Stable strings: reports and tests key on them. */
export const SUBMISSION_REASONS = {
  manifest_invalid: 'submission.json is missing, not JSON, or not a datanet-submission/1 or /2 manifest',
  unsigned: 'the manifest carries no signature',
  bad_signature: 'the signature does not verify or was made by another address than the contributor named',
  wrong_datanet: 'the manifest was signed for another Datanet',
  wrong_deployment: 'the manifest was signed (EIP-712 domain version 2) for another deployment or chain',
  unbound_domain: 'the manifest uses the version-1 EIP-712 domain, which names no deployment (refused over HTTP)',
  tampered: 'a file is missing or its size or sha256 differs from the signed manifest',
  replayed: 'the nonce was already used by an earlier submission of this contributor',
  too_many_files: 'more files than the Datanet allows per submission',
  manifest_too_large: 'submission.json is larger than limits.maxManifestBytes; it was not read',
  stale_timestamp: 'the signing time is older than limits.maxSubmissionAge or ahead of the receipt by more than limits.maxClockSkew',
  not_regular_file:
    'an entry, its files/ folder, its manifest or a listed file is a link, FIFO, device or socket; only regular files are read',
} as const;

export const FILE_REASONS = {
  unsafe_name:
    'the file name could escape the inbox or disguise itself (.., absolute path, NUL, separators, controls, bidi or zero-width characters)',
  name_collision: 'the name equals an earlier name of the submission after Unicode NFC and case folding',
  decompression_limit: 'the file expands past limits.maxDecompressedBytes',
  too_much_text: 'the file yields more text than limits.maxTextBytes',
  too_many_records: 'the file holds more records than limits.maxRecordsPerFile',
  too_many_pages: 'the PDF has more pages than limits.maxPages',
  too_deep: 'a record nests deeper than limits.maxNestingDepth',
  parse_timeout: 'parsing took longer than limits.parseTimeoutMs; the parser was stopped',
  parse_memory: 'parsing needed more memory than limits.parseMemoryMb; the parser was stopped',
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
  daily_bytes_limit: 'the file would take the contributor past the daily byte cap',
  daily_files_limit: 'the file would take the contributor past the daily file cap',
  datanet_daily_bytes_limit: 'the file would take the Datanet past its daily byte cap',
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
