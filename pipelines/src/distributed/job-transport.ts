import type { Kysely } from 'kysely';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { markSent } from './dag-recovery.js';
import type { OutboxRow } from './dag-store.js';
import { queueName, type DistributedSettings, type StepJob } from './distributed-config.js';

/** Opens an ioredis connection the way BullMQ wants it (no per-command retry limit). */
export async function redisConnection(url: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const conn = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: false,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  conn.on('error', () => {}); // reconnects on its own; callers see their commands fail or wait
  return conn;
}

/**
 * BullMQ as transport only: one queue per pool, jobs named by (run, step, partition, attempt) so a
 * job sent twice is stored once while it is still in Redis. What is ready is decided in PostgreSQL.
 */
export class JobTransport {
  private readonly queues = new Map<string, Queue>();
  private connection: Promise<Redis> | undefined;

  constructor(
    readonly settings: DistributedSettings,
    private readonly db: Kysely<any>,
  ) {}

  private conn(): Promise<Redis> {
    this.connection ??= redisConnection(this.settings.redisUrl);
    return this.connection;
  }

  async queue(pool: string): Promise<Queue> {
    let q = this.queues.get(pool);
    if (!q) {
      const { Queue } = await import('bullmq');
      q = new Queue(queueName(pool), { connection: await this.conn(), prefix: this.settings.prefix });
      q.on('error', () => {});
      this.queues.set(pool, q);
    }
    return q;
  }

  /** Enqueues outbox rows and marks them sent. A failure leaves them unsent for the sweeper. */
  async send(rows: OutboxRow[]): Promise<void> {
    if (!rows.length) return;
    const byPool = new Map<string, OutboxRow[]>();
    for (const r of rows) byPool.set(r.pool, [...(byPool.get(r.pool) ?? []), r]);
    const now = Date.now();
    await Promise.all(
      [...byPool].map(async ([pool, list]) => {
        const q = await this.queue(pool);
        await q.addBulk(
          list.map((r) => ({
            name: r.kind,
            data: { runId: r.run_id, stepId: r.step_id, partition: r.partition, attempt: r.attempt, kind: r.kind } satisfies StepJob,
            opts: { jobId: r.job_id, delay: Math.max(0, r.not_before - now), removeOnComplete: true, removeOnFail: true, attempts: 1 },
          })),
        );
      }),
    );
    await markSent(
      this.db,
      rows.map((r) => r.id),
    );
  }

  /** The rows whose job is no longer in Redis (Redis restarted, or the job was removed). */
  async missing(rows: OutboxRow[]): Promise<OutboxRow[]> {
    if (!rows.length) return [];
    const conn = await this.conn();
    const pipe = conn.pipeline();
    for (const r of rows) pipe.exists((await this.queue(r.pool)).toKey(r.job_id));
    const res = (await pipe.exec()) ?? [];
    return rows.filter((_, i) => res[i]?.[1] === 0);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => {})));
    this.queues.clear();
    const c = await this.connection?.catch(() => undefined);
    c?.disconnect();
    this.connection = undefined;
  }
}
