import { createHash } from 'node:crypto';
import { TypedDataEncoder, verifyTypedData, type Signer } from 'ethers';
import { SUBMISSION_DOMAIN, SUBMISSION_TYPES, type SignedSubmission, type SubmissionManifest } from './submission-manifest.js';

export async function signSubmission(signer: Signer, manifest: SubmissionManifest): Promise<SignedSubmission> {
  const signature = await signer.signTypedData(SUBMISSION_DOMAIN, SUBMISSION_TYPES, manifest);
  return { format: 'datanet-submission/1', manifest, signature };
}

export type SignatureCheck = { ok: true; signer: string } | { ok: false; reasonCode: 'unsigned' | 'bad_signature'; message: string };

/**
 * Checks that the manifest was signed by the contributor it names, so nobody can submit as
 * another address: the signer is recovered from the EIP-712 signature and must equal it.
 */
export function checkSignature(s: SignedSubmission): SignatureCheck {
  if (!s.signature)
    return {
      ok: false,
      reasonCode: 'unsigned',
      message: 'the submission has no signature; sign it with the contributor key (datanet submit does)',
    };
  let signer: string;
  try {
    signer = verifyTypedData(SUBMISSION_DOMAIN, SUBMISSION_TYPES, s.manifest, s.signature);
  } catch (e) {
    return { ok: false, reasonCode: 'bad_signature', message: `the signature cannot be verified (${shortError(e)})` };
  }
  if (signer.toLowerCase() !== s.manifest.contributor.toLowerCase()) {
    return {
      ok: false,
      reasonCode: 'bad_signature',
      message: `the manifest names contributor ${s.manifest.contributor} but was signed by ${signer}; a contributor can only submit as their own address`,
    };
  }
  return { ok: true, signer };
}

/** Stable id of a signed submission: sha256 of its EIP-712 digest and signature. */
export function submissionId(s: SignedSubmission): string {
  const digest = TypedDataEncoder.hash(SUBMISSION_DOMAIN, SUBMISSION_TYPES, s.manifest);
  return createHash('sha256')
    .update(digest)
    .update(s.signature ?? '')
    .digest('hex');
}

function shortError(e: unknown): string {
  const m = e instanceof Error ? ((e as { shortMessage?: string }).shortMessage ?? e.message) : String(e);
  return m.split('\n')[0].slice(0, 200);
}
