import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useEffect } from 'react';
import { api, data } from '../api/api-client';
import { holds, scopesWith, useSession } from '../api/session';
import { StatusBadge } from '../components/status-badge';
import { Empty, ErrorBox, Loading, SIGNED_OUT } from '../components/states';
import { duration, Time } from '../components/time';
import { RUN_STATUSES, type RunsSearch } from './runs-search';

const PAGE = 100;

/** Runs, newest first, filtered by pipeline, status, Datanet and time (the filters live in the URL). */
export function RunsPage() {
  const search = useSearch({ from: '/runs' });
  const navigate = useNavigate({ from: '/runs' });
  const session = useSession();
  const s = session.data;
  const deployment = holds(s, 'reviewer', '*');
  const datanets = scopesWith(s, 'reviewer').filter((x) => x !== '*');
  // Without a role on the deployment, only a Datanet's runs can be listed: start on one.
  const needsDatanet = !session.isPending && s && !deployment && !search.datanet && datanets.length > 0;
  useEffect(() => {
    if (needsDatanet) void navigate({ search: (p: RunsSearch) => ({ ...p, datanet: datanets[0] }), replace: true });
  }, [needsDatanet, datanets, navigate]);

  const pipelines = useQuery({ queryKey: ['pipelines'], queryFn: () => data(api.GET('/api/pipelines')), enabled: Boolean(s) });
  const runs = useInfiniteQuery({
    queryKey: ['runs', search],
    enabled: Boolean(s) && !needsDatanet,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => data(api.GET('/api/runs', { params: { query: { ...search, limit: PAGE, before: pageParam } } })),
    getNextPageParam: (last) => (last.runs.length === PAGE ? last.runs[last.runs.length - 1].id : undefined),
    refetchInterval: 10_000,
  });

  const set = (patch: Partial<RunsSearch>) =>
    navigate({
      search: (p: RunsSearch) => {
        const next: Record<string, unknown> = { ...p, ...patch };
        for (const k of Object.keys(next)) if (next[k] === undefined || next[k] === '') delete next[k];
        return next as RunsSearch;
      },
    });

  if (session.isPending) return <Loading what="your session" />;
  if (!s) return <ErrorBox error={SIGNED_OUT} />;
  const rows = runs.data?.pages.flatMap((p) => p.runs) ?? [];
  return (
    <div className="page">
      <div className="title-row">
        <h1>Runs</h1>
        {holds(s, 'steward') ? (
          <Link to="/runs/launch" className="button primary">
            Launch a run
          </Link>
        ) : null}
      </div>
      <form className="filters" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Pipeline
          <select value={search.pipeline ?? ''} onChange={(e) => set({ pipeline: e.target.value || undefined })}>
            <option value="">All pipelines</option>
            {(pipelines.data?.pipelines ?? []).map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
            {search.pipeline && !pipelines.data?.pipelines.some((p) => p.name === search.pipeline) ? (
              <option value={search.pipeline}>{search.pipeline}</option>
            ) : null}
          </select>
        </label>
        <label>
          Status
          <select value={search.status ?? ''} onChange={(e) => set({ status: (e.target.value || undefined) as RunsSearch['status'] })}>
            <option value="">Any status</option>
            {RUN_STATUSES.map((st) => (
              <option key={st} value={st}>
                {st}
              </option>
            ))}
          </select>
        </label>
        <label>
          Datanet
          <select value={search.datanet ?? ''} onChange={(e) => set({ datanet: e.target.value || undefined })}>
            {deployment ? <option value="">Any (deployment)</option> : null}
            {datanets.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input
            type="datetime-local"
            value={toLocalInput(search.since)}
            onChange={(e) => set({ since: e.target.value ? new Date(e.target.value).getTime() : undefined })}
          />
        </label>
        <label>
          Until
          <input
            type="datetime-local"
            value={toLocalInput(search.until)}
            onChange={(e) => set({ until: e.target.value ? new Date(e.target.value).getTime() : undefined })}
          />
        </label>
        {Object.keys(search).length ? (
          <button type="button" className="link" onClick={() => navigate({ search: {} })}>
            Clear filters
          </button>
        ) : null}
      </form>
      {runs.isPending ? (
        <Loading what="runs" />
      ) : runs.error ? (
        <ErrorBox error={runs.error} retry={() => runs.refetch()} />
      ) : rows.length === 0 ? (
        <Empty>No runs match these filters.</Empty>
      ) : (
        <>
          <div className="table-wrap" tabIndex={0}>
            <table className="runs">
              <caption className="sr-only">Runs, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Pipeline</th>
                  <th scope="col">Status</th>
                  <th scope="col">Datanet</th>
                  <th scope="col">Created</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link to="/runs/$runId" params={{ runId: r.id }} className="mono">
                        {r.id}
                      </Link>
                    </td>
                    <td>{r.pipeline}</td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td>{r.datanet ?? <span className="muted">—</span>}</td>
                    <td>
                      <Time ms={r.createdAt} />
                    </td>
                    <td>{r.startedAt ? duration((r.finishedAt ?? Date.now()) - r.startedAt) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted">
            {rows.length} run{rows.length === 1 ? '' : 's'} shown
            {runs.hasNextPage ? (
              <>
                {' · '}
                <button type="button" className="link" onClick={() => runs.fetchNextPage()} disabled={runs.isFetchingNextPage}>
                  {runs.isFetchingNextPage ? 'Loading…' : 'Show older runs'}
                </button>
              </>
            ) : null}
          </p>
        </>
      )}
    </div>
  );
}

function toLocalInput(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}
