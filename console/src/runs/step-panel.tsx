import { useState } from 'react';
import { StatusBadge } from '../components/status-badge';
import { ErrorBox } from '../components/states';
import { duration, Time } from '../components/time';
import { LogTail } from './log-tail';
import { OutputPreview } from './output-preview';
import type { AttemptView, GraphStep, RunEvent, StepView } from './run-types';

/** One step: state and why, attempts with their worker, outputs with a preview, and its log. */
export function StepPanel({
  runId,
  graph,
  step,
  attempts,
  logs,
  retry,
}: {
  runId: string;
  graph?: GraphStep;
  step?: StepView;
  attempts: AttemptView[];
  logs: RunEvent[];
  /** Given when this person may retry this (failed) step. */
  retry?: { run: () => void; pending: boolean; error: unknown };
}) {
  const [open, setOpen] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const id = step?.stepId ?? graph?.id ?? '';
  const outputs = Object.entries(step?.outputs ?? {});
  return (
    <section className="panel step-panel" aria-labelledby="step-title">
      <h2 id="step-title">
        Step <code>{id}</code> {step ? <StatusBadge status={step.status} cached={step.cached} /> : <StatusBadge status="pending" />}
      </h2>
      {graph?.description ? <p className="muted">{graph.description}</p> : null}
      {retry ? (
        <div className="actions" role="group" aria-label="Retry this step">
          {confirming ? (
            <>
              <span>Run {id} again, and the steps after it? Finished steps are kept.</span>
              <button
                type="button"
                className="primary"
                disabled={retry.pending}
                onClick={() => {
                  setConfirming(false);
                  retry.run();
                }}
              >
                Confirm retry
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Keep as is
              </button>
            </>
          ) : (
            <button type="button" onClick={() => setConfirming(true)} disabled={retry.pending}>
              {retry.pending ? 'Retrying…' : `Retry step ${id}`}
            </button>
          )}
        </div>
      ) : null}
      {retry?.error ? <ErrorBox error={retry.error} /> : null}
      <dl className="facts">
        <dt>Operator</dt>
        <dd>
          <code>{step?.uses ?? graph?.uses ?? '—'}</code>
        </dd>
        <dt>Pool</dt>
        <dd>{step?.pool ?? '—'}</dd>
        <dt>Worker</dt>
        <dd>{step?.worker ?? '—'}</dd>
        {step?.status === 'waiting' || !step ? (
          <>
            <dt>{step ? 'Waiting for' : 'Why'}</dt>
            <dd>{step?.reason ?? 'not started yet: its upstream steps have not finished'}</dd>
          </>
        ) : null}
        <dt>Cache key</dt>
        <dd className="mono break" data-testid="cache-key">
          {step?.cacheKey ?? '—'}
        </dd>
        <dt>Cache decision</dt>
        <dd data-testid="cache-decision">{cacheDecision(step)}</dd>
        <dt>Started</dt>
        <dd>
          <Time ms={step?.startedAt} />
        </dd>
        <dt>Duration</dt>
        <dd>{duration(step?.durationMs)}</dd>
        {step?.error ? (
          <>
            <dt>Error</dt>
            <dd className="error-text">{step.error}</dd>
          </>
        ) : null}
      </dl>
      <h3>Attempts</h3>
      {attempts.length === 0 ? (
        <p className="muted">No attempts yet.</p>
      ) : (
        <div className="table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Status</th>
                <th scope="col">Worker</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((a) => (
                <tr key={`${a.partition}:${a.attempt}`}>
                  <td>
                    {a.attempt}
                    {a.partition ? ` (${a.partition})` : ''}
                  </td>
                  <td>
                    <StatusBadge status={a.status} />
                  </td>
                  <td>{a.worker ?? '—'}</td>
                  <td>
                    <Time ms={a.startedAt} />
                  </td>
                  <td>{a.finishedAt ? duration(a.finishedAt - a.startedAt) : 'running'}</td>
                  <td className="error-text">{a.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>Outputs</h3>
      {outputs.length === 0 ? (
        <p className="muted">{step?.status === 'succeeded' ? 'This step has no outputs.' : 'Outputs appear when the step finishes.'}</p>
      ) : (
        <ul className="outputs">
          {outputs.map(([name, o]) => (
            <li key={name}>
              <div className="output-row">
                <span>
                  <code>{name}</code> <span className="muted">{o.kind}</span>
                  {o.rows !== undefined ? <span className="muted"> · {o.rows.toLocaleString()} rows</span> : null}
                </span>
                {o.kind === 'table' ? (
                  <button type="button" onClick={() => setOpen(open === name ? undefined : name)} aria-expanded={open === name}>
                    {open === name ? 'Hide preview' : `Preview ${name}`}
                  </button>
                ) : null}
              </div>
              {open === name ? <OutputPreview runId={runId} stepId={id} output={name} /> : null}
            </li>
          ))}
        </ul>
      )}
      <h3>Log</h3>
      <LogTail lines={logs} label={`Log of step ${id}`} />
    </section>
  );
}

/** Whether the step was served from the cache or computed, and the engine's reason. */
function cacheDecision(step: StepView | undefined): string {
  if (!step) return '—';
  if (step.status === 'waiting' || step.status === 'queued' || step.status === 'running') return 'not decided yet';
  if (step.cached) return `served from the cache${step.reason ? `: ${step.reason}` : ''}`;
  if (step.status === 'succeeded') return `computed in this run${step.reason ? `: ${step.reason}` : ''}`;
  return `no cached result used${step.reason ? `: ${step.reason}` : ''}`;
}
