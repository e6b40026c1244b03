import { resolve } from 'node:path';
import { openEngine, type Engine } from '../exec/engine.js';
import type { CliEnv } from './cli-env.js';

let engine: Promise<Engine> | undefined;

/** One engine per CLI process: PGlite starts in ~1-3 s and admits one process at a time. */
export function getEngine(env: CliEnv, databaseUrl?: string, artifactDir?: string): Promise<Engine> {
  engine ??= openEngine({ stateDir: resolve(env.stateDir()), databaseUrl: databaseUrl ?? process.env.DATABASE_URL, artifactDir });
  return engine;
}

export async function closeEngine(): Promise<void> {
  if (!engine) return;
  const e = await engine.catch(() => undefined);
  engine = undefined;
  await e?.close();
}
