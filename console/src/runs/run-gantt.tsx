import type { AttemptView, StepView } from './run-types';
import { duration } from '../components/time';

/**
 * A Gantt timeline: one row per step, one bar per attempt, on the run's time axis. Each row is a
 * button, so the timeline doubles as the keyboard way to open a step.
 */
export function RunGantt({
  steps,
  attempts,
  order,
  selected,
  onSelect,
  now,
}: {
  steps: Map<string, StepView>;
  attempts: AttemptView[];
  order: string[];
  selected?: string;
  onSelect(id: string): void;
  now: number;
}) {
  const times = attempts.flatMap((a) => [a.startedAt, a.finishedAt ?? now]);
  const start = times.length ? Math.min(...times) : now;
  const end = times.length ? Math.max(...times, start + 1) : now + 1;
  const span = end - start;
  const byStep = new Map<string, AttemptView[]>();
  for (const a of attempts) if (a.partition === '') byStep.set(a.stepId, [...(byStep.get(a.stepId) ?? []), a]);
  return (
    <ol className="gantt" aria-label="Steps and their attempts over time">
      {order.map((id) => {
        const st = steps.get(id);
        const status = st ? (st.cached && st.status === 'succeeded' ? 'cached' : st.status) : 'pending';
        return (
          <li key={id}>
            <button
              type="button"
              className={`gantt-row${selected === id ? ' selected' : ''}`}
              aria-pressed={selected === id}
              onClick={() => onSelect(id)}
            >
              <span className="gantt-name">{id}</span>
              <span className="gantt-track" aria-hidden="true">
                {(byStep.get(id) ?? []).map((a) => (
                  <span
                    key={a.attempt}
                    className={`gantt-bar dag-${a.status}`}
                    style={{
                      left: `${((a.startedAt - start) / span) * 100}%`,
                      width: `${Math.max(0.5, (((a.finishedAt ?? now) - a.startedAt) / span) * 100)}%`,
                    }}
                    title={`attempt ${a.attempt}: ${a.status}, ${duration((a.finishedAt ?? now) - a.startedAt)}`}
                  />
                ))}
              </span>
              <span className="gantt-status">
                {status}
                {st?.durationMs != null ? ` · ${duration(st.durationMs)}` : ''}
              </span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}
