import { join, resolve } from 'node:path';
import { ArtifactStore } from '../artifact/artifact-store.js';
import { openDatabase, type Database } from '../store/open-database.js';
import { RunStore } from '../store/run-store.js';

export interface EngineOptions {
  /** Local state: artifacts, the embedded database, scratch space. */
  stateDir?: string;
  /** PostgreSQL URL; the embedded PGlite is used when absent. */
  databaseUrl?: string;
  /** Artifact store root when it is shared (distributed profile); `<stateDir>/artifacts` otherwise. */
  artifactDir?: string;
}

/** The engine's handles: run store, artifact store, database. Open once per process. */
export interface Engine {
  stateDir: string;
  database: Database;
  store: RunStore;
  artifacts: ArtifactStore;
  close(): Promise<void>;
}

export function defaultStateDir(): string {
  return resolve(process.env.DATANET_STATE_DIR ?? '.datanet');
}

export async function openEngine(options: EngineOptions = {}): Promise<Engine> {
  const stateDir = resolve(options.stateDir ?? defaultStateDir());
  const database = await openDatabase({ stateDir, databaseUrl: options.databaseUrl });
  const store = new RunStore(database.db, database.dialect);
  await store.migrate();
  const artifacts = new ArtifactStore(resolve(options.artifactDir ?? join(stateDir, 'artifacts')));
  return {
    stateDir,
    database,
    store,
    artifacts,
    async close() {
      await store.flushEvents();
      await database.close();
    },
  };
}
