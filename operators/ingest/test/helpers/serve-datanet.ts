import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Wallet } from 'ethers';
import { signSubmission } from '../../src/index.js';
import { openTestDb, startServe, TEST_DATABASE_URL, type ServeProcess, type TestDb } from '@datanet/pipelines/testing';

/**
 * Writes a minimal Datanet (txt files under CC-BY-4.0, with `limits` as a YAML flow mapping when
 * given) into `root`/configs and opens a fresh PostgreSQL schema.
 */
export async function minimalDatanet(root: string, datanet: string, limits?: string): Promise<TestDb> {
  mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
  writeFileSync(
    join(root, 'configs', 'datanets', `${datanet}.yaml`),
    `apiVersion: datanet/v1\nkind: Datanet\nid: ${datanet}\ndomain: test\nformats: [txt]\nlicences: [CC-BY-4.0]\n` +
      (limits ? `limits: ${limits}\n` : ''),
  );
  return openTestDb('postgres');
}

/** A real `datanet serve` in `root` on that schema (with `env` added to its environment). */
export function serveOnSchema(t: TestDb, root: string, stateDir: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const store = new URL(TEST_DATABASE_URL);
  store.searchParams.set('options', `-c search_path=${t.schema}`);
  return startServe({ stateDir, cwd: root, env: { DATABASE_URL: store.toString(), DATANET_RPC_URL: '', ...env } });
}

/** A multipart upload of `files` to `datanet` on the server at `url`, signed by `signer` for that deployment (CC-BY-4.0, no consent flags). */
export async function signedForm(
  url: string,
  datanet: string,
  signer: Wallet,
  nonce: string,
  files: Record<string, Uint8Array>,
): Promise<FormData> {
  const { domain } = (await (await fetch(`${url}/v1/datanets/${datanet}/signing-domain`)).json()) as {
    domain: { chainId: number; salt: string };
  };
  const signed = await signSubmission(
    signer,
    {
      datanet,
      contributor: signer.address,
      nonce,
      timestamp: Date.now(),
      files: Object.entries(files).map(([name, bytes]) => ({
        name,
        size: bytes.length,
        sha256: `0x${createHash('sha256').update(bytes).digest('hex')}`,
        licence: 'CC-BY-4.0',
        consent: [],
      })),
    },
    { chainId: domain.chainId, salt: domain.salt },
  );
  const form = new FormData();
  form.append('manifest', JSON.stringify(signed));
  for (const [name, bytes] of Object.entries(files)) form.append('file', new Blob([bytes]), name);
  return form;
}
