import { compilePipelineSource, type PipelineGraph } from '../spec/compile-pipeline.js';
import { ValidationError } from '../spec/diagnostic.js';
import { forcedSteps } from '../exec/forced-steps.js';
import { YamlSource } from '../spec/yaml-source.js';
import type { RunRow, RunStore } from '../store/run-store.js';

export interface RunPlan {
  run: RunRow;
  graph: PipelineGraph;
  /** Steps re-run whatever the cache says (`--from` and everything downstream of them). */
  forced: Set<string>;
  noCache: boolean;
}

/**
 * Each run's graph, compiled once per process from the snapshot of the pipeline file kept with the
 * run, so every worker executes exactly what the coordinator planned even if the file changed since.
 */
export class RunGraphs {
  private readonly plans = new Map<string, Promise<RunPlan>>();

  constructor(
    private readonly store: RunStore,
    private readonly plugins: string[] = [],
  ) {}

  get(runId: string): Promise<RunPlan> {
    let p = this.plans.get(runId);
    if (!p) {
      p = this.load(runId);
      p.catch(() => this.plans.delete(runId));
      this.plans.set(runId, p);
      // Long-lived workers see many runs: keep the most recent ones.
      if (this.plans.size > 200) this.plans.delete(this.plans.keys().next().value!);
    }
    return p;
  }

  private async load(runId: string): Promise<RunPlan> {
    const run = await this.store.getRun(runId);
    if (!run) throw new Error(`run ${runId} is not in the run store this worker uses (same database URL and schema as the coordinator?)`);
    const overrides = (run.options.paramOverrides ?? {}) as Record<string, string>;
    const { graph, diagnostics } = await compilePipelineSource(new YamlSource(run.file, run.spec_yaml), {
      params: overrides,
      extraPlugins: this.plugins,
    });
    if (!graph) throw new ValidationError(diagnostics);
    return { run, graph, forced: forcedSteps(graph, (run.options.from ?? []) as string[]), noCache: Boolean(run.options.noCache) };
  }
}
