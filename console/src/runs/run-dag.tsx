import { Background, Controls, Position, ReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useState } from 'react';
import { layoutDag, NODE_H, NODE_W } from './dag-layout';
import type { GraphStep, StepView } from './run-types';

const BIG = 150;

interface Props {
  graph: GraphStep[];
  steps: Map<string, StepView>;
  selected?: string;
  onSelect(stepId: string): void;
  narrow: boolean;
}

/** The run's DAG, each step coloured by its live state; a click (or Enter) opens the step. */
export default function RunDag({ graph, steps, selected, onSelect, narrow }: Props) {
  const [positions, setPositions] = useState<Map<string, { x: number; y: number }>>();
  const [error, setError] = useState<string>();
  const shape = graph.map((s) => `${s.id}<${s.needs.join(',')}`).join(';');
  useEffect(() => {
    let live = true;
    layoutDag(graph, narrow ? 'DOWN' : 'RIGHT').then(
      (p) => live && setPositions(p),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
    // Laid out again only when the graph's shape changes, not on every state change.
  }, [shape, narrow]);

  const nodes: Node[] = useMemo(
    () =>
      positions
        ? graph.map((g) => {
            const st = steps.get(g.id);
            const status = st ? (st.cached && st.status === 'succeeded' ? 'cached' : st.status) : 'pending';
            return {
              id: g.id,
              position: positions.get(g.id) ?? { x: 0, y: 0 },
              data: {
                label: (
                  <div className="dag-node-inner">
                    <strong>{g.id}</strong>
                    <span>
                      {status}
                      {g.uses ? ` · ${g.uses}` : ''}
                    </span>
                  </div>
                ),
              },
              className: `dag-node dag-${status}${selected === g.id ? ' dag-selected' : ''}`,
              // Sizes known up front: React Flow can draw without measuring 500 nodes first.
              width: NODE_W,
              height: NODE_H,
              initialWidth: NODE_W,
              initialHeight: NODE_H,
              ariaLabel: `step ${g.id}: ${status}`,
              // Edges leave and enter on the sides the layout flows along.
              sourcePosition: narrow ? Position.Bottom : Position.Right,
              targetPosition: narrow ? Position.Top : Position.Left,
              draggable: false,
              connectable: false,
            } satisfies Node;
          })
        : [],
    [graph, steps, positions, selected, narrow],
  );
  const edges: Edge[] = useMemo(
    () =>
      graph.flatMap((g) =>
        g.needs.map((n) => ({
          id: `${n}->${g.id}`,
          source: n,
          target: g.id,
          animated: steps.get(g.id)?.status === 'running',
        })),
      ),
    [graph, steps],
  );

  if (error) return <div className="state error">The graph could not be laid out: {error}</div>;
  if (!positions)
    return (
      <div className="state" role="status">
        Laying out {graph.length} steps…
      </div>
    );
  return (
    <div className="dag" data-testid="dag" data-steps={graph.length}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        // A big graph opens at reading size on its first layers, so only what is on screen is
        // drawn (onlyRenderVisibleElements); the controls fit it all on demand.
        fitView={graph.length <= BIG}
        defaultViewport={{ x: 16, y: 16, zoom: 0.75 }}
        fitViewOptions={{ padding: 0.08, maxZoom: 1.25 }}
        minZoom={0.05}
        nodesDraggable={false}
        nodesConnectable={false}
        onNodeClick={(_e, n) => onSelect(n.id)}
        proOptions={{ hideAttribution: true }}
        onlyRenderVisibleElements={graph.length > BIG}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
