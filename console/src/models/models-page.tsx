import { useQueries, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { lazy, Suspense } from 'react';
import { api, data } from '../api/api-client';
import { Empty, Loading, QueryState } from '../components/states';
import { Time } from '../components/time';
import type { LineageNode } from '../datasets/lineage-graph';
import { sameDigest } from '../datasets/datasets-search';
import '../datasets/datasets.css';

const LineageGraph = lazy(() => import('../datasets/lineage-graph'));

type Model = {
  id: string;
  name: string;
  version: number;
  adapterDigest: string;
  backend: string;
  method: string;
  baseModel: string;
  baseModelDigest: string;
  specHash: string;
  lineage: { datasetVersion: string | null; datasetRoot: string | null; datasetDigest: string | null; run: string | null };
  metrics: Record<string, unknown>;
  createdAt: string;
};

/** A dataset reference `name@N` as the datasets page's search. */
function datasetLink(ref: string | null): { datanet: string; version: number } | undefined {
  const m = ref ? /^(.+)@(\d+)$/.exec(ref) : null;
  return m ? { datanet: m[1], version: Number(m[2]) } : undefined;
}

/** Trained adapters with their lineage (base model, dataset version, run) and eval metrics. */
export function ModelsPage() {
  const { model } = useSearch({ from: '/models' });
  const q = useQuery({ queryKey: ['models'], queryFn: () => data(api.GET('/v1/models')) });
  return (
    <div className="page wide">
      <h1>Models</h1>
      <QueryState query={q} what="models">
        {(d) =>
          d.models.length === 0 ? (
            <Empty>No adapters yet: a pipeline with a train.lora step registers them.</Empty>
          ) : (
            <>
              <div className="table-wrap" tabIndex={0} role="region" aria-label="Models">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Model</th>
                      <th scope="col">Method</th>
                      <th scope="col">Base model</th>
                      <th scope="col">Trained on</th>
                      <th scope="col">Eval loss</th>
                      <th scope="col">Created</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...d.models].reverse().map((m) => (
                      <tr key={m.id} aria-current={m.id === model ? 'true' : undefined}>
                        <td>
                          <Link to="/models" search={{ model: m.id }}>
                            {m.id}
                          </Link>
                        </td>
                        <td>
                          {m.method} ({m.backend})
                        </td>
                        <td>{m.baseModel}</td>
                        <td>
                          {m.lineage.datasetVersion ??
                            (m.lineage.datasetRoot ? (
                              <code title={m.lineage.datasetRoot}>root {m.lineage.datasetRoot.slice(0, 10)}…</code>
                            ) : (
                              '—'
                            ))}
                        </td>
                        <td>{metricText(m.metrics.evalLoss ?? m.metrics.eval_loss)}</td>
                        <td>
                          <Time ms={Date.parse(m.createdAt)} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {model ? (
                d.models.find((m) => m.id === model) ? (
                  <ModelDetail key={model} model={d.models.find((m) => m.id === model)!} />
                ) : (
                  <Empty>No model {model} on this server.</Empty>
                )
              ) : (
                <p className="muted">Choose a model to see its lineage and metrics, and to try it in the playground.</p>
              )}
            </>
          )
        }
      </QueryState>
    </div>
  );
}

function metricText(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString() : v.toPrecision(4);
  if (v === null || v === undefined) return '—';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** The dataset version a model names, or the one whose Parquet digest it records. */
function useDatasetOf(m: Model): { datanet: string; version: number } | undefined {
  const named = datasetLink(m.lineage.datasetVersion);
  const datanets = useQuery({ queryKey: ['datanets'], queryFn: () => data(api.GET('/v1/datanets')), enabled: !named });
  const versions = useQueries({
    queries: (named ? [] : (datanets.data?.datanets ?? [])).map((n) => ({
      queryKey: ['datasets', n.id],
      queryFn: () => data(api.GET('/v1/datanets/{id}/datasets', { params: { path: { id: n.id } } })),
    })),
  });
  if (named) return named;
  for (const q of versions)
    for (const v of q.data?.versions ?? [])
      if (sameDigest(v.datasetDigest, m.lineage.datasetDigest)) return { datanet: v.datanet, version: v.version };
  return undefined;
}

function ModelDetail({ model: m }: { model: Model }) {
  const navigate = useNavigate();
  const ds = useDatasetOf(m);
  const dsName = ds ? `${ds.datanet}@${ds.version}` : null;
  const nodes: LineageNode[] = [
    { id: 'base', kind: 'base', label: m.baseModel, detail: 'base model', from: [] },
    ...(ds ? [{ id: 'dataset', kind: 'version' as const, label: dsName!, detail: 'dataset version', from: [] }] : []),
    ...(m.lineage.run
      ? [{ id: 'run', kind: 'run' as const, label: m.lineage.run, detail: 'training run', from: ds ? ['dataset'] : [] }]
      : []),
    {
      id: 'model',
      kind: 'model',
      label: m.id,
      detail: `${m.method} adapter`,
      from: ['base', ...(m.lineage.run ? ['run'] : ds ? ['dataset'] : [])],
      current: true,
    },
  ];
  // Evaluation first (eval loss beside the base model's), then the rest of what training recorded.
  const metrics = Object.entries(m.metrics).sort(([a], [b]) => Number(!/eval|loss/i.test(a)) - Number(!/eval|loss/i.test(b)));
  return (
    <section aria-labelledby="model-h">
      <h2 id="model-h">{m.id}</h2>
      <p>
        <Link to="/playground" search={{ model: m.id }} className="button primary">
          Try {m.id} in the playground
        </Link>
      </p>
      <div className="split">
        <section className="panel" aria-labelledby="model-lineage-h">
          <h3 id="model-lineage-h">Lineage</h3>
          <Suspense fallback={<Loading what="the graph" />}>
            <LineageGraph
              nodes={nodes}
              onOpen={(n) => {
                if (n.id === 'dataset' && ds) void navigate({ to: '/datasets', search: ds });
                if (n.id === 'run' && m.lineage.run) void navigate({ to: '/runs/$runId', params: { runId: m.lineage.run } });
              }}
            />
          </Suspense>
          <dl className="facts">
            <dt>Trained on</dt>
            <dd>
              {ds ? (
                <Link to="/datasets" search={ds}>
                  {dsName}
                </Link>
              ) : (
                '—'
              )}
            </dd>
            <dt>Dataset root</dt>
            <dd>{m.lineage.datasetRoot ? <code>{m.lineage.datasetRoot}</code> : '—'}</dd>
            <dt>Adapter digest</dt>
            <dd>
              <code>{m.adapterDigest}</code>
            </dd>
            <dt>Base model digest</dt>
            <dd>
              <code>{m.baseModelDigest}</code>
            </dd>
            <dt>Spec hash</dt>
            <dd>
              <code>{m.specHash}</code>
            </dd>
          </dl>
        </section>
        <section className="panel" aria-labelledby="metrics-h">
          <h3 id="metrics-h">Eval metrics</h3>
          {metrics.length ? (
            <table className="metrics" aria-labelledby="metrics-h">
              <tbody>
                {metrics.map(([k, v]) => (
                  <tr key={k}>
                    <th scope="row">{k}</th>
                    <td>{metricText(v)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>No metrics were recorded for this adapter.</Empty>
          )}
        </section>
      </div>
    </section>
  );
}
