import type { PGlite, Transaction } from '@electric-sql/pglite';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * PGlite runs every query synchronously on the calling thread, and a chain of awaited queries
 * resolves as microtasks, so the event loop gets no turn until the chain ends: a migration or a
 * step's bookkeeping stalled the engine's loop for a second and more. Each query (in a transaction
 * too) first yields one event-loop turn, so a stall is bounded by one query, not by a chain.
 */
export function yieldBetweenQueries(pglite: PGlite): PGlite {
  const query = pglite.query.bind(pglite);
  pglite.query = (async (...args: Parameters<PGlite['query']>) => {
    await turn();
    return query(...args);
  }) as PGlite['query'];
  const transaction = pglite.transaction.bind(pglite);
  pglite.transaction = (<T>(fn: (tx: Transaction) => Promise<T>) =>
    transaction((tx) => {
      const txQuery = tx.query.bind(tx);
      tx.query = (async (...args: Parameters<Transaction['query']>) => {
        await turn();
        return txQuery(...args);
      }) as Transaction['query'];
      return fn(tx);
    })) as PGlite['transaction'];
  return pglite;
}
