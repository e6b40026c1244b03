import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { lazy, Suspense, useMemo, useRef, useState } from 'react';
import { api, data, type ApiError } from '../api/api-client';
import { holds, useSession } from '../api/session';
import { StatusBadge } from '../components/status-badge';
import { ErrorBox, Loading } from '../components/states';
import { duration, Time } from '../components/time';
import { useNarrow } from '../components/use-narrow';
import { LogTail } from './log-tail';
import { RunGantt } from './run-gantt';
import type { AttemptView, GraphStep, RunEvent, StepView } from './run-types';
import { StepPanel } from './step-panel';
import { useRunStream } from './use-run-stream';

// The graph library loads only with this page, fetched as soon as the page's code is, beside the run's data.
const runDag = import('./run-dag');
const RunDag = lazy(() => runDag);
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** A run: its DAG with live states, a timeline of attempts, the chosen step, the log, and actions. */
export function RunPage() {
  const { runId } = useParams({ from: '/runs/$runId' });
  const { step: selected, launched } = useSearch({ from: '/runs/$runId' });
  const navigate = useNavigate({ from: '/runs/$runId' });
  const qc = useQueryClient();
  const session = useSession();
  const narrow = useNarrow();
  const awaitingRestart = useRef(false);
  const detail = useQuery({
    queryKey: ['run', runId],
    queryFn: () => data(api.GET('/api/runs/{id}', { params: { path: { id: runId } } })),
    // A run just launched is written by the server a moment after it answers with its id.
    retry: (n, e) => (launched && (e as ApiError).status === 404 ? n < 30 : n < 2 && !((e as ApiError).status >= 400)),
    retryDelay: 1000,
    // After a resume the run restarts a moment later: look until it does, then follow its stream.
    refetchInterval: (q) => (awaitingRestart.current && q.state.data && FINISHED.has(q.state.data.run.status) ? 1000 : false),
  });
  const graph = useQuery({
    queryKey: ['run-graph', runId],
    queryFn: () => data(api.GET('/api/runs/{id}/graph', { params: { path: { id: runId } } })),
    // Fetched beside the run (not after it), except for a run just launched, which may not exist yet.
    enabled: !launched || Boolean(detail.data),
    retry: (n, e) => n < 2 && !((e as ApiError).status >= 400),
    staleTime: Infinity,
  });
  const [streamed, setStreamed] = useState<RunEvent[]>([]);
  const refresh = useRef<ReturnType<typeof setTimeout>>(undefined);
  const status = detail.data?.run.status;
  // A finished run has nothing more to stream; a resumed one streams again (from the start: lines are kept by id).
  const finished = detail.data ? FINISHED.has(detail.data.run.status) : true;
  if (!finished) awaitingRestart.current = false;
  const stream = useRunStream(runId, !finished, (e) => {
    if (e.type === 'log') setStreamed((s) => [...s, e]);
    // State changes arrive as events; the steps are read again at most a few times a second.
    else if (!refresh.current)
      refresh.current = setTimeout(() => {
        refresh.current = undefined;
        void qc.invalidateQueries({ queryKey: ['run', runId] });
      }, 250);
  });
  if (stream.ended && status && !FINISHED.has(status) && !refresh.current) void qc.invalidateQueries({ queryKey: ['run', runId] });

  const act = useMutation({
    mutationFn: async (what: 'cancel' | 'resume') =>
      what === 'cancel'
        ? data(api.POST('/api/runs/{id}/cancel', { params: { path: { id: runId } } }))
        : data(api.POST('/api/runs/{id}/resume', { params: { path: { id: runId } } })),
    onSuccess: (_r, what) => {
      if (what === 'resume') awaitingRestart.current = true;
      void qc.invalidateQueries({ queryKey: ['run', runId] });
      setStreamed([]);
    },
  });

  const retry = useMutation({
    mutationFn: (step: string) => data(api.POST('/api/runs/{id}/steps/{step}/retry', { params: { path: { id: runId, step } } })),
    onSuccess: () => {
      awaitingRestart.current = true;
      void qc.invalidateQueries({ queryKey: ['run', runId] });
      setStreamed([]);
    },
  });

  const steps = useMemo(() => {
    const m = new Map<string, StepView>();
    for (const s of (detail.data?.steps ?? []) as unknown as StepView[]) if (s.partition === '') m.set(s.stepId, s);
    return m;
  }, [detail.data]);
  const logs = useMemo(() => {
    const byId = new Map<number, RunEvent>();
    for (const l of (detail.data?.logs ?? []) as RunEvent[]) byId.set(l.id, l);
    for (const l of streamed) byId.set(l.id, l);
    return [...byId.values()].sort((a, b) => a.id - b.id);
  }, [detail.data, streamed]);

  if (detail.isPending) return <Loading what={`run ${runId}`} />;
  if (detail.error) return <ErrorBox error={detail.error} retry={() => detail.refetch()} />;
  const { run } = detail.data;
  const attempts = detail.data.attempts as unknown as AttemptView[];
  const g: GraphStep[] =
    graph.data?.steps ?? [...steps.keys()].map((id) => ({ id, uses: steps.get(id)?.uses ?? null, description: null, needs: [] }));
  const order = g.map((s) => s.id);
  const chosen = selected && order.includes(selected) ? selected : undefined;
  const select = (id: string) => navigate({ search: { step: id }, replace: true });
  const steward = holds(session.data, 'steward', run.datanet ?? '*');
  const waiting = [...steps.values()].filter((s) => s.status === 'waiting');

  return (
    <div className="page wide">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/runs">Runs</Link> / <span className="mono">{run.id}</span>
      </nav>
      <div className="title-row">
        <h1>
          {run.pipeline} <StatusBadge status={run.status} />
        </h1>
        <div className="actions">
          <span className={`live ${stream.live ? 'on' : ''}`} role="status">
            {stream.live
              ? 'Live'
              : FINISHED.has(run.status)
                ? 'Finished'
                : stream.gaveUp
                  ? 'Not following'
                  : stream.error
                    ? 'Reconnecting…'
                    : 'Connecting…'}
          </span>
          {/* A waiting run (parked, nothing executing) is cancelled as a running one is. */}
          {steward && (run.status === 'running' || run.status === 'waiting' || run.status === 'queued') ? (
            <button type="button" onClick={() => act.mutate('cancel')} disabled={act.isPending}>
              Cancel run
            </button>
          ) : null}
          {steward && (run.status === 'failed' || run.status === 'cancelled') ? (
            <button type="button" className="primary" onClick={() => act.mutate('resume')} disabled={act.isPending}>
              Resume run
            </button>
          ) : null}
        </div>
      </div>
      {act.error ? <ErrorBox error={act.error} /> : null}
      {/* Live updates that stopped are said so: what the page shows may be out of date. */}
      {stream.gaveUp && !FINISHED.has(run.status) ? (
        <div className="state error" role="alert">
          <p>
            This page stopped following the run ({stream.error}); what it shows may be out of date.{' '}
            <button
              type="button"
              onClick={() => {
                stream.reconnect();
                void qc.invalidateQueries({ queryKey: ['run', runId] });
              }}
            >
              Reconnect
            </button>
          </p>
        </div>
      ) : null}
      <dl className="facts inline">
        <dt>Run</dt>
        <dd className="mono">{run.id}</dd>
        <dt>Datanet</dt>
        <dd>{run.datanet ?? '—'}</dd>
        <dt>Created</dt>
        <dd>
          <Time ms={run.createdAt} />
        </dd>
        <dt>Duration</dt>
        <dd>{run.startedAt ? duration((run.finishedAt ?? Date.now()) - run.startedAt) : '—'}</dd>
        <dt>Executor</dt>
        <dd>{run.executor}</dd>
      </dl>
      {/* A waiting run's error field holds what it waits for: that is shown once, as a wait. */}
      {run.error && run.status !== 'waiting' ? <p className="state error">{run.error}</p> : null}
      {waiting.length ? (
        <div className="state waiting" role="status">
          {waiting.map((w) => (
            <p key={w.stepId}>
              <strong>{w.stepId}</strong> is waiting{w.reason ? `: ${w.reason}` : ''}
              {/* What to do: a review step waits for people, not for anyone to press a button here. */}
              {w.reason?.includes('"review:') && run.datanet ? (
                <>
                  {'. '}
                  Reviewers decide its held records in the{' '}
                  <Link to="/review" search={{ datanet: run.datanet }}>
                    review inbox
                  </Link>
                  ; the run goes on by itself once each is decided.
                </>
              ) : null}
            </p>
          ))}
        </div>
      ) : run.status === 'waiting' && run.error ? (
        <div className="state waiting" role="status">
          <p>{run.error}</p>
        </div>
      ) : null}
      <section className="panel" aria-label="Graph of steps">
        {graph.error ? <ErrorBox error={graph.error} /> : null}
        <Suspense fallback={<div className="state">Loading the graph…</div>}>
          {g.length ? <RunDag graph={g} steps={steps} selected={chosen} onSelect={select} narrow={narrow} /> : null}
        </Suspense>
      </section>
      <div className="split">
        <section className="panel" aria-labelledby="timeline-title">
          <h2 id="timeline-title">Timeline</h2>
          <RunGantt steps={steps} attempts={attempts} order={order} selected={chosen} onSelect={select} now={Date.now()} />
        </section>
        {chosen ? (
          <StepPanel
            runId={run.id}
            graph={g.find((x) => x.id === chosen)}
            step={steps.get(chosen)}
            attempts={attempts.filter((a) => a.stepId === chosen)}
            logs={logs.filter((l) => l.stepId === chosen)}
            retry={
              steward && steps.get(chosen)?.status === 'failed' && FINISHED.has(run.status)
                ? { run: () => retry.mutate(chosen), pending: retry.isPending, error: retry.error }
                : undefined
            }
          />
        ) : (
          <section className="panel" aria-labelledby="log-title">
            <h2 id="log-title">Log</h2>
            <p className="muted">Choose a step in the graph or the timeline to see its attempts, outputs and log.</p>
            <LogTail lines={logs} label="Run log" />
          </section>
        )}
      </div>
    </div>
  );
}
