import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PGliteDialect } from 'kysely';

/** The embedded run store of a state folder, as the CLI opens it (PGlite under `<state>/db`); one process at a time. */
export async function storeDb(stateDir: string): Promise<{ db: Kysely<any>; close: () => Promise<void> }> {
  const { PGlite } = await import('@electric-sql/pglite');
  mkdirSync(join(stateDir, 'db'), { recursive: true });
  const pglite = new PGlite(join(stateDir, 'db'));
  await pglite.waitReady;
  const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) });
  return { db, close: () => db.destroy() };
}
