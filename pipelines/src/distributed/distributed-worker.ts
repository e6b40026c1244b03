import { execFileSync } from 'node:child_process';
import type { Worker as BullWorker } from 'bullmq';
import type { Engine } from '../exec/engine.js';
import { errorMessage } from '../exec/errors.js';
import type { Profile } from '../spec/profile.js';
import { DagStore } from './dag-store.js';
import { distributedSettings, queueName, workerIdentity, type DistributedSettings, type StepJob } from './distributed-config.js';
import { JobTransport, redisConnection } from './job-transport.js';
import { RunGraphs } from './run-graphs.js';
import { StepRunner, WorkerShutdownError } from './step-runner.js';
import { Sweeper } from './sweeper.js';
import { WorkerMetrics } from './worker-metrics.js';

export interface WorkerOptions {
  pools: string[];
  /** Jobs run at once on each non-GPU pool. */
  concurrency: number;
  /** GPUs this worker offers to the `gpu` pool: one GPU step per GPU at a time. */
  gpus: number;
  identity?: string;
  log?: (line: string) => void;
  /** Serve Prometheus metrics on this port (0: any free one). */
  metricsPort?: number;
}

/** GPUs nvidia-smi lists, or 0 where there is none. */
export function detectGpus(): number {
  try {
    return execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000 })
      .split('\n')
      .filter((l) => l.startsWith('GPU ')).length;
  } catch {
    return 0;
  }
}

/**
 * A worker process: serves the BullMQ queues of its pools, runs each job through StepRunner, and
 * sweeps like every other process of the cluster. SIGTERM stops taking jobs, lets the running ones
 * finish for a grace period, then aborts and hands them back.
 */
export class DistributedWorker {
  readonly identity: string;
  readonly settings: DistributedSettings;
  private readonly dag: DagStore;
  private readonly transport: JobTransport;
  private readonly runner: StepRunner;
  private readonly sweeper: Sweeper;
  private readonly workers: BullWorker[] = [];
  private readonly freeGpus: number[];
  private readonly log: (line: string) => void;
  counts = { ran: 0, duplicate: 0, lost: 0 };
  readonly metrics: WorkerMetrics | undefined;
  /** Where /metrics is served, once started. */
  metricsUrl: string | undefined;

  constructor(
    private readonly engine: Engine,
    profile: Profile,
    private readonly options: WorkerOptions,
  ) {
    if (engine.database.dialect !== 'postgres')
      throw new Error(
        'a worker needs the run store on PostgreSQL (set database.url in the profile, or DATABASE_URL): PGlite admits one process',
      );
    if (options.pools.includes('gpu') && options.gpus < 1)
      throw new Error('this worker serves the gpu pool but has no GPU: pass --gpus N (nvidia-smi found none)');
    this.identity = options.identity ?? workerIdentity();
    this.settings = distributedSettings(profile);
    this.log = options.log ?? (() => {});
    this.dag = new DagStore(engine.database.db);
    this.transport = new JobTransport(this.settings, engine.database.db);
    this.metrics = options.metricsPort !== undefined ? new WorkerMetrics({ worker: this.identity }) : undefined;
    this.runner = new StepRunner({
      engine,
      dag: this.dag,
      transport: this.transport,
      graphs: new RunGraphs(engine.store, profile.plugins ?? []),
      settings: this.settings,
      worker: this.identity,
      resources: profile.resources ?? {},
      metrics: this.metrics,
    });
    this.sweeper = new Sweeper(this.dag, this.transport, this.identity, (m) => this.log(m));
    this.freeGpus = Array.from({ length: options.gpus }, (_, i) => i);
  }

  async start(): Promise<void> {
    if (this.metrics) this.metricsUrl = await this.metrics.serve(this.options.metricsPort!);
    const { Worker } = await import('bullmq');
    for (const pool of this.options.pools) {
      const gpu = pool === 'gpu';
      const worker = new Worker<StepJob>(queueName(pool), (job) => this.process(job.data, job.id!, pool), {
        connection: await redisConnection(this.settings.redisUrl),
        prefix: this.settings.prefix,
        concurrency: gpu ? this.options.gpus : this.options.concurrency,
        // PostgreSQL leases decide who owns a step; BullMQ's stall detection only re-delivers
        // jobs, which the claim then recognises as duplicates.
        lockDuration: Math.max(10_000, this.settings.leaseMs * 2),
        stalledInterval: Math.max(5_000, this.settings.leaseMs),
        maxStalledCount: 5,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 0 },
      });
      worker.on('error', (err) => this.log(`worker ${pool}: ${errorMessage(err)}`));
      this.workers.push(worker);
    }
    this.sweeper.start();
    this.log(
      `worker ${this.identity} serving ${this.options.pools.join(', ')} (concurrency ${this.options.concurrency}${this.options.gpus ? `, ${this.options.gpus} GPU(s)` : ''})`,
    );
  }

  private async process(job: StepJob, jobId: string, pool: string): Promise<void> {
    // BullMQ's concurrency equals the GPU count, so a free GPU is always there for a gpu job.
    const device = pool === 'gpu' ? this.freeGpus.shift() : undefined;
    const m = this.metrics;
    const t0 = performance.now();
    m?.active.inc({ pool });
    try {
      const extra = device !== undefined ? { gpu: { index: device, visibleDevices: String(device) } } : {};
      const outcome = await this.runner.handle(job, jobId, extra);
      this.counts[outcome]++;
      m?.jobs.inc({ pool, outcome });
    } finally {
      m?.active.dec({ pool });
      m?.jobSeconds.observe({ pool }, (performance.now() - t0) / 1000);
      if (device !== undefined) this.freeGpus.push(device);
    }
  }

  async sweep() {
    return this.sweeper.sweep();
  }

  /** Stops taking jobs; running ones get `graceMs` to finish, then are aborted and handed back. */
  async stop(graceMs = 30_000): Promise<void> {
    const closing = Promise.all(this.workers.map((w) => w.close()));
    const timer = setTimeout(() => {
      for (const ac of this.runner.active.values()) ac.abort(new WorkerShutdownError(`worker ${this.identity} is shutting down`));
    }, graceMs);
    await closing.catch(() => {});
    clearTimeout(timer);
    await this.sweeper.stop();
    await this.engine.store.flushEvents();
    await this.transport.close();
    await this.metrics?.close();
  }
}
