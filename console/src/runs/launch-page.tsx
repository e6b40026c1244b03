import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api, data } from '../api/api-client';
import { ErrorBox, Loading, Empty } from '../components/states';

/**
 * Launch a pipeline: a form generated from its `parameters:`. The server validates as `datanet
 * validate` does and answers every problem as file:line:col before anything starts.
 */
export function LaunchPage() {
  const { pipeline } = useSearch({ from: '/runs/launch' });
  const navigate = useNavigate();
  const list = useQuery({ queryKey: ['pipelines'], queryFn: () => data(api.GET('/api/pipelines')) });
  const [values, setValues] = useState<Record<string, string>>({});
  const launch = useMutation({
    mutationFn: (body: { pipeline: string; params: Record<string, string> }) => data(api.POST('/api/runs', { body })),
    onSuccess: (r) => navigate({ to: '/runs/$runId', params: { runId: r.runId }, search: { launched: true } }),
  });
  if (list.isPending) return <Loading what="pipelines" />;
  if (list.error) return <ErrorBox error={list.error} retry={() => list.refetch()} />;
  const pipelines = list.data.pipelines;
  const chosen = pipelines.find((p) => p.name === pipeline);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!chosen) return;
    // Only parameters the person changed are sent: the others keep the pipeline's defaults.
    const params = Object.fromEntries(Object.entries(values).filter(([k, v]) => chosen.parameters.some((p) => p.name === k) && v !== ''));
    launch.mutate({ pipeline: chosen.name, params });
  };
  return (
    <div className="page narrow">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/runs">Runs</Link> / Launch
      </nav>
      <h1>Launch a run</h1>
      {pipelines.length === 0 ? (
        <Empty>No pipelines under configs/pipelines on this server.</Empty>
      ) : (
        <form onSubmit={submit} className="form">
          <label>
            Pipeline
            <select
              value={pipeline ?? ''}
              onChange={(e) => {
                setValues({});
                launch.reset();
                void navigate({ to: '/runs/launch', search: e.target.value ? { pipeline: e.target.value } : {}, replace: true });
              }}
              required
            >
              <option value="">Choose a pipeline…</option>
              {pipelines.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name} ({p.steps} steps)
                </option>
              ))}
            </select>
          </label>
          {chosen ? (
            <>
              {chosen.description ? <p className="muted">{chosen.description}</p> : null}
              {chosen.parameters.length === 0 ? <p className="muted">This pipeline takes no parameters.</p> : null}
              {chosen.parameters.map((p) => (
                <label key={p.name}>
                  {p.name} <span className="muted">({p.type})</span>
                  {p.enum ? (
                    <select value={values[p.name] ?? ''} onChange={(e) => setValues({ ...values, [p.name]: e.target.value })}>
                      <option value="">default: {String(p.default ?? '—')}</option>
                      {p.enum.map((v) => (
                        <option key={String(v)} value={String(v)}>
                          {String(v)}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input
                      name={p.name}
                      type={p.type === 'integer' || p.type === 'number' ? 'text' : 'text'}
                      inputMode={p.type === 'integer' || p.type === 'number' ? 'numeric' : undefined}
                      placeholder={p.default !== undefined ? `default: ${String(p.default)}` : ''}
                      value={values[p.name] ?? ''}
                      onChange={(e) => setValues({ ...values, [p.name]: e.target.value })}
                    />
                  )}
                  {p.description ? <span className="hint">{p.description}</span> : null}
                </label>
              ))}
              <button type="submit" className="primary" disabled={launch.isPending}>
                {launch.isPending ? 'Validating…' : `Launch ${chosen.name}`}
              </button>
            </>
          ) : null}
          {launch.error ? <ErrorBox error={launch.error} /> : null}
        </form>
      )}
    </div>
  );
}
