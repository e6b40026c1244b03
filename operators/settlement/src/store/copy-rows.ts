import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CompiledQuery, type Kysely } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * Bulk rows into PostgreSQL through the COPY protocol, on the connection of a Kysely transaction,
 * so the rows commit or vanish with everything else the transaction writes.
 *
 * Kysely has no COPY API and does not hand out its pg client, but its PostgreSQL connection gives
 * the compiled query's `sql` to `client.query`, which (as pg documents) also takes a Submittable:
 * pg-copy-streams' COPY FROM STDIN stream is one. The query is queued on the transaction's
 * client, and the stream is then fed and awaited; nothing else runs on that client meanwhile.
 */
export async function usesPgClient(db: Kysely<any>): Promise<boolean> {
  return db.getExecutor().provideConnection(async (c) => c.constructor.name === 'PostgresConnection');
}

/**
 * COPY `table (columns)` FROM STDIN in text format, from chunks of ready lines (tab-separated,
 * newline-terminated, escaped by the caller). Call on a transaction.
 */
export async function copyRows(trx: Kysely<any>, table: string, columns: string[], chunks: Iterable<string>): Promise<number> {
  const stream = copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`);
  const done = pipeline(Readable.from(chunks, { objectMode: false }), stream);
  await trx.executeQuery({ ...CompiledQuery.raw('COPY'), sql: stream as unknown as string });
  await done;
  return stream.rowCount;
}
