import type { Engine } from '../exec/engine.js';
import { compilePipeline, compilePipelineSource, type PipelineGraph } from '../spec/compile-pipeline.js';
import { ValidationError } from '../spec/diagnostic.js';
import type { Profile } from '../spec/profile.js';
import { YamlSource } from '../spec/yaml-source.js';
import type { WakeTarget } from '../wait/wake-waits.js';
import type { PipelineTrigger } from './trigger-spec.js';

export interface RunStarter {
  /** Starts a triggered run under its claimed id: submitted to the workers, or run in this process to its end (or its first wait). */
  startTriggered(t: PipelineTrigger, runId: string, params: Record<string, string>): Promise<void>;
  /** Continues a run whose parked steps can go on (claimed by wakeReadyRuns): resumed here, or its steps re-queued. */
  continueRun(target: WakeTarget): Promise<void>;
  close(): Promise<void>;
}

/** How the scheduler and the wake commands start and continue runs under a profile. */
export async function runStarter(engine: Engine, profile: Profile): Promise<RunStarter> {
  const runOptions = { resources: profile.resources ?? {}, concurrency: profile.concurrency };
  const storedGraph = async (runId: string): Promise<{ graph: PipelineGraph; options: Record<string, unknown> }> => {
    const run = await engine.store.getRun(runId);
    if (!run) throw new Error(`run ${runId} is not in the run store`);
    const { graph, diagnostics } = await compilePipelineSource(new YamlSource(run.file, run.spec_yaml), {
      params: (run.options.paramOverrides ?? {}) as Record<string, string>,
      extraPlugins: profile.plugins,
    });
    if (!graph) throw new ValidationError(diagnostics);
    return { graph, options: run.options };
  };
  const compileFile = async (file: string, params: Record<string, string>) => {
    const { graph, diagnostics } = await compilePipeline(file, { params, extraPlugins: profile.plugins });
    if (!graph) throw new ValidationError(diagnostics);
    return graph;
  };

  if (profile.executor === 'distributed') {
    const { DistributedCoordinator } = await import('../distributed/distributed-coordinator.js');
    const { DagStore } = await import('../distributed/dag-store.js');
    const { JobTransport } = await import('../distributed/job-transport.js');
    const { distributedSettings } = await import('../distributed/distributed-config.js');
    const coordinator = new DistributedCoordinator(engine, profile);
    const dag = new DagStore(engine.database.db);
    const transport = new JobTransport(distributedSettings(profile), engine.database.db);
    return {
      async startTriggered(t, runId, params) {
        await coordinator.submit(await compileFile(t.file, params), { paramOverrides: params, runId });
      },
      async continueRun(target) {
        // Parked steps go back to pending and are queued; a worker re-checks each wait before running it.
        const { graph } = await storedGraph(target.runId);
        const sends = await dag.reconcile(target.runId, graph);
        engine.store.event(
          target.runId,
          null,
          'info',
          'run.woken',
          `run continued: ${target.ready.map((w) => w.stepId).join(', ')} can go on (${sends.length} job(s) queued)`,
        );
        await transport.send(sends).catch(() => {}); // left unsent, the sweepers send them
      },
      close: () => transport.close(),
    };
  }
  const { runPipeline, resumeRunGraph } = await import('../exec/in-process-executor.js');
  return {
    async startTriggered(t, runId, params) {
      await runPipeline(engine, await compileFile(t.file, params), { ...runOptions, runId, paramOverrides: params });
    },
    async continueRun(target) {
      const { graph, options } = await storedGraph(target.runId);
      engine.store.event(
        target.runId,
        null,
        'info',
        'run.woken',
        `run continued: ${target.ready.map((w) => w.stepId).join(', ')} can go on`,
      );
      await resumeRunGraph(engine, graph, target.runId, {
        ...runOptions,
        noCache: Boolean(options.noCache),
        from: (options.from ?? []) as string[],
      });
    },
    close: async () => {},
  };
}
