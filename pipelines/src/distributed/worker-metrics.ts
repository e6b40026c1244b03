// Prometheus metrics of a worker process (prom-client), served at /metrics when the worker is
// started with --metrics-port: jobs by pool and outcome, job durations, jobs in flight, and the
// size of the group-commit batches (how many jobs shared each PostgreSQL transaction).
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly jobs: Counter<'pool' | 'outcome'>;
  readonly jobSeconds: Histogram<'pool'>;
  readonly active: Gauge<'pool'>;
  readonly batchSize: Histogram<'kind'>;
  private server: Server | undefined;

  constructor(labels: Record<string, string> = {}) {
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry, prefix: 'datanet_worker_' });
    this.jobs = new Counter({
      name: 'datanet_jobs_total',
      help: 'jobs taken from the queue, by outcome: ran (succeeded or failed), duplicate (already done or stale: nothing done), lost (lease taken over)',
      labelNames: ['pool', 'outcome'],
      registers: [this.registry],
    });
    this.jobSeconds = new Histogram({
      name: 'datanet_job_duration_seconds',
      help: 'time from taking a job to its outcome',
      labelNames: ['pool'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600, 3600],
      registers: [this.registry],
    });
    this.active = new Gauge({
      name: 'datanet_jobs_active',
      help: 'jobs running on this worker now',
      labelNames: ['pool'],
      registers: [this.registry],
    });
    this.batchSize = new Histogram({
      name: 'datanet_group_commit_batch_size',
      help: 'jobs sharing one PostgreSQL transaction (claims, partition completions)',
      labelNames: ['kind'],
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [this.registry],
    });
  }

  /** Serves /metrics on the port (0: any free one); resolves to the URL. */
  async serve(port: number, host = '0.0.0.0'): Promise<string> {
    this.server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('see /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (err) => res.writeHead(500).end(String(err)),
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, resolve);
    });
    const addr = this.server.address() as { port: number };
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr.port}/metrics`;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
