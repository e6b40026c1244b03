import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTestDb, startServe, TEST_DATABASE_URL, type ServeProcess, type TestDb } from '@datanet/pipelines/testing';

/** Writes a minimal Datanet (txt files under CC-BY-4.0) into `root`/configs and opens a fresh PostgreSQL schema. */
export async function minimalDatanet(root: string, datanet: string): Promise<TestDb> {
  mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
  writeFileSync(
    join(root, 'configs', 'datanets', `${datanet}.yaml`),
    `apiVersion: datanet/v1\nkind: Datanet\nid: ${datanet}\ndomain: test\nformats: [txt]\nlicences: [CC-BY-4.0]\n`,
  );
  return openTestDb('postgres');
}

/** A real `datanet serve` in `root` on that schema. */
export function serveOnSchema(t: TestDb, root: string, stateDir: string): Promise<ServeProcess> {
  const store = new URL(TEST_DATABASE_URL);
  store.searchParams.set('options', `-c search_path=${t.schema}`);
  return startServe({ stateDir, cwd: root, env: { DATABASE_URL: store.toString(), DATANET_RPC_URL: '' } });
}
