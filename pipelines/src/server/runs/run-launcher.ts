import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Engine } from '../../exec/engine.js';
import { newRunId, resumeRunGraph, runPipeline } from '../../exec/in-process-executor.js';
import { compilePipeline, compilePipelineSource } from '../../spec/compile-pipeline.js';
import { formatDiagnostic, type Diagnostic } from '../../spec/diagnostic.js';
import type { Profile } from '../../spec/profile.js';
import type { RunStatus } from '../../store/statuses.js';
import { YamlSource } from '../../spec/yaml-source.js';

export const PIPELINE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Runs that a resume may continue: ended without success, or parked on their waits. */
const RESUMABLE: readonly RunStatus[] = ['failed', 'cancelled', 'waiting'];

export class LaunchError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    readonly code: string,
    message: string,
    readonly diagnostics: string[] = [],
  ) {
    super(message);
  }
}

/**
 * Whether a parameter value names a file path: absolute (/etc/x, \\\\host\\x, C:\\x), climbing out
 * (a ".." segment), a home folder ("~") or a file: URL. Operators resolve path parameters against
 * the pipeline's folder (configs/pipelines), so such a value can name any file the server can read
 * or write. The rule looks at values, not at which parameter a pipeline treats as a path, so it
 * holds for every pipeline, including ones written later.
 */
export function isPathLike(value: string): boolean {
  const v = value.trim();
  return (
    v.startsWith('/') ||
    v.startsWith('\\') ||
    v.startsWith('~') ||
    /^[A-Za-z]:[\\/]/.test(v) ||
    /^file:/i.test(v) ||
    v.split(/[\\/]/).some((seg) => seg.trim() === '..')
  );
}

/**
 * The folders a path-like value from a Datanet steward may name: the public corpora kept beside
 * the checkout (`../shared/corpora`, or DATANET_CORPORA), which the shipped pipelines read by
 * default. Not the checkout itself: it holds the state, configs/ (Datanet roles) and secrets.
 */
export function corporaRoots(configRoot: string): string[] {
  return [resolve(configRoot, '..', 'shared', 'corpora'), ...(process.env.DATANET_CORPORA ? [resolve(process.env.DATANET_CORPORA)] : [])];
}

/** A path-like value that, resolved as operators resolve it (against configs/pipelines), lies outside these folders. */
export function pathOutside(value: string, configRoot: string, roots: string[]): boolean {
  if (!isPathLike(value)) return false;
  const v = value.trim();
  if (v.startsWith('~') || v.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(v) || /^file:/i.test(v) || v.includes('\\')) return true;
  const at = resolve(configRoot, 'configs', 'pipelines', v);
  return !roots.some((r) => at === r || at.startsWith(r.endsWith(sep) ? r : r + sep));
}

/** Who launches: whether they hold steward (or owner) on the deployment ('*'). */
export interface Launcher {
  deploymentSteward: boolean;
}

/**
 * Starts and resumes runs on the engine this server hosts. Only pipelines under the configs folder
 * can be launched, by name. Parameters can name files too (a corpus, say): a caller who is not a
 * steward of the deployment may pass a path-like value (isPathLike) only inside the public corpora
 * (corporaRoots); a Datanet's steward otherwise runs its pipelines on what they ship. Runs started here can be
 * cancelled here; the run itself lives in the store, so any replica can read it.
 */
