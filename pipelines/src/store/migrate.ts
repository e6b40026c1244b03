import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';

/**
 * Brings a package's tables up to date with its own versioned migrations. The migration tables are
 * pinned to the connection's current schema: kysely otherwise finds a same-named table in any
 * schema, so two stores in one PostgreSQL database (tests, tenants) would skip their own setup.
 */
export async function migrateToLatest(db: Kysely<any>, name: string, migrations: Record<string, Migration>): Promise<void> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema ?? 'public';
  const table = `${name}_migrations`;
  if (await upToDate(db, schema, table, Object.keys(migrations))) return;
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: table,
    migrationLockTableName: `${name}_migrations_lock`,
    migrationTableSchema: schema,
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return;
    const message = (error as Error).message ?? String(error);
    // kysely's introspection lists every schema's tables: a schema dropped meanwhile by another
    // client (a parallel test) makes it fail although nothing is wrong with ours. Try again.
    if (attempt < 5 && /schema .* does not exist|relation .* does not exist/.test(message)) {
      await sleep(100 * attempt);
      continue;
    }
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`${name}: migration ${failed ?? '(setup)'} failed: ${message}`);
  }
}

/** True when every migration is already recorded (the common case: no introspection, no lock). */
async function upToDate(db: Kysely<any>, schema: string, table: string, names: string[]): Promise<boolean> {
  const exists = await sql<{ t: string | null }>`select to_regclass(${`"${schema}"."${table}"`}) as t`.execute(db);
  if (!exists.rows[0]?.t) return false;
  const applied = await sql<{ name: string }>`select name from ${sql.table(`${schema}.${table}`)}`.execute(db);
  const done = new Set(applied.rows.map((r) => r.name));
  return names.every((n) => done.has(n));
}
