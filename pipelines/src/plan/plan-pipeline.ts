import { existsSync } from 'node:fs';
import type { ArtifactRef } from '../operator/operator-context.js';
import type { PipelineGraph } from '../spec/compile-pipeline.js';
import { interpolate, readSecret } from '../spec/interpolate.js';
import { parseOperatorConfig } from '../spec/operator-config.js';
import { cacheKeyOf } from '../exec/cache-key.js';
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
 * it would run or be served from the cache, and why. Nothing is executed.
 */
export async function planPipeline(graph: PipelineGraph, store: RunStore, options: { noCache?: boolean; from?: string[]; stateDir: string }): Promise<Plan> {
  const known = new Map<string, Record<string, ArtifactRef>>();
  const forced = new Set<string>();
  const force = (id: string) => {
    if (forced.has(id)) return;
    forced.add(id);
    for (const s of graph.steps.values()) if (s.deps.includes(id)) force(s.id);
  };
  for (const f of options.from ?? []) force(f);
  const steps: PlannedStep[] = [];
  for (const [layer, ids] of graph.layers.entries()) {
    for (const id of ids) {
      const node = graph.steps.get(id)!;
      const base = { id, uses: node.op.type, layer, needs: node.deps, pool: node.pool, ...(node.spec.foreach ? { foreach: node.spec.foreach.by ? `by ${node.spec.foreach.by}` : `${node.spec.foreach.shards} shards` } : {}) };
      const pending = Object.values(node.inputs).map((w) => w.step).filter((s) => !known.has(s));
      if (pending.length) {
        steps.push({ ...base, cacheKey: null, willRun: true, reason: `upstream ${pending.map((p) => `"${p}"`).join(', ')} will run, so its inputs are not known yet` });
        continue;
      }
      const inputs = Object.fromEntries(Object.entries(node.inputs).map(([port, w]) => [port, known.get(w.step)![w.output]]));
      let fingerprint: unknown;
      if (node.op.fingerprint) {
        const config = parseOperatorConfig(node.op, interpolate(node.config, (ns, name) => (ns === 'env' ? process.env[name] : ns === 'secrets' ? readSecret(name) : undefined) ?? ''));
        fingerprint = await node.op.fingerprint(config, { pipelineDir: graph.dir, stateDir: options.stateDir });
      }
      const key = cacheKeyOf(node, inputs, undefined, fingerprint);
      let reason: string;
      let willRun = true;
      if (forced.has(id)) reason = 'forced by --from';
      else if (options.noCache) reason = 'cache disabled (--no-cache)';
      else if (!node.cache) reason = node.op.cacheable === false ? `${node.op.type} is never cached (external effects)` : 'cache: false in the pipeline';
      else {
        const hit = await store.getCache(key);
        const verified = hit && node.op.verifyCached ? await node.op.verifyCached(parseOperatorConfig(node.op, interpolate(node.config, (ns, name) => (ns === 'env' ? process.env[name] : ns === 'secrets' ? readSecret(name) : undefined) ?? '')), hit, { pipelineDir: graph.dir, stateDir: options.stateDir }) : true;
        if (hit && verified && Object.values(hit).every((a) => existsSync(a.path))) {
          known.set(id, hit);
          willRun = false;
          reason = 'cached: a stored result has this key';
        } else reason = hit ? 'cache entry found but its artifacts are gone' : 'no stored result for this key';
      }
      steps.push({ ...base, cacheKey: key, willRun, reason });
    }
  }
  return { pipeline: graph.name, layers: graph.layers, steps };
}
