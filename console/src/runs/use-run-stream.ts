import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunEvent } from './run-types';

/** Failed connections in a row (no stream opened in between) after which the page stops trying. */
const MAX_FAILURES = 20;

export interface RunStreamState {
  live: boolean;
  ended: boolean;
  error?: string;
  /** The page stopped following the run (refused, or every try failed): `error` says why. */
  gaveUp?: boolean;
}

/**
 * Follows a run's Server-Sent Events (GET /api/runs/{id}/events). Read with fetch rather than
 * EventSource: the stream names each event by its type, and EventSource only delivers names it was
 * told in advance. Reconnects with Last-Event-ID, backing off while connections fail; a stream that
 * opened resets the count, so a run that waits for days is followed across any number of dropped
 * connections. It gives up after MAX_FAILURES failures in a row, or at once when the server refuses
 * (a 4xx), and says so (`gaveUp`); `reconnect` starts again. `onEvent` is called for every event,
 * `ended` is set when the server says the run finished.
 */
export function useRunStream(runId: string, enabled: boolean, onEvent: (e: RunEvent) => void): RunStreamState & { reconnect: () => void } {
  const [state, setState] = useState<RunStreamState>({ live: false, ended: false });
  const [attempt, setAttempt] = useState(0);
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const reconnect = useCallback(() => setAttempt((n) => n + 1), []);

  useEffect(() => {
    if (!enabled) return;
    const ac = new AbortController();
    let stopped = false;
    let lastId = 0;
    const follow = async () => {
      let failures = 0;
      let why = '';
      setState({ live: false, ended: false });
      while (!stopped) {
        try {
          const res = await fetch(`/api/runs/${encodeURIComponent(runId)}/events`, {
            headers: lastId ? { 'last-event-id': String(lastId), accept: 'text/event-stream' } : { accept: 'text/event-stream' },
            signal: ac.signal,
          });
          if (!res.ok || !res.body) {
            why = `the server answered HTTP ${res.status}`;
            // A refusal (signed out, no longer allowed, no such run) does not change by asking again.
            if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
              setState({ live: false, ended: false, gaveUp: true, error: `live updates refused: ${why}` });
              return;
            }
            throw new Error(why);
          }
          failures = 0;
          setState({ live: true, ended: false });
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buf = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buf += value;
            let cut: number;
            while ((cut = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, cut);
              buf = buf.slice(cut + 2);
              const msg = parseBlock(block);
              if (!msg) continue;
              if (msg.event === 'end') {
                stopped = true;
                setState({ live: false, ended: true });
                return;
              }
              try {
                const e = JSON.parse(msg.data) as RunEvent;
                // An event that committed late comes after higher ids: resume after the highest.
                lastId = Math.max(lastId, e.id);
                handler.current(e);
              } catch {
                // A malformed event is skipped; the next one carries on.
              }
            }
          }
          // The server (or something on the way) closed the stream before the run ended: reconnect.
          setState({ live: false, ended: false });
        } catch (e) {
          if (ac.signal.aborted) return;
          why = (e as Error).message;
          setState({ live: false, ended: false, error: why });
        }
        if (++failures >= MAX_FAILURES) {
          setState({ live: false, ended: false, gaveUp: true, error: `no connection after ${MAX_FAILURES} tries (${why})` });
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** (failures - 1), 15_000)));
      }
    };
    void follow();
    return () => {
      stopped = true;
      ac.abort();
    };
  }, [runId, enabled, attempt]);
  return { ...state, reconnect };
}

function parseBlock(block: string): { event: string; data: string } | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length ? { event, data: data.join('\n') } : undefined;
}
