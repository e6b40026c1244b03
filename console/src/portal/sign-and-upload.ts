import type { paths } from '@datanet/client';
import { refusal } from '../api/api-client';
import { signTypedData, type Eip1193Provider } from '../auth/wallet';

type SigningDomain = paths['/v1/datanets/{id}/signing-domain']['get']['responses'][200]['content']['application/json'];

export interface Receipt {
  submissionId: string;
  datanet: string;
  contributor: string;
  receivedAt: string;
  files: number;
  bytes: number;
  status: string;
}

async function sha256Hex(file: File): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return `0x${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function randomNonce(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return BigInt(`0x${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`).toString();
}

/** The manifest of the files, signed in the wallet (EIP-712, this deployment's domain). */
export async function signManifest(
  provider: Eip1193Provider,
  address: string,
  datanet: string,
  signing: SigningDomain,
  files: File[],
  licence: string,
  consent: string[],
) {
  const manifest = {
    datanet,
    contributor: address,
    nonce: randomNonce(),
    timestamp: Date.now(),
    files: await Promise.all(files.map(async (f) => ({ name: f.name, size: f.size, sha256: await sha256Hex(f), licence, consent }))),
  };
  const typed = {
    domain: signing.domain,
    primaryType: signing.primaryType,
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
        { name: 'salt', type: 'bytes32' },
      ],
      ...signing.types,
    },
    message: manifest,
  };
  const signature = await signTypedData(provider, address, typed);
  return {
    format: signing.format,
    domain: { chainId: signing.domain.chainId, salt: signing.domain.salt },
    manifest,
    signature,
  };
}

/** Multipart upload (manifest, then the files) with progress; XMLHttpRequest because fetch reports no upload progress. */
export function upload(datanet: string, signed: unknown, files: File[], onProgress: (fraction: number) => void): Promise<Receipt> {
  const form = new FormData();
  form.append('manifest', JSON.stringify(signed));
  for (const f of files) form.append('file', f, f.name);
  return new Promise((done, fail) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1/datanets/${encodeURIComponent(datanet)}/submissions`);
    // The session cookie rides along, so the double-submit CSRF header must too (as the API client sends it).
    const csrf = /(?:^|;\s*)datanet_csrf=([^;]+)/.exec(document.cookie)?.[1];
    if (csrf) xhr.setRequestHeader('x-csrf-token', decodeURIComponent(csrf));
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => fail(refusal(0, { error: 'network', message: 'The upload was interrupted. Try again: a resend is safe.' }));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) done(body as Receipt);
      else fail(refusal(xhr.status, body));
    };
    xhr.send(form);
  });
}
