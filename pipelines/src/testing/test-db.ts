import { randomBytes } from 'node:crypto';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import { memoryTemplate } from '../store/pglite-template.js';

export type DbEngine = 'pglite' | 'postgres';

export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDb {
  db: Kysely<any>;
  dialect: DbEngine;
  /** PostgreSQL: the schema this test owns (dropped on close). */
  schema?: string;
  close(): Promise<void>;
}

/**
 * Opens an empty database for one test file: an in-memory PGlite, or a fresh schema on the
 * machine's PostgreSQL so that packages testing in parallel never see each other's tables.
 */
export async function openTestDb(engine: DbEngine): Promise<TestDb> {
  if (engine === 'pglite') {
    const { PGlite } = await import('@electric-sql/pglite');
    const template = memoryTemplate();
    const loadDataDir = template?.load();
    const pglite = new PGlite(loadDataDir ? { loadDataDir } : {});
    await pglite.waitReady;
    if (template && !loadDataDir) await template.save(pglite);
    const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) });
    return { db, dialect: 'pglite', close: () => db.destroy() };
  }
  const pg = await import('pg');
  const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.default.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = new pg.default.Pool({
    connectionString: TEST_DATABASE_URL,
    options: `-c search_path=${schema}`,
    max: 8,
  });
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    schema,
    async close() {
      await sql.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).execute(db);
      await db.destroy();
    },
  };
}

/** Engines to run a store test suite against: both, always (PostgreSQL is part of the machine). */
export const DB_ENGINES: DbEngine[] = ['pglite', 'postgres'];

/** The engine's run-store tables (runs, steps, checkpoints, ...) in a test database, for operators that read or write them. */
export async function migrateRunStore(t: TestDb): Promise<void> {
  const { RunStore } = await import('../store/run-store.js');
  await new RunStore(t.db, t.dialect).migrate();
}
