import { Background, Controls, Position, ReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useState } from 'react';
import { layoutDag, NODE_H, NODE_W } from '../runs/dag-layout';

export interface LineageNode {
  id: string;
  kind: 'submissions' | 'version' | 'model' | 'epoch' | 'base' | 'run';
  label: string;
  detail: string;
  /** Nodes this one comes from (edges point from them to it). */
  from: string[];
  current?: boolean;
}

/**
 * A dataset version's lineage, left to right: the submissions it holds, the versions it builds on,
 * the models trained on it and the epochs that committed those models. Laid out by elkjs (the runs
 * DAG's layout); a click on a version or model opens it.
 */
export default function LineageGraph({ nodes: given, onOpen }: { nodes: LineageNode[]; onOpen(node: LineageNode): void }) {
  const [positions, setPositions] = useState<Map<string, { x: number; y: number }>>();
  const [error, setError] = useState<string>();
  const shape = given.map((n) => `${n.id}<${n.from.join(',')}`).join(';');
  useEffect(() => {
    let live = true;
    layoutDag(
      given.map((n) => ({ id: n.id, uses: null, description: null, needs: n.from })),
      'RIGHT',
    ).then(
      (p) => live && setPositions(p),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [shape]);
  const byId = useMemo(() => new Map(given.map((n) => [n.id, n])), [given]);
  const nodes: Node[] = useMemo(
    () =>
      positions
        ? given.map((n) => ({
            id: n.id,
            position: positions.get(n.id) ?? { x: 0, y: 0 },
            data: {
              label: (
                <div className="dag-node-inner">
                  <strong>{n.label}</strong>
                  <span>{n.detail}</span>
                </div>
              ),
            },
            className: `dag-node lineage-${n.kind}${n.current ? ' dag-selected' : ''}`,
            width: NODE_W,
            height: NODE_H,
            initialWidth: NODE_W,
            initialHeight: NODE_H,
            ariaLabel: `${n.kind} ${n.label}: ${n.detail}`,
            sourcePosition: Position.Right,
            targetPosition: Position.Left,
            draggable: false,
            connectable: false,
          }))
        : [],
    [given, positions],
  );
  const edges: Edge[] = useMemo(
    () => given.flatMap((n) => n.from.filter((f) => byId.has(f)).map((f) => ({ id: `${f}->${n.id}`, source: f, target: n.id }))),
    [given, byId],
  );
  if (error) return <div className="state error">The lineage could not be laid out: {error}</div>;
  if (!positions)
    return (
      <div className="state" role="status">
        Laying out the lineage…
      </div>
    );
  return (
    <div className="dag lineage" data-testid="lineage" data-nodes={given.length}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        fitViewOptions={{ padding: 0.1, maxZoom: 1.1 }}
        nodesDraggable={false}
        nodesConnectable={false}
        onNodeClick={(_e, n) => {
          const node = byId.get(n.id);
          if (node) onOpen(node);
        }}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