export class RunLauncher {
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly engine: Engine,
    private readonly profile: Profile,
    private readonly configRoot: string,
    private readonly log: FastifyBaseLogger,
  ) {}

  pipelineFile(name: string): string {
    if (!PIPELINE_NAME.test(name))
      throw new LaunchError(
        400,
        'bad_pipeline_name',
        `pipeline ${JSON.stringify(name)}: a name is lower-case letters, digits, ".", "_" or "-"`,
      );
    const file = join(this.configRoot, 'configs', 'pipelines', `${name}.yaml`);
    if (!existsSync(file)) throw new LaunchError(404, 'unknown_pipeline', `no pipeline ${name} (configs/pipelines/${name}.yaml)`);
    return file;
  }

  /** Validates as `datanet validate` does, then starts the run in the background. */
  private relative(diagnostics: Diagnostic[]): Diagnostic[] {
    // Callers see paths from the repository root, not the server's folders.
    return diagnostics.map((d) => ({
      ...d,
      file: d.file.startsWith(`${this.configRoot}/`) ? d.file.slice(this.configRoot.length + 1) : d.file,
    }));
  }

  async launch(name: string, params: Record<string, string>, by: Launcher): Promise<{ runId: string }> {
    const file = this.pipelineFile(name);
    if (!by.deploymentSteward) {
      const roots = corporaRoots(this.configRoot);
      const paths = Object.entries(params).filter(([, v]) => pathOutside(v, this.configRoot, roots));
      if (paths.length)
        throw new LaunchError(
          403,
          'path_parameter',
          `parameter ${paths.map(([k]) => k).join(', ')}: a file path (absolute, "..", "~" or file:) outside the public corpora (../shared/corpora) may be passed by a steward of the deployment ('*') only; leave the parameter to the pipeline's default`,
        );
    }
    const { graph, diagnostics } = await compilePipeline(file, { params, extraPlugins: this.profile.plugins });
    if (!graph) throw invalid(this.relative(diagnostics), `pipeline ${name} is not valid`);
    const runId = newRunId();
    const options = {
      runId,
      signal: undefined as AbortSignal | undefined,
      resources: this.profile.resources ?? {},
      concurrency: this.profile.concurrency,
      paramOverrides: params,
    };
    // Under the distributed profile this server is a coordinator: the steps run on the workers.
    this.track(runId, async (signal) =>
      this.profile.executor === 'distributed'
        ? (await import('../../distributed/distributed-run.js')).runDistributed(this.engine, graph, this.profile, { ...options, signal })
        : runPipeline(this.engine, graph, { ...options, signal }),
    );
    return { runId };
  }

  /** Retries one failed step (and what depends on it) of a finished run; finished steps are kept. */
  async retryStep(runId: string, stepId: string): Promise<void> {
    const steps = await this.engine.store.getSteps(runId);
    if (steps.length === 0 && !(await this.engine.store.getRun(runId))) throw new LaunchError(404, 'unknown_run', `no run ${runId}`);
    const step = steps.find((s) => s.step_id === stepId);
    if (!step)
      throw new LaunchError(404, 'unknown_step', `run ${runId} has no step ${stepId} (steps: ${steps.map((s) => s.step_id).join(', ')})`);
    if (step.status !== 'failed')
      throw new LaunchError(409, 'step_not_failed', `step ${stepId} of run ${runId} is ${step.status}; only a failed step is retried`);
    await this.resume(runId, [stepId]);
  }

  async resume(runId: string, retry?: string[]): Promise<void> {
    const run = await this.engine.store.getRun(runId);
    if (!run) throw new LaunchError(404, 'unknown_run', `no run ${runId}`);
    if (run.status === 'succeeded') throw new LaunchError(409, 'already_succeeded', `run ${runId} already succeeded; nothing to resume`);
    if (this.running.has(runId) || !RESUMABLE.includes(run.status)) throw new LaunchError(409, 'running', `run ${runId} is ${run.status}`);
    const overrides = (run.options.paramOverrides ?? {}) as Record<string, string>;
    const { graph, diagnostics } = await compilePipelineSource(new YamlSource(run.file, run.spec_yaml), {
      params: overrides,
      extraPlugins: this.profile.plugins,
    });
    if (!graph) throw invalid(diagnostics, `run ${runId}'s pipeline no longer compiles`);
    // Claimed in the store before it starts: of two resumes (a double click, two replicas, the
    // waker continuing a waiting run) only one executes the run; the other is told it runs.
    if (!(await this.engine.store.claimRun(runId, RESUMABLE)))
      throw new LaunchError(409, 'running', `run ${runId} is already being resumed`);
    const from = retry ?? ((run.options.from ?? []) as string[]);
    const options = {
      noCache: Boolean(run.options.noCache),
      from,
      resources: this.profile.resources ?? {},
      concurrency: this.profile.concurrency,
    };
    this.track(runId, async (signal) =>
      run.executor === 'distributed'
        ? (await import('../../distributed/distributed-run.js')).resumeDistributed(this.engine, graph, this.profile, runId, {
            ...options,
            signal,
          })
        : resumeRunGraph(this.engine, graph, runId, { ...options, signal }),
    );
  }

  /**
   * Cancels a run; it stays resumable. One executing in this process is aborted. One that waits
   * (parked steps, nothing executing anywhere), or a distributed one (its workers read the store),
   * is cancelled in the store, as `datanet cancel` does. 'over': it had already ended; 'elsewhere':
   * an in-process run executing in another process.
   */
  async cancel(runId: string): Promise<'cancelling' | 'over' | 'elsewhere'> {
    const ac = this.running.get(runId);
    if (ac) {
      ac.abort();
      return 'cancelling';
    }
    const run = await this.engine.store.getRun(runId);
    if (!run || !['queued', 'running', 'waiting'].includes(run.status)) return 'over';
    if (run.status !== 'waiting' && run.executor !== 'distributed') return 'elsewhere';
    const { DagStore } = await import('../../distributed/dag-store.js');
    const { cancelRun } = await import('../../distributed/dag-recovery.js');
    // cancelRun writes run.finished in the transaction that makes the run cancelled (as `datanet cancel` does).
    if (!(await cancelRun(new DagStore(this.engine.database.db), runId))) return 'over';
    this.engine.store.runsWritten([runId]);
    return 'cancelling';
  }

  /** Calls `fn` when this server writes events or a status of the run (its live streams wake at once). */
  watch(runId: string, fn: () => void): () => void {
    return this.engine.store.watchRun(runId, fn);
  }

  /** Graceful shutdown: cancel what runs here (resumable) and wait for it to stop. */
  async stop(): Promise<void> {
    for (const ac of this.running.values()) ac.abort();
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 50));
  }

  private track(runId: string, start: (signal: AbortSignal) => Promise<unknown>): void {
    const ac = new AbortController();
    this.running.set(runId, ac);
    start(ac.signal)
      .catch((e) => this.log.error({ runId, err: { message: (e as Error).message } }, 'run failed to execute'))
      .finally(() => this.running.delete(runId));
  }
}

function invalid(diagnostics: Diagnostic[], message: string): LaunchError {
  return new LaunchError(400, 'invalid_pipeline', message, diagnostics.map(formatDiagnostic));
}
