/** The runs list's filters, kept in the URL so a filtered list can be shared and reloaded. */
export interface RunsSearch {
  pipeline?: string;
  status?: (typeof RUN_STATUSES)[number];
  datanet?: string;
  /** Created at or after (ms). */
  since?: number;
  until?: number;
}

// `waiting`: parked on its steps' waits (a review, a challenge window), nothing executing.
export const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;

export function parseRunsSearch(s: Record<string, unknown>): RunsSearch {
  const out: RunsSearch = {};
  if (typeof s.pipeline === 'string' && s.pipeline) out.pipeline = s.pipeline;
  if (typeof s.status === 'string' && (RUN_STATUSES as readonly string[]).includes(s.status)) out.status = s.status as RunsSearch['status'];
  if (typeof s.datanet === 'string' && s.datanet) out.datanet = s.datanet;
  for (const k of ['since', 'until'] as const) {
    const n = Number(s[k]);
    if (s[k] !== undefined && Number.isFinite(n) && n >= 0) out[k] = n;
  }
  return out;
}
