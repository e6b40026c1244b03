import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { migrateToLatest } from '../../store/migrate.js';
import * as m0001 from './0001-server-tables.js';
import * as m0002 from './0002-role-events.js';

// Its own migration table, like the Datanet registry's: the engine's migrations stay the engine's,
// and helpers adding engine migrations never collide with the service's numbering.
const MIGRATIONS: Record<string, Migration> = { '0001-server-tables': m0001, '0002-role-events': m0002 };

export async function migrateServerStore(db: Kysely<any>): Promise<void> {
  await migrateToLatest(db, 'datanet_server', MIGRATIONS);
}

/** int8 comes back as number from PGlite and as string from pg. */
export function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}
