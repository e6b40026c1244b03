import { createHash } from 'node:crypto';
import { runKernel, warmServiceKernel } from '@datanet/pipelines';
import { TypedDataEncoder, verifyTypedData, type Signer } from 'ethers';
import { sameDeployment, type DeploymentDomain } from './deployment-domain.js';
import {
  SUBMISSION_DOMAIN,
  SUBMISSION_TYPES,
  submissionDomain,
  type SignedSubmission,
  type SubmissionManifest,
} from './submission-manifest.js';

/**
 * Signs a manifest (EIP-712). With a deployment, the version-2 domain binds it to that deployment;
 * without, the version-1 domain (local inbox use only: the HTTP API refuses it).
 */
export async function signSubmission(
  signer: Signer,
  manifest: SubmissionManifest,
  deployment?: DeploymentDomain,
): Promise<SignedSubmission> {
  if (!deployment) {
    const signature = await signer.signTypedData(SUBMISSION_DOMAIN, SUBMISSION_TYPES, manifest);
    return { format: 'datanet-submission/1', manifest, signature };
  }
  const domain = { chainId: deployment.chainId, salt: deployment.salt };
  const signature = await signer.signTypedData(submissionDomain(domain), SUBMISSION_TYPES, manifest);
  return { format: 'datanet-submission/2', domain, manifest, signature };
}

/** The EIP-712 domain a signed submission was signed under. */
export function domainOf(s: SignedSubmission) {
  return s.format === 'datanet-submission/2' ? submissionDomain(s.domain) : SUBMISSION_DOMAIN;
}

export type SignatureCheck =
  | { ok: true; signer: string }
  | { ok: false; reasonCode: 'unsigned' | 'bad_signature' | 'wrong_deployment' | 'unbound_domain'; message: string };

export interface SignatureExpectations {
  /** This deployment: a version-2 manifest must name it (undefined: none made yet, so none can). */
  deployment: DeploymentDomain | undefined;
  /** Refuse version-1 manifests (no deployment in them): the HTTP API does; inbox entries may carry them. */
  requireBound?: boolean;
}

/**
 * Checks that the manifest was signed by the contributor it names, so nobody can submit as
 * another address: the signer is recovered from the EIP-712 signature and must equal it. With
 * expectations, a manifest signed for another deployment (chain or deployment id) is refused first.
 */
export function checkSignature(s: SignedSubmission, expect?: SignatureExpectations): SignatureCheck {
  const refused = refuseBeforeRecovery(s, expect);
  if (refused) return refused;
  let signer: string;
  try {
    signer = verifyTypedData(domainOf(s), SUBMISSION_TYPES, s.manifest, s.signature ?? '');
  } catch (e) {
    return { ok: false, reasonCode: 'bad_signature', message: `the signature cannot be verified (${shortError(e)})` };
  }
  return signerMatches(s, signer);
}

/**
 * checkSignature in a service thread (the process's request-path pool, one thread per core), for the HTTP
 * API: the EIP-712 hashing and the secp256k1 recovery, the costly part, leave the event loop. The
 * same checks and answers; also gives the submission id, from the digest the thread computed.
 */
export async function checkSignatureOffThread(
  s: SignedSubmission,
  expect: SignatureExpectations,
): Promise<{ check: SignatureCheck; id: string | undefined }> {
  const refused = refuseBeforeRecovery(s, expect);
  if (refused) return { check: refused, id: undefined };
  const r = await runKernel<RecoveredSigner>(
    VERIFY_KERNEL,
    'recoverSubmissionSigner',
    { domain: domainOf(s), manifest: s.manifest, signature: s.signature ?? '' },
    { pool: 'service' },
  );
  if (!r.ok)
    return { check: { ok: false, reasonCode: 'bad_signature', message: `the signature cannot be verified (${r.error})` }, id: undefined };
  return { check: signerMatches(s, r.signer), id: idFromDigest(r.digest, s.signature) };
}

const VERIFY_KERNEL = new URL('./verify-kernel.ts', import.meta.url);

/** Starts the service threads with the verify kernel (and ethers) loaded; its answer is discarded. */
export function warmSignatureCheck(): Promise<void> {
  return warmServiceKernel(VERIFY_KERNEL, 'recoverSubmissionSigner', { domain: {}, manifest: {}, signature: '' });
}

/** What the verify kernel answers: the EIP-712 digest and the recovered signer, or why not. */
export type RecoveredSigner = { ok: true; digest: string; signer: string } | { ok: false; error: string };

/** The checks that need no recovery: a signature at all, the domain version, this deployment. */
function refuseBeforeRecovery(s: SignedSubmission, expect?: SignatureExpectations): Extract<SignatureCheck, { ok: false }> | undefined {
  if (!s.signature)
    return {
      ok: false,
      reasonCode: 'unsigned',
      message: 'the submission has no signature; sign it with the contributor key (datanet submit does)',
    };
  if (expect && s.format === 'datanet-submission/1' && expect.requireBound)
    return {
      ok: false,
      reasonCode: 'unbound_domain',
      message:
        "the manifest is signed under the version-1 EIP-712 domain, which names no deployment; sign it again under this deployment's domain (GET /v1/signing-domain)",
    };
  if (expect && s.format === 'datanet-submission/2' && (!expect.deployment || !sameDeployment(s.domain, expect.deployment)))
    return {
      ok: false,
      reasonCode: 'wrong_deployment',
      message: `the manifest was signed for deployment ${s.domain.salt.slice(0, 10)}... on chain ${s.domain.chainId}; this is ${
        expect.deployment
          ? `deployment ${expect.deployment.salt.slice(0, 10)}... on chain ${expect.deployment.chainId}`
          : 'a deployment with no identity yet'
      }: a submission is only taken where it was signed for`,
    };
  return undefined;
}

function signerMatches(s: SignedSubmission, signer: string): SignatureCheck {
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
  return idFromDigest(TypedDataEncoder.hash(domainOf(s), SUBMISSION_TYPES, s.manifest), s.signature);
}

function idFromDigest(digest: string, signature: string | undefined): string {
  return createHash('sha256')
    .update(digest)
    .update(signature ?? '')
    .digest('hex');
}

function shortError(e: unknown): string {
  const m = e instanceof Error ? ((e as { shortMessage?: string }).shortMessage ?? e.message) : String(e);
  return m.split('\n')[0].slice(0, 200);
}
