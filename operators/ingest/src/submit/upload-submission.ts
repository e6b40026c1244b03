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

/** Sends of one signed submission when no answer comes back (the connection failed, a 5xx), and the pause before each resend. */
const RESEND_PAUSES_MS = [0, 1000, 3000];

/**
 * POST /v1/datanets/{id}/submissions: the signed manifest, then each file. The server checks it
 * as it streams and answers 202 with its receipt (200 or 202 again for the same signed submission).
 * A 409 `replayed` for a deterministic nonce means an earlier run already submitted it.
 * When no answer comes back (the connection fails, or a 5xx) the server may have stored it, so
 * the same signed submission is sent again: the server answers a resend with its first receipt,
 * where signing afresh (a new nonce) would store the files a second time.
 */
export async function uploadSubmission(
  server: string,
  signed: SignedSubmission,
  files: { name: string; bytes: Uint8Array }[],
  id: string,
  pausesMs: readonly number[] = RESEND_PAUSES_MS,
): Promise<Submitted> {
  const url = `${origin(server)}/v1/datanets/${encodeURIComponent(signed.manifest.datanet)}/submissions`;
  let res: Response | undefined;
  let unanswered: SubmitError | undefined;
  for (const pause of pausesMs) {
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    const form = new FormData();
    form.append('manifest', JSON.stringify(signed));
    for (const f of files) form.append('file', new Blob([f.bytes]), f.name);
    try {
      res = await call(url, { method: 'POST', body: form });
    } catch (e) {
      unanswered = e as SubmitError;
      continue;
    }
    if (res.status < 500) break;
  }
  if (!res || res.status >= 500) {
    const last = res ? `HTTP ${res.status}` : (unanswered?.message ?? 'no answer');
    throw new SubmitError(
      `${server} did not answer submission ${id} after ${pausesMs.length} sends (${last}); it may have been stored: run the same command again later, or look it up at /v1/submissions/${id}`,
    );
  }
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
