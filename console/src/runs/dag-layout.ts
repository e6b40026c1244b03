import type { GraphStep } from './run-types';

export const NODE_W = 190;
export const NODE_H = 56;

/** Above this many steps the graph is laid out here in linear time: elkjs takes seconds on such graphs. */
const ELK_MAX_STEPS = 150;

/**
 * Positions of the steps, left to right (or top down): elkjs's layered algorithm (loaded on first
 * use) for graphs people read step by step, a longest-path layering with one barycentre pass for
 * big generated ones.
 */
export async function layoutDag(steps: GraphStep[], direction: 'RIGHT' | 'DOWN'): Promise<Map<string, { x: number; y: number }>> {
  if (steps.length > ELK_MAX_STEPS) return layeredLayout(steps, direction);
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const ids = new Set(steps.map((s) => s.id));
  const graph = await elk.layout({
    id: 'run',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': direction,
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
      'elk.spacing.nodeNode': '20',
    },
    children: steps.map((s) => ({ id: s.id, width: NODE_W, height: NODE_H })),
    edges: steps.flatMap((s) => s.needs.filter((n) => ids.has(n)).map((n) => ({ id: `${n}->${s.id}`, sources: [n], targets: [s.id] }))),
  });
  return new Map((graph.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}

/** Layers by longest path from the sources; within a layer, ordered by the mean position of each step's parents. */
function layeredLayout(steps: GraphStep[], direction: 'RIGHT' | 'DOWN'): Map<string, { x: number; y: number }> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const layer = new Map<string, number>();
  const depth = (id: string, seen: Set<string>): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle cannot come from a valid pipeline; do not loop on one
    seen.add(id);
    const needs = byId.get(id)?.needs.filter((n) => byId.has(n)) ?? [];
    const d = needs.length ? 1 + Math.max(...needs.map((n) => depth(n, seen))) : 0;
    layer.set(id, d);
    return d;
  };
  const layers: string[][] = [];
  for (const s of steps) (layers[depth(s.id, new Set())] ??= []).push(s.id);
  const rank = new Map<string, number>();
  for (const ids of layers) {
    if (!ids) continue;
    const key = (id: string) => {
      const parents = (byId.get(id)?.needs ?? []).map((n) => rank.get(n)).filter((r): r is number => r !== undefined);
      return parents.length ? parents.reduce((a, b) => a + b, 0) / parents.length : 0;
    };
    ids.sort((a, b) => key(a) - key(b));
    ids.forEach((id, i) => rank.set(id, i));
  }
  const out = new Map<string, { x: number; y: number }>();
  layers.forEach((ids, l) =>
    ids?.forEach((id, i) =>
      out.set(id, direction === 'RIGHT' ? { x: l * (NODE_W + 48), y: i * (NODE_H + 20) } : { x: i * (NODE_W + 20), y: l * (NODE_H + 48) }),
    ),
  );
  return out;
}
