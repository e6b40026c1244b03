import { sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * Makes (or brings up to date) a SQL function the routes call, when they start: one maker at a
 * time (replicas share the database, and two concurrent `create or replace` of one function
 * fail), under an advisory lock named after the function.
 */
export async function createFunction(db: Kysely<any>, name: string, ddl: RawBuilder<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${name}))`.execute(trx);
    await ddl.execute(trx);
  });
}
