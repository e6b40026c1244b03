import { sql, type Kysely } from 'kysely';
import { takeReceipts, uploadsReceived, type Receipt } from '@datanet/datanet';

interface Waiting<T, R> {
  item: T;
  done: (r: R) => void;
  fail: (e: unknown) => void;
}

/**
 * Group commit for the store writes of concurrent uploads: items of one group that arrive while
 * the group's previous batch is being written wait for it to end, then are written together, in
 * order of arrival, by one call of `write` (one statement, one commit), which answers each item in
 * order. A failed batch fails each of its items, as the write of each alone would have.
 */
export function batched<T, R>(write: (group: string, items: T[]) => Promise<R[]>): (group: string, item: T) => Promise<R> {
  const waiting = new Map<string, Waiting<T, R>[]>();
  const running = new Set<string>();
  const drain = async (group: string) => {
    running.add(group);
    try {
      for (let batch = waiting.get(group); batch?.length; batch = waiting.get(group)) {
        waiting.delete(group);
        try {
          const out = await write(
            group,
            batch.map((w) => w.item),
          );
          batch.forEach((w, i) => w.done(out[i]));
        } catch (e) {
          for (const w of batch) w.fail(e);
        }
      }
    } finally {
      running.delete(group);
    }
  };
  return (group, item) =>
    new Promise<R>((done, fail) => {
      let queue = waiting.get(group);
      if (!queue) waiting.set(group, (queue = []));
      queue.push({ item, done, fail });
      if (!running.has(group)) void drain(group);
    });
}

/**
 * Receipts for uploaded entries of a Datanet (the group), numbered in batches: a receipt is taken
 * under one lock per Datanet, held until its commit, so a statement per entry would queue every
 * upload of a Datanet behind one WAL flush each (3 ms here on PostgreSQL). A failed batch fails
 * each entry, as a failed takeReceipt would; intake numbers any entry it finds without a receipt.
 */
export function receiptBatches(db: Kysely<any>): (datanet: string, entry: { entry: string; receivedAt: number }) => Promise<Receipt> {
  return batched((datanet, entries) => takeReceipts(db, datanet, entries));
}

/** A 202 answer to keep for a submission, whose reservation becomes `received` with it. */
export interface Answer {
  submissionId: string;
  /** `datanet:contributor:day`, as the idempotency subject. */
  subject: string;
  body: unknown;
}

/**
 * The answers of uploads whose entries exist, kept in batches: each batch is one statement that
 * stores the answers (unless one is stored for the key: then that first one is the answer) and
 * makes their reservations `received`, so an answer and its reservation's state are kept
 * together, as idempotency.put with uploadReceived alongside keeps them for one upload.
 */
export function answerBatches(
  db: Kysely<any>,
  get: (key: string) => Promise<{ status: number; body: unknown } | undefined>,
): (answer: Answer) => Promise<{ status: number; body: unknown }> {
  const keep = batched<Answer, { status: number; body: unknown }>(async (_group, answers) => {
    const keys = answers.map((a) => `submission:${a.submissionId}`);
    const ids = answers.map((a) => a.submissionId);
    const now = Date.now();
    const { rows } = await sql<{ key: string }>`
      with received as (${uploadsReceived(db, ids, now)})
      insert into server_idempotency (key, kind, subject, status, body, created_at)
      select a.key, 'submission', a.subject, 202, a.body, ${now}::int8
      from unnest(${keys}::text[], ${answers.map((a) => a.subject)}::text[], ${answers.map((a) => JSON.stringify(a.body))}::jsonb[]) as a(key, subject, body)
      on conflict (key) do nothing
      returning key`.execute(db);
    const inserted = new Set(rows.map((r) => r.key));
    // The first answer of a key is the answer: kept before (read back), or the first in this batch.
    const first = new Map<string, { status: number; body: unknown }>();
    const out: { status: number; body: unknown }[] = [];
    for (const [i, a] of answers.entries()) {
      let answer = first.get(keys[i]);
      if (!answer)
        first.set(
          keys[i],
          (answer = inserted.has(keys[i]) ? { status: 202, body: JSON.parse(JSON.stringify(a.body)) } : (await get(keys[i]))!),
        );
      out.push(answer);
    }
    return out;
  });
  return (answer) => keep('', answer);
}
