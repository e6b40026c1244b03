import { useEffect, useRef, useState } from 'react';
import type { RunEvent } from './run-types';

/**
 * Follows a run's Server-Sent Events (GET /api/runs/{id}/events). Read with fetch rather than
 * EventSource: the stream names each event by its type, and EventSource only delivers names it was
 * told in advance. Reconnects with Last-Event-ID; `onEvent` is called for every event, `end` is
 * set when the server says the run finished.
 */
export function useRunStream(runId: string, enabled: boolean, onEvent: (e: RunEvent) => void) {
  const [state, setState] = useState<{ live: boolean; ended: boolean; error?: string }>({ live: false, ended: false });
  const handler = useRef(onEvent);
  handler.current = onEvent;

  useEffect(() => {
    if (!enabled) return;
    const ac = new AbortController();
    let lastId = 0;
    let stopped = false;
    const follow = async () => {
      for (let tries = 0; !stopped && tries < 20; tries++) {
        try {
          const res = await fetch(`/api/runs/${encodeURIComponent(runId)}/events`, {
            headers: lastId ? { 'last-event-id': String(lastId), accept: 'text/event-stream' } : { accept: 'text/event-stream' },
            signal: ac.signal,
          });
          if (!res.ok || !res.body) {
            setState({ live: false, ended: false, error: `live updates refused (HTTP ${res.status})` });
            return;
          }
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
        } catch (e) {
          if (ac.signal.aborted) return;
          setState({ live: false, ended: false, error: (e as Error).message });
        }
        await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** tries, 15_000)));
      }
    };
    void follow();
    return () => {
      stopped = true;
      ac.abort();
    };
  }, [runId, enabled]);
  return state;
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
