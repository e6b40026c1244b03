import { newRunId } from '../exec/run-types.js';
import type { Worker as BullWorker, Queue } from 'bullmq';
import type { Engine } from '../exec/engine.js';
import { errorMessage } from '../exec/errors.js';
import type { Profile } from '../spec/profile.js';
import { distributedSettings, queueName, workerIdentity } from '../distributed/distributed-config.js';
import { redisConnection } from '../distributed/job-transport.js';
import { lastClaimedTick, nextTicks, orphanTicks, recordTickRun, ticksBetween, type ScheduledPipeline } from './schedule-ticks.js';

export interface SchedulerOptions {
  identity?: string;
  log?: (line: string) => void;
  /** Starts the tick's run under the given id (claimed with the tick); resolves to the run id (local: once the run ends). */
  fire: (entry: ScheduledPipeline, tick: number, runId: string) => Promise<string>;
}

const SCHEDULE_QUEUE = 'schedules';
/** A claimed tick without its run this long after the claim has lost its scheduler (a live one starts the run in well under this). */
const ORPHAN_AFTER_MS = 10_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

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
    for (const e of this.entries) await this.recoverOrphans(e);
    for (const e of this.entries) await this.catchUp(e);
    if (this.stopped) return;
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
      if (this.stopped) return; // the rest stay missed: the next scheduler catches them up
      if (e.schedule.catchup === 'all') await this.tick(e, tick);
      else await this.engine.store.claimTick(e.pipeline, tick, `${this.identity} (skipped: catchup none)`);
    }
  }

  /**
   * Ticks claimed to fire whose run was never created (their scheduler died between the two):
   * started now under the run id claimed with them (catchup: all), or recorded as skipped (none).
   * The run id is the runs table's primary key, so a tick's run can never be created twice, even
   * if its first scheduler was only slow.
   */
  private async recoverOrphans(e: ScheduledPipeline): Promise<void> {
    for (const o of await orphanTicks(this.engine.database.db, e.pipeline, Date.now() - ORPHAN_AFTER_MS)) {
      if (this.stopped) return;
      const at = new Date(o.tick).toISOString();
      if (e.schedule.catchup === 'none') {
        await recordTickRun(
          this.engine.database.db,
          e.pipeline,
          o.tick,
          null,
          `${o.firedBy} (skipped: catchup none; its scheduler stopped before the run started)`,
        );
        this.log(`${e.pipeline}: tick ${at} was claimed by ${o.firedBy}, which stopped before its run started: skipped (catchup: none)`);
        continue;
      }
      this.log(`${e.pipeline}: tick ${at} was claimed by ${o.firedBy}, which stopped before its run started: starting run ${o.runId}`);
      await this.start1(e, o.tick, o.runId);
    }
  }

  private armLocal(e: ScheduledPipeline): void {
    if (this.stopped) return;
    const at = nextTicks(e.schedule, new Date(), 1)[0]?.getTime();
    if (at === undefined) return;
    const wait = at - Date.now();
    // setTimeout fires at once past 2^31-1 ms (~24.8 days): a monthly or yearly tick waits in steps.
    if (wait > MAX_TIMER_MS) {
      this.timers.set(
        e.pipeline,
        setTimeout(() => this.armLocal(e), MAX_TIMER_MS),
      );
      return;
    }
    this.timers.set(
      e.pipeline,
      setTimeout(
        () => {
          this.armLocal(e);
          void this.tick(e, at);
        },
        Math.max(0, wait),
      ),
    );
  }

  private async startDistributed(): Promise<void> {
    const settings = distributedSettings(this.profile);
    const { Queue, Worker } = await import('bullmq');
    this.queue = new Queue(queueName(SCHEDULE_QUEUE), { connection: await redisConnection(settings.redisUrl), prefix: settings.prefix });
    for (const e of this.entries) {
      await this.queue.upsertJobScheduler(
        e.pipeline,
        { pattern: e.schedule.cron, tz: e.schedule.timezone },
        { name: 'tick', data: { pipeline: e.pipeline }, opts: { removeOnComplete: true, removeOnFail: true } },
      );
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
      await this.recoverOrphans(e).catch((err) => this.log(`${e.pipeline}: checking for ticks without their run: ${errorMessage(err)}`));
      const runId = newRunId();
      if (!(await this.engine.store.claimTick(e.pipeline, tick, this.identity, runId))) return;
      this.log(`${e.pipeline}: tick ${new Date(tick).toISOString()} fired`);
      await this.start1(e, tick, runId);
    })();
    this.inFlight.add(work);
    await work.finally(() => this.inFlight.delete(work));
  }

  private async start1(e: ScheduledPipeline, tick: number, runId: string): Promise<void> {
    this.fired.push({ pipeline: e.pipeline, tick, runId });
    try {
      await this.options.fire(e, tick, runId);
      this.log(`${e.pipeline}: tick ${new Date(tick).toISOString()} -> run ${runId}`);
    } catch (err) {
      this.log(`${e.pipeline}: tick ${new Date(tick).toISOString()} failed to start: ${errorMessage(err)}`);
    }
  }

  /** Fires nothing more: a catch-up in progress ends after its current tick. */
  halt(): void {
    this.stopped = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    await this.worker?.close();
    await this.queue?.close();
    await Promise.allSettled([...this.inFlight]);
  }
}
