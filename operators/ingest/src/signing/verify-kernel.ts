import { recoverAddress, TypedDataEncoder, type TypedDataDomain, type TypedDataField } from 'ethers';
import { SUBMISSION_TYPES } from './submission-manifest.js';
import type { RecoveredSigner } from './sign-submission.js';

/**
 * Kernel (runs in a thread of the process's kernel pool): the EIP-712 digest of a submission
 * manifest and the address that signed it, exactly as ethers' verifyTypedData computes them
 * (verifyTypedData is recoverAddress over TypedDataEncoder.hash). Errors come back as values.
 */
export function recoverSubmissionSigner(args: {
  domain: TypedDataDomain;
  manifest: Record<string, unknown>;
  signature: string;
}): RecoveredSigner {
  try {
    const digest = TypedDataEncoder.hash(args.domain, SUBMISSION_TYPES as Record<string, TypedDataField[]>, args.manifest);
    return { ok: true, digest, signer: recoverAddress(digest, args.signature) };
  } catch (e) {
    const m = e instanceof Error ? ((e as { shortMessage?: string }).shortMessage ?? e.message) : String(e);
    return { ok: false, error: m.split('\n')[0].slice(0, 200) };
  }
}
