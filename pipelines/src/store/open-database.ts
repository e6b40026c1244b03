import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import { hasCluster, seedFromTemplate } from './pglite-template.js';
import { acquireStateLock } from './state-lock.js';
import { yieldBetweenQueries } from './yielding-pglite.js';

export interface Database {
  db: Kysely<any>;
  dialect: 'postgres' | 'pglite';
  /** Where it lives, without credentials: for messages. */
  location: string;
  close(): Promise<void>;
}

/**
 * The run store's database: PostgreSQL when a URL is given, else an embedded PGlite under the
 * state folder. PGlite admits one process at a time, so the embedded store takes the state folder's
 * lock (see state-lock.ts) and a second process gets a StoreLockedError naming the holder; the
 * distributed profile and concurrent work need PostgreSQL.
 */
export async function openDatabase(options: { stateDir: string; databaseUrl?: string }): Promise<Database> {
  if (options.databaseUrl) {
    const pg = await import('pg');
    // int8 as JS numbers: every int8 we store (ms timestamps, byte counts) fits in 2^53.
    pg.default.types.setTypeParser(20, (v: string) => Number(v));
    const pool = new pg.default.Pool({ connectionString: options.databaseUrl, max: 10 });
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', location: redactUrl(options.databaseUrl), close: () => db.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const dir = join(options.stateDir, 'db');
  mkdirSync(dir, { recursive: true });
  // Before PGlite opens the folder (and before any migration): a second process refuses at once.
  const lock = acquireStateLock(options.stateDir);
  // Relaxed durability: a commit returns before the flush to disk. A crash can lose the last few
  // milliseconds of state, which resume tolerates (a step not recorded as done runs again).
  try {
    // A new store starts from a copy of the cached empty cluster instead of running initdb (see pglite-template.ts).
    if (!hasCluster(dir)) await seedFromTemplate(dir, PGlite);
    const pglite = new PGlite(dir, { relaxedDurability: true });
    await pglite.waitReady;
    const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite: yieldBetweenQueries(pglite) }) });
    return { db, dialect: 'pglite', location: dir, close: () => db.destroy().finally(() => lock.release()) };
  } catch (err) {
    lock.release();
    throw err;
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
