import { sql, type Kysely, type Transaction } from 'kysely';
import type { Migration } from 'kysely/migration';
import { migrateToLatest } from '@datanet/pipelines';

/**
 * The persistent dedupe index: what a scope (a Datanet, `index: medical-qa`) has already
 * accepted, so later runs reject copies of it. Kept in the run store under our own migration
 * table, on PGlite and PostgreSQL alike.
 */
const migrations: Record<string, Migration> = {
  '0001_dedupe_index': {
    async up(db) {
      await db.schema
        .createTable('datanet_dedupe_scopes')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('datanet_dedupe_scopes_pk', ['scope', 'kind'])
        .execute();
      await db.schema
        .createTable('datanet_dedupe_exact')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigserial', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addPrimaryKeyConstraint('datanet_dedupe_exact_pk', ['scope', 'hash'])
        .execute();
      await db.schema.createIndex('datanet_dedupe_exact_record').on('datanet_dedupe_exact').columns(['scope', 'record_id']).execute();
      await db.schema
        .createTable('datanet_dedupe_minhash_records')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigserial', (c) => c.notNull())
        .addColumn('signature', 'bytea', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addPrimaryKeyConstraint('datanet_dedupe_minhash_records_pk', ['scope', 'record_id'])
        .execute();
      await db.schema
        .createTable('datanet_dedupe_minhash_bands')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'bigint', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('datanet_dedupe_minhash_bands_key')
        .on('datanet_dedupe_minhash_bands')
        .columns(['scope', 'key'])
        .execute();
    },
  },
  // Auto shingles: the unit each record was shingled by (its band keys live in that unit's key
  // space), its distinct shingles and, for short records, its structured tokens, so that a new
  // record is verified against an accepted one as within a batch (exact Jaccard, recordSimilarity).
  // Rows written before keep unit 0 (word) and no shingles (judged by the MinHash estimate).
  '0002_minhash_units_and_sets': {
    async up(db) {
      await db.schema
        .alterTable('datanet_dedupe_minhash_records')
        .addColumn('unit', 'smallint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('datanet_dedupe_minhash_records').addColumn('shingles', 'bytea').execute();
      await db.schema.alterTable('datanet_dedupe_minhash_records').addColumn('tokens', 'text').execute();
    },
  },
  // dedupe.reuse: the accepted records' text (copied spans are measured and shown against it) and
  // their sampled word shingles, the candidate index.
  '0003_reuse_index': {
    async up(db) {
      await db.schema
        .createTable('datanet_dedupe_reuse_records')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigserial', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addPrimaryKeyConstraint('datanet_dedupe_reuse_records_pk', ['scope', 'record_id'])
        .execute();
      await db.schema
        .createTable('datanet_dedupe_reuse_keys')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'bigint', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('datanet_dedupe_reuse_keys_key').on('datanet_dedupe_reuse_keys').columns(['scope', 'key']).execute();
    },
  },
};

export async function migrateDedupeIndex(db: Kysely<any>): Promise<void> {
  await migrateToLatest(db, 'datanet_dedupe', migrations);
}

/**
 * Runs `fn` in a transaction holding a lock on the scope, so two runs deduplicating into the same
 * index cannot both accept copies of each other.
 */
export async function withScopeLock<T>(db: Kysely<any>, scope: string, kind: string, fn: (tx: Transaction<any>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`datanet.dedupe:${kind}:${scope}`}))`.execute(tx);
    return fn(tx);
  });
}

/** Records the settings a scope was built with; refuses to mix incompatible settings in one index. */
export async function checkScopeSettings(tx: Kysely<any>, scope: string, kind: string, settings: string): Promise<void> {
  const row = await tx
    .selectFrom('datanet_dedupe_scopes')
    .select('settings')
    .where('scope', '=', scope)
    .where('kind', '=', kind)
    .executeTakeFirst();
  if (!row) {
    await tx.insertInto('datanet_dedupe_scopes').values({ scope, kind, settings }).execute();
    return;
  }
  if (row.settings !== settings) {
    throw new Error(
      `dedupe index "${scope}" (${kind}) was built with ${row.settings}, but this step uses ${settings}; ` +
        `signatures are not comparable: use the same settings or another index name`,
    );
  }
}

/** Splits a list for `= any($1)` queries of bounded size. */
export function chunks<T>(values: T[], size = 5000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/** int8 is a number on PGlite and a string on pg. */
export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value as string);
}

/** bytea comes back as a Buffer (pg) or Uint8Array (PGlite); signatures need aligned 32-bit words. */
export function toUint32(bytes: Uint8Array): Uint32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Uint32Array(copy.buffer);
}
