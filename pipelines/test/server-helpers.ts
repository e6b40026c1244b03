import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ArtifactStore } from '../src/artifact/artifact-store.js';
import type { Engine } from '../src/exec/engine.js';
import { createApp, type DatanetServer } from '../src/server/create-app.js';
import type { RegisterRoutes } from '../src/server/server-context.js';
import { defaultServerConfig } from '../src/server/server-config.js';
import { DEFAULT_PROFILE } from '../src/spec/profile.js';
import { RunStore } from '../src/store/run-store.js';
import { openTestDb, type DbEngine } from '../src/testing/test-db.js';

export const REPO = resolve(import.meta.dirname, '../..');

/** The service on a real store (PGlite or a fresh PostgreSQL schema), for `app.inject` tests. */
export async function openTestServer(
  engineKind: DbEngine,
  configRoot = REPO,
  limits: { rateLimitPerMinute?: number; submissionsPerMinute?: number } = {},
  routes?: RegisterRoutes[],
): Promise<DatanetServer & { stateDir: string; shutdown(): Promise<void> }> {
  const testDb = await openTestDb(engineKind);
  const stateDir = mkdtempSync(join(tmpdir(), 'datanet-server-'));
  mkdirSync(join(stateDir, 'artifacts'), { recursive: true });
  const store = new RunStore(testDb.db, testDb.dialect);
  await store.migrate();
  const engine: Engine = {
    stateDir,
    database: { db: testDb.db, dialect: testDb.dialect, location: 'test', close: () => testDb.close() },
    store,
    artifacts: new ArtifactStore(join(stateDir, 'artifacts')),
    close: async () => {
      await store.flushEvents();
      await testDb.close();
    },
  };
  const server = await createApp({
    config: defaultServerConfig({ stateDir, configRoot, port: 8080, ...limits }),
    engine,
    profile: DEFAULT_PROFILE,
    routes,
    logger: false,
  });
  return {
    ...server,
    stateDir,
    async shutdown() {
      await server.close();
      await engine.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
