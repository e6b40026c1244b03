import type { Kysely } from 'kysely';
import { migrateRegistry } from './migrations.js';

export type RegistryDialect = 'postgres' | 'pglite';

export interface Registry {
  db: Kysely<any>;
  dialect: RegistryDialect;
}

/** Opens the Datanet registry in the run store, creating or upgrading its tables. */
export async function openRegistry(db: Kysely<any>, dialect: RegistryDialect): Promise<Registry> {
  await migrateRegistry(db);
  return { db, dialect };
}

/** int8 comes back as number from PGlite and as string from pg. */
export function num(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}
