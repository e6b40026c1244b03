import type { ArtifactRef } from '../operator/operator-context.js';
import type { PipelineGraph } from '../spec/compile-pipeline.js';
import { errorMessage } from '../exec/errors.js';
import { forcedSteps } from '../exec/forced-steps.js';
import { artifactsExist } from '../exec/foreach.js';
import { findCached, prepareStep, stepInputs } from '../exec/step-lifecycle.js';
import type { RunStore } from '../store/run-store.js';

export interface PlannedStep {
  id: string;
  uses: string;
  layer: number;
  needs: string[];
  pool: string;
  /** Known when every input's digest is known (upstream cached, or no inputs). */
  cacheKey: string | null;
  willRun: boolean;
  reason: string;
  foreach?: string;
}

export interface Plan {
  pipeline: string;
  layers: string[][];
  steps: PlannedStep[];
}

/**
 * What a run would do now: the DAG in topological layers and, per step, its cache key and whether
 * it would run or be served from the cache, and why. Nothing is executed. The key, the forced set
 * and the cache decision are the executors' own (exec/step-lifecycle.ts), so plan and run agree.
 */
export async function planPipeline(
  graph: PipelineGraph,
  store: RunStore,
  options: { noCache?: boolean; from?: string[]; stateDir: string },
): Promise<Plan> {
  const known = new Map<string, Record<string, ArtifactRef>>();
  const forced = forcedSteps(graph, options.from ?? []);
  const env = { pipelineDir: graph.dir, stateDir: options.stateDir };
  const steps: PlannedStep[] = [];
  for (const [layer, ids] of graph.layers.entries()) {
    for (const id of ids) {
      const node = graph.steps.get(id)!;
      const base = {
        id,
        uses: node.op.type,
        layer,
        needs: node.deps,
        pool: node.pool,
        ...(node.spec.foreach
          ? { foreach: node.spec.foreach.by ? `by ${node.spec.foreach.by}` : `${node.spec.foreach.shards} shards` }
          : {}),
      };
      const pending = [...new Set(Object.values(node.inputs).map((w) => w.step))].filter((s) => !known.has(s));
      if (pending.length) {
        steps.push({
          ...base,
          cacheKey: null,
          willRun: true,
          reason: `upstream ${pending.map((p) => `"${p}"`).join(', ')} will run, so its inputs are not known yet`,
        });
        continue;
      }
      let step;
      try {
        step = await prepareStep(
          node,
          stepInputs(node, (s) => known.get(s)),
          env,
        );
      } catch (err) {
        steps.push({ ...base, cacheKey: null, willRun: true, reason: `its key cannot be computed: ${errorMessage(err)}` });
        continue;
      }
      let reason: string;
      let willRun = true;
      if (forced.has(id)) reason = 'forced by --from';
      else if (options.noCache) reason = 'cache disabled (--no-cache)';
      else if (!node.cache) {
        reason = node.op.cacheable === false ? `${node.op.type} is never cached (external effects)` : 'cache: false in the pipeline';
        // It runs again; what it made last time under this key is what the steps after it are keyed
        // on (a step's result depends only on its key), so plan can say whether they will be cached.
        const last = await store.lastResult(step.key);
        if (last && artifactsExist(last)) {
          known.set(id, last);
          reason += '; its last result under this key is expected again';
        }
      } else {
        const found = await findCached(store, step, env);
        reason = found.outputs ? 'cached: a stored result has this key' : found.reason;
        if (found.outputs) {
          known.set(id, found.outputs);
          willRun = false;
        }
      }
      steps.push({ ...base, cacheKey: step.key, willRun, reason });
    }
  }
  return { pipeline: graph.name, layers: graph.layers, steps };
}
