import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';

/**
 * Brings a package's tables up to date with its own versioned migrations. The migration tables are
 * pinned to the connection's current schema: kysely otherwise finds a same-named table in any
 * schema, so two stores in one PostgreSQL database (tests, tenants) would skip their own setup.
 */
export async function migrateToLatest(db: Kysely<any>, name: string, migrations: Record<string, Migration>): Promise<void> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: `${name}_migrations`,
    migrationLockTableName: `${name}_migrations_lock`,
    migrationTableSchema: rows[0]?.schema ?? 'public',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`${name}: migration ${failed ?? '?'} failed: ${(error as Error).message ?? String(error)}`);
  }
}
