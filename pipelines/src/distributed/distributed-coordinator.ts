import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Engine } from '../exec/engine.js';
import { errorMessage } from '../exec/errors.js';
import { summarizeRun, type RunSummary } from '../exec/run-summary.js';
import { newRunId, type RunEvent, type RunOptions } from '../exec/run-types.js';
import type { PipelineGraph } from '../spec/compile-pipeline.js';
import type { Profile } from '../spec/profile.js';
import { cancelRun } from './dag-recovery.js';
import { DagStore } from './dag-store.js';
import { distributedSettings, workerIdentity } from './distributed-config.js';
import { JobTransport } from './job-transport.js';
import { Sweeper } from './sweeper.js';

const POLL_MS = 200;

function requirePostgres(engine: Engine): void {
  if (engine.database.dialect !== 'postgres') {
    throw new Error(
      'the distributed executor keeps its state in PostgreSQL: set database.url in the profile, DATABASE_URL, or --database-url (PGlite admits one process)',
    );
  }
}

/**
 * `datanet run` with the distributed profile: creates the run, queues the steps that need nothing,
 * and watches the run store until the run ends. Workers do the rest, including starting the steps
 * that become ready, so a coordinator that dies loses nothing: `datanet resume` reattaches.
 */
export class DistributedCoordinator {
  private readonly dag: DagStore;
  private readonly transport: JobTransport;

  constructor(
    private readonly engine: Engine,
    profile: Profile,
  ) {
    requirePostgres(engine);
    this.dag = new DagStore(engine.database.db);
    this.transport = new JobTransport(distributedSettings(profile), engine.database.db);
  }

  /** Creates the run and dispatches its first steps; returns without waiting (schedules use this). */
  async submit(graph: PipelineGraph, options: RunOptions): Promise<string> {
    const runId = options.runId ?? newRunId();
    const file = resolve(graph.file);
    await this.engine.store.createRun(
      {
        id: runId,
        pipeline: graph.name,
        file,
        spec_yaml: await readFile(file, 'utf8'),
        params: graph.params,
        options: { noCache: !!options.noCache, from: options.from ?? [], paramOverrides: options.paramOverrides ?? {} },
        status: 'running',
        executor: 'distributed',
        created_at: Date.now(),
      },
      [...graph.steps.values()].map((s) => ({ step_id: s.id, pool: s.pool })),
    );
    await this.engine.store.setRunStatus(runId, 'running', { started_at: Date.now() });
    this.engine.store.event(runId, null, 'info', 'run.started', `run started (distributed) by ${workerIdentity()}`, {
      coordinator: workerIdentity(),
    });
    const sends = await this.dag.initRun(runId, graph);
    await this.transport.send(sends).catch(() => {}); // left unsent, the sweepers send them
    return runId;
  }

  async run(graph: PipelineGraph, options: RunOptions): Promise<RunSummary> {
    try {
      const runId = await this.submit(graph, options);
      return await this.watch(runId, graph, options, false);
    } finally {
      await this.transport.close();
    }
  }

  /** Resumes a distributed run: unfinished steps are queued again; running ones keep their workers. */
  async resume(graph: PipelineGraph, runId: string, options: RunOptions): Promise<RunSummary> {
    try {
      const sends = await this.dag.reconcile(runId, graph);
      this.engine.store.event(
        runId,
        null,
        'info',
        'run.resumed',
        `run resumed (distributed) by ${workerIdentity()}: ${sends.length} step(s) queued`,
      );
      await this.transport.send(sends).catch(() => {});
      return await this.watch(runId, graph, options, true);
    } finally {
      await this.transport.close();
    }
  }

  /** Follows the run in the store, turning step changes into progress events, until it ends. */
  private async watch(runId: string, graph: PipelineGraph, options: RunOptions, resumed: boolean): Promise<RunSummary> {
    const { store } = this.engine;
    const emit = (e: RunEvent) => options.listener?.(e);
    const sweeper = new Sweeper(this.dag, this.transport, `coordinator ${workerIdentity()}`, (m) =>
      emit({ type: 'log', stepId: '-', level: 'warn', message: m }),
    );
    sweeper.start();
    const started = Date.now();
    emit({ type: 'run-started', runId, steps: [...graph.steps.keys()], resumed });
    let cancelling = false;
    const onAbort = () => {
      cancelling = true;
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const seen = new Map<string, string>();
    let lastEvent = 0;
    try {
      for (;;) {
        if (cancelling) {
          cancelling = false;
          await cancelRun(this.dag, runId);
        }
        const run = await store.getRun(runId);
        if (!run) throw new Error(`run ${runId} disappeared from the run store`);
        await this.report(runId, seen, emit);
        lastEvent = await this.forwardLogs(runId, lastEvent, emit);
        // A waiting run holds nothing: the coordinator returns, and a wake or resume continues it.
        if (['succeeded', 'failed', 'cancelled', 'waiting'].includes(run.status)) {
          await store.flushEvents();
          emit({ type: 'run-finished', runId, status: run.status, error: run.error ?? undefined });
          return summarizeRun(
            this.engine.store,
            runId,
            graph.name,
            Date.now() - started,
            run.status as RunSummary['status'],
            run.error ?? undefined,
          );
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      await sweeper.stop();
    }
  }

  private async report(runId: string, seen: Map<string, string>, emit: (e: RunEvent) => void): Promise<void> {
    const rows = await this.engine.database.db
      .selectFrom('steps')
      .select(['step_id', 'status', 'attempts', 'cached', 'reason', 'error', 'duration_ms', 'pending_parts'])
      .where('run_id', '=', runId)
      .where('partition', '=', '')
      .execute();
    for (const r of rows) {
      const state = `${r.status}:${r.attempts}:${r.pending_parts ?? ''}`;
      if (seen.get(r.step_id) === state) continue;
      seen.set(r.step_id, state);
      if (r.status === 'running') emit({ type: 'step-started', stepId: r.step_id, attempt: Number(r.attempts) });
      else if (r.status === 'succeeded')
        emit({
          type: 'step-finished',
          stepId: r.step_id,
          cached: Boolean(r.cached),
          durationMs: Number(r.duration_ms ?? 0),
          reason: r.reason ?? '',
        });
      else if (r.status === 'failed')
        emit({ type: 'step-failed', stepId: r.step_id, attempt: Number(r.attempts), error: r.error ?? 'failed' });
      else if (r.status === 'skipped' || r.status === 'cancelled')
        emit({ type: 'step-skipped', stepId: r.step_id, reason: r.reason ?? r.status });
    }
  }

  /** Worker logs reach the run's events; the coordinator prints the warnings and errors among them. */
  private async forwardLogs(runId: string, after: number, emit: (e: RunEvent) => void): Promise<number> {
    try {
      const rows = await this.engine.database.db
        .selectFrom('events')
        .select(['id', 'step_id', 'level', 'message'])
        .where('run_id', '=', runId)
        .where('id', '>', after)
        .where('level', 'in', ['warn', 'error'])
        .orderBy('id')
        .limit(200)
        .execute();
      for (const r of rows) emit({ type: 'log', stepId: r.step_id ?? '-', level: r.level, message: r.message });
      return rows.length ? Number(rows[rows.length - 1].id) : after;
    } catch (err) {
      emit({ type: 'log', stepId: '-', level: 'warn', message: errorMessage(err) });
      return after;
    }
  }
}
