import { errorMessage } from '../exec/errors.js';
import { queuedJobs, takeOverExpired, unsentOutbox } from './dag-recovery.js';
import type { DagStore } from './dag-store.js';
import type { JobTransport } from './job-transport.js';

/**
 * Repairs what a crash can leave behind, every few seconds, in every process of a cluster (any
 * number may run at once: each repair is a transaction or an idempotent send):
 * unsent outbox rows are sent; queued steps whose job vanished from Redis are sent again; running
 * steps whose lease expired get their next attempt.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  lastError: string | undefined;

  constructor(
    private readonly dag: DagStore,
    private readonly transport: JobTransport,
    private readonly identity: string,
    private readonly onError: (message: string) => void = () => {},
  ) {}

  start(): void {
    const { sweepMs } = this.transport.settings;
    // Spread the sweepers of many processes over the interval.
    const tick = () => {
      this.timer = setTimeout(
        () => {
          this.running = this.sweep().finally(tick);
        },
        sweepMs * (0.75 + Math.random() / 2),
      );
    };
    tick();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  async sweep(): Promise<{ resent: number; missing: number; takenOver: number }> {
    const out = { resent: 0, missing: 0, takenOver: 0 };
    try {
      const unsent = await unsentOutbox(this.dag.db, 1000);
      await this.transport.send(unsent);
      out.resent = unsent.length;
      const lost = await this.transport.missing(await queuedJobs(this.dag.db, 2000));
      await this.transport.send(lost);
      out.missing = lost.length;
      const taken = await takeOverExpired(this.dag, this.transport.settings.maxTakeovers, this.identity);
      await this.transport.send(taken);
      out.takenOver = taken.length;
      this.lastError = undefined;
    } catch (err) {
      // Redis or PostgreSQL away for a moment: the next sweep tries again.
      const message = errorMessage(err);
      if (message !== this.lastError) this.onError(`sweeper: ${message}`);
      this.lastError = message;
    }
    return out;
  }
}
