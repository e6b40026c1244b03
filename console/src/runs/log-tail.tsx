import { useEffect, useRef } from 'react';
import type { RunEvent } from './run-types';

const TAIL = 500;

/** The last lines of a log, following new lines while the reader is at the bottom. */
export function LogTail({ lines, label }: { lines: RunEvent[]; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const shown = lines.slice(-TAIL);
  useEffect(() => {
    const el = box.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [shown.length]);
  if (lines.length === 0) return <p className="muted">No log lines yet.</p>;
  return (
    <div
      ref={box}
      className="log"
      role="log"
      aria-label={label}
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
      }}
    >
      {lines.length > TAIL ? <div className="muted">… {lines.length - TAIL} earlier lines</div> : null}
      {shown.map((l) => (
        <div key={l.id} className={`log-line log-${l.level}`}>
          <span className="log-ts" title={new Date(l.ts).toISOString()}>
            {new Date(l.ts).toLocaleTimeString()}
          </span>{' '}
          {l.stepId ? <span className="log-step">{l.stepId}</span> : null} <span>{l.message}</span>
        </div>
      ))}
    </div>
  );
}
