import { z } from 'zod';
import { DeploymentDomainSchema, type DeploymentDomain } from './deployment-domain.js';

/**
 * The version-1 EIP-712 domain: no chain, no deployment, so a manifest signed for one deployment
 * also verifies on another that hosts a Datanet of the same id. Still read for inbox entries signed
 * before version 2; the HTTP API refuses it.
 */
export const SUBMISSION_DOMAIN = { name: 'datanet-submission', version: '1' } as const;

/** The version-2 domain: bound to a chain and to one deployment (its id as the domain's salt). */
export function submissionDomain(d: DeploymentDomain) {
  return { name: 'datanet-submission', version: '2', chainId: d.chainId, salt: d.salt } as const;
}

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
    nonce: z
      .string()
      .regex(/^[0-9]+$/, 'nonce must be a decimal string')
      // Signed as a uint256: a larger one cannot be hashed, which would read as a bad signature.
      .refine((v) => v.length <= 78 && BigInt(v) < 2n ** 256n, 'nonce must be below 2^256 (it is signed as a uint256)'),
    timestamp: z.int().min(0).describe('milliseconds since the epoch when the contributor signed'),
    files: z.array(SubmittedFileSchema),
  })
  .strict();

/**
 * What `submission.json` in an inbox entry holds. Strict: an unknown field anywhere refuses the
 * manifest. Format 2 names the deployment it was signed for (the domain's chain id and salt), so a
 * refusal can say which.
 */
export const SignedSubmissionSchema = z.discriminatedUnion('format', [
  z
    .object({
      format: z.literal('datanet-submission/1'),
      manifest: SubmissionManifestSchema,
      signature: z.string().optional(),
    })
    .strict(),
  z
    .object({
      format: z.literal('datanet-submission/2'),
      domain: DeploymentDomainSchema,
      manifest: SubmissionManifestSchema,
      signature: z.string().optional(),
    })
    .strict(),
]);

export type SubmittedFile = z.infer<typeof SubmittedFileSchema>;
export type SubmissionManifest = z.infer<typeof SubmissionManifestSchema>;
export type SignedSubmission = z.infer<typeof SignedSubmissionSchema>;

export const SUBMISSION_FILE = 'submission.json';
export const FILES_DIR = 'files';
