import { sql, type Kysely } from 'kysely';
import type { ServerContext } from './server-context.js';

export function storeIdempotency(db: Kysely<any>): ServerContext['idempotency'] {
  const get = async (key: string) => {
    const row = await db.selectFrom('server_idempotency').select(['status', 'body']).where('key', '=', key).executeTakeFirst();
    return row ? { status: Number(row.status), body: typeof row.body === 'string' ? JSON.parse(row.body) : row.body } : undefined;
  };
  return {
    get,
    async put(key, kind, subject, status, body, alongside) {
      // One round trip when the key is new (the usual case): the inserted row is the answer.
      const insert = db
        .insertInto('server_idempotency')
        .values({ key, kind, subject, status, body: JSON.stringify(body), created_at: Date.now() })
        .onConflict((oc) => oc.column('key').doNothing())
        .returning('key');
      const inserted = alongside
        ? (await sql<{ key: string }>`with alongside as (${alongside}) ${insert}`.execute(db)).rows[0]
        : await insert.executeTakeFirst();
      return inserted ? { status, body: JSON.parse(JSON.stringify(body)) } : (await get(key))!;
    },
  };
}
