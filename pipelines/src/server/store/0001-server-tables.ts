import { type Kysely, sql } from 'kysely';

// The service's own state, kept in the run store so every replica sees the same: SIWE nonces
// (single use), sessions and API tokens (only their sha256 is stored), roles per scope (the server
// knows scopes, not Datanets), and idempotency records (the first answer to a request key).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('server_siwe_nonces')
    .addColumn('nonce', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'int8', (c) => c.notNull())
    .addColumn('expires_at', 'int8', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('server_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('csrf_hash', 'text', (c) => c.notNull())
    .addColumn('chain_id', 'int8', (c) => c.notNull())
    .addColumn('created_at', 'int8', (c) => c.notNull())
    .addColumn('expires_at', 'int8', (c) => c.notNull())
    .addColumn('revoked_at', 'int8')
    .execute();
  await db.schema
    .createTable('server_api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'int8', (c) => c.notNull())
    .addColumn('expires_at', 'int8')
    .addColumn('revoked_at', 'int8')
    .addColumn('last_used_at', 'int8')
    .execute();
  await db.schema
    .createTable('server_roles')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'int8', (c) => c.notNull())
    .addPrimaryKeyConstraint('server_roles_pk', ['scope', 'principal', 'role'])
    .execute();
  await db.schema
    .createTable('server_idempotency')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('status', 'int4', (c) => c.notNull())
    .addColumn('body', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'int8', (c) => c.notNull())
    .execute();
  await sql`create index server_idempotency_subject on server_idempotency (kind, subject, created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['server_idempotency', 'server_roles', 'server_api_tokens', 'server_sessions', 'server_siwe_nonces']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
