import type { DeploymentDomain } from '../signing/deployment-domain.js';
import type { SignedSubmission } from '../signing/submission-manifest.js';
import { SubmitError, type Submitted } from './submit-files.js';

/** The deployment a server signs for (GET /v1/datanets/{id}/signing-domain). */
export async function serverDeployment(server: string, datanet: string): Promise<DeploymentDomain> {
  const res = await call(`${origin(server)}/v1/datanets/${encodeURIComponent(datanet)}/signing-domain`);
  const body = (await res.json().catch(() => ({}))) as { domain?: { chainId: number; salt: string }; message?: string };
  if (!res.ok || !body.domain)
    throw new SubmitError(
      `${server}: no signing domain for Datanet ${datanet} (HTTP ${res.status}${body.message ? `: ${body.message}` : ''})`,
    );
  return { chainId: body.domain.chainId, salt: body.domain.salt };
}

/**
 * POST /v1/datanets/{id}/submissions: the signed manifest, then each file. The server checks it
 * as it streams and answers 202 with its receipt (200 or 202 again for the same signed submission).
 * A 409 `replayed` for a deterministic nonce means an earlier run already submitted it.
 */
export async function uploadSubmission(
  server: string,
  signed: SignedSubmission,
  files: { name: string; bytes: Uint8Array }[],
  id: string,
): Promise<Submitted> {
  const form = new FormData();
  form.append('manifest', JSON.stringify(signed));
  for (const f of files) form.append('file', new Blob([f.bytes]), f.name);
  const res = await call(`${origin(server)}/v1/datanets/${encodeURIComponent(signed.manifest.datanet)}/submissions`, {
    method: 'POST',
    body: form,
  });
  const body = (await res.json().catch(() => ({}))) as { entry?: string; submissionId?: string; error?: string; message?: string };
  if (res.status === 409 && body.error === 'replayed') return { submissionId: id, entry: '', dir: '', signed, written: false };
  if (res.status !== 200 && res.status !== 202)
    throw new SubmitError(
      `${server} refused the submission (HTTP ${res.status} ${body.error ?? ''}): ${body.message ?? 'no reason given'}; nothing was stored`,
    );
  return { submissionId: body.submissionId ?? id, entry: body.entry ?? '', dir: '', signed, written: true };
}

function origin(server: string): string {
  try {
    return new URL(server).origin;
  } catch {
    throw new SubmitError(`--server ${server}: not a URL (e.g. http://127.0.0.1:8080)`);
  }
}

async function call(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new SubmitError(`cannot reach ${new URL(url).origin}${cause ? ` (${cause})` : ''}; is \`datanet serve\` running there?`);
  }
}
