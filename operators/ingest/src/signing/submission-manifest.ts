import { z } from 'zod';

/** EIP-712 domain of every Datanet submission. No chainId: submissions are signed off-chain and bound to a Datanet by the message. */
export const SUBMISSION_DOMAIN = { name: 'datanet-submission', version: '1' } as const;

export const SUBMISSION_TYPES = {
  Submission: [
    { name: 'datanet', type: 'string' },
    { name: 'contributor', type: 'address' },
    { name: 'nonce', type: 'uint256' },
    { name: 'timestamp', type: 'uint64' },
    { name: 'files', type: 'SubmittedFile[]' },
  ],
  SubmittedFile: [
    { name: 'name', type: 'string' },
    { name: 'size', type: 'uint64' },
    { name: 'sha256', type: 'bytes32' },
    { name: 'licence', type: 'string' },
    { name: 'consent', type: 'string[]' },
  ],
};

export const SubmittedFileSchema = z
  .object({
    name: z.string(),
    size: z.int().min(0),
    sha256: z.string().regex(/^0x[0-9a-f]{64}$/, 'sha256 must be 0x followed by 64 lower-case hex digits'),
    licence: z.string(),
    consent: z.array(z.string()),
  })
  .strict();

export const SubmissionManifestSchema = z
  .object({
    datanet: z.string().min(1),
    contributor: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'contributor must be a 0x-prefixed 20-byte address'),
    nonce: z.string().regex(/^[0-9]+$/, 'nonce must be a decimal string'),
    timestamp: z.int().min(0).describe('milliseconds since the epoch when the contributor signed'),
    files: z.array(SubmittedFileSchema),
  })
  .strict();

/** What `submission.json` in an inbox entry holds. Strict: an unknown field anywhere refuses the manifest. */
export const SignedSubmissionSchema = z
  .object({
    format: z.literal('datanet-submission/1'),
    manifest: SubmissionManifestSchema,
    signature: z.string().optional(),
  })
  .strict();

export type SubmittedFile = z.infer<typeof SubmittedFileSchema>;
export type SubmissionManifest = z.infer<typeof SubmissionManifestSchema>;
export type SignedSubmission = z.infer<typeof SignedSubmissionSchema>;

export const SUBMISSION_FILE = 'submission.json';
export const FILES_DIR = 'files';
