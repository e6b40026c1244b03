import type { GraphStep } from './run-types';

export const NODE_W = 190;
export const NODE_H = 56;

/** Positions of the steps, laid out left to right by elkjs's layered algorithm (loaded on first use). */
export async function layoutDag(steps: GraphStep[], direction: 'RIGHT' | 'DOWN'): Promise<Map<string, { x: number; y: number }>> {
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
      // The default crossing minimisation is quadratic-ish on wide layers; this keeps 500 steps fast.
      'elk.layered.crossingMinimization.strategy': steps.length > 150 ? 'INTERACTIVE' : 'LAYER_SWEEP',
      'elk.layered.nodePlacement.strategy': steps.length > 150 ? 'SIMPLE' : 'BRANDES_KOEPF',
    },
    children: steps.map((s) => ({ id: s.id, width: NODE_W, height: NODE_H })),
    edges: steps.flatMap((s) => s.needs.filter((n) => ids.has(n)).map((n) => ({ id: `${n}->${s.id}`, sources: [n], targets: [s.id] }))),
  });
  return new Map((graph.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}
