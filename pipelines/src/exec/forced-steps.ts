import type { PipelineGraph } from '../spec/compile-pipeline.js';

/**
 * Steps named in `from` and every step downstream of them: run again whatever the cache says.
 * The one closure used by `plan`, the in-process executor and the distributed run graphs.
 */
export function forcedSteps(graph: PipelineGraph, from: readonly string[]): Set<string> {
  const forced = new Set<string>();
  const mark = (id: string) => {
    if (forced.has(id)) return;
    forced.add(id);
    for (const s of graph.steps.values()) if (s.deps.includes(id)) mark(s.id);
  };
  from.forEach(mark);
  return forced;
}
