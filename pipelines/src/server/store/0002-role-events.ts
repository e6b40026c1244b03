import { type Kysely, sql } from 'kysely';

// Every grant and revocation of a role made through the API, with who made it and when: the
// record stewards read. Grants from a Datanet's YAML are not events (the file is their record).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('server_role_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('at', 'int8', (c) => c.notNull())
    .execute();
  await sql`create index server_role_events_scope on server_role_events (scope, id)`.execute(db);
  await db.schema.alterTable('server_roles').addColumn('granted_by', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('server_roles').dropColumn('granted_by').execute();
  await db.schema.dropTable('server_role_events').ifExists().execute();
}
