import { newRunId } from '../exec/in-process-executor.js';
import type { Worker as BullWorker, Queue } from 'bullmq';
import type { Engine } from '../exec/engine.js';
import { errorMessage } from '../exec/errors.js';
import type { Profile } from '../spec/profile.js';
import { distributedSettings, queueName, workerIdentity } from '../distributed/distributed-config.js';
import { redisConnection } from '../distributed/job-transport.js';
import { lastClaimedTick, nextTicks, ticksBetween, type ScheduledPipeline } from './schedule-ticks.js';

export interface SchedulerOptions {
  identity?: string;
  log?: (line: string) => void;
  /** Starts the pipeline for a tick; resolves to the run id (local: once the run ends). */
  /** Starts the tick's run under the given id (claimed with the tick). */
  fire: (entry: ScheduledPipeline, tick: number, runId: string) => Promise<string>;
}

const SCHEDULE_QUEUE = 'schedules';

/**
 * Fires pipelines on their cron. Locally an in-process timer per pipeline; with the distributed
 * profile BullMQ job schedulers, so one job per tick is created however many schedulers run. In
 * both modes the run store's schedule_ticks row, claimed before the run starts, is what makes a
 * tick fire exactly once. Ticks missed while no scheduler ran follow the pipeline's catchup.
 */
export class PipelineScheduler {
  readonly identity: string;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private worker: BullWorker | undefined;
  private queue: Queue | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;
  fired: { pipeline: string; tick: number; runId?: string }[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly profile: Profile,
    private readonly entries: ScheduledPipeline[],
    private readonly options: SchedulerOptions,
  ) {
    this.identity = options.identity ?? workerIdentity();
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  async start(): Promise<void> {
    for (const e of this.entries) await this.catchUp(e);
    if (this.profile.executor === 'distributed') await this.startDistributed();
    else for (const e of this.entries) this.armLocal(e);
  }

  /** Ticks between the last one claimed and now: fired one by one (`all`) or recorded as skipped (`none`). */
  private async catchUp(e: ScheduledPipeline): Promise<void> {
    const last = await lastClaimedTick(this.engine.database.db, e.pipeline);
    if (last === undefined) return;
    const missed = ticksBetween(e.schedule, last, Date.now() - 1);
    if (!missed.length) return;
    this.log(`${e.pipeline}: ${missed.length} tick(s) missed since ${new Date(last).toISOString()} (catchup: ${e.schedule.catchup})`);
    for (const tick of missed) {
      if (e.schedule.catchup === 'all') await this.tick(e, tick);
      else await this.engine.store.claimTick(e.pipeline, tick, `${this.identity} (skipped: catchup none)`);
    }
  }

  private armLocal(e: ScheduledPipeline): void {
    if (this.stopped) return;
    const at = nextTicks(e.schedule, new Date(), 1)[0]?.getTime();
    if (at === undefined) return;
    this.timers.set(e.pipeline, setTimeout(() => {
      this.armLocal(e);
      void this.tick(e, at);
    }, Math.max(0, at - Date.now())));
  }

  private async startDistributed(): Promise<void> {
    const settings = distributedSettings(this.profile);
    const { Queue, Worker } = await import('bullmq');
    this.queue = new Queue(queueName(SCHEDULE_QUEUE), { connection: await redisConnection(settings.redisUrl), prefix: settings.prefix });
    for (const e of this.entries) {
      await this.queue.upsertJobScheduler(e.pipeline, { pattern: e.schedule.cron, tz: e.schedule.timezone }, { name: 'tick', data: { pipeline: e.pipeline }, opts: { removeOnComplete: true, removeOnFail: true } });
    }
    const byName = new Map(this.entries.map((e) => [e.pipeline, e]));
    this.worker = new Worker(
      queueName(SCHEDULE_QUEUE),
      async (job) => {
        const e = byName.get((job.data as { pipeline: string }).pipeline);
        const tick = Number(job.opts.prevMillis ?? job.timestamp);
        if (e) await this.tick(e, tick);
      },
      { connection: await redisConnection(settings.redisUrl), prefix: settings.prefix, concurrency: 4 },
    );
    this.worker.on('error', (err) => this.log(`scheduler: ${errorMessage(err)}`));
  }

  /** Claims the tick; only the one scheduler that claims it starts the run. */
  async tick(e: ScheduledPipeline, tick: number): Promise<void> {
    const work = (async () => {
      const runId = newRunId();
      if (!(await this.engine.store.claimTick(e.pipeline, tick, this.identity, runId))) return;
      const entry: { pipeline: string; tick: number; runId?: string } = { pipeline: e.pipeline, tick, runId };
      this.fired.push(entry);
      this.log(`${e.pipeline}: tick ${new Date(tick).toISOString()} fired`);
      try {
        await this.options.fire(e, tick, runId);
        this.log(`${e.pipeline}: tick ${new Date(tick).toISOString()} -> run ${entry.runId}`);
      } catch (err) {
        this.log(`${e.pipeline}: tick ${new Date(tick).toISOString()} failed to start: ${errorMessage(err)}`);
      }
    })();
    this.inFlight.add(work);
    await work.finally(() => this.inFlight.delete(work));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    await this.worker?.close();
    await this.queue?.close();
    await Promise.allSettled([...this.inFlight]);
  }
}
