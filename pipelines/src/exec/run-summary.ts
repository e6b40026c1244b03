import type { ArtifactRef } from '../operator/operator-context.js';
import type { RunStore, StepStatus } from '../store/run-store.js';

export interface StepSummary {
  id: string;
  status: StepStatus;
  cached: boolean;
  attempts: number;
  durationMs: number | null;
  reason: string | null;
  error: string | null;
  partitions?: number;
  outputs: Record<string, { digest: string; kind: string; rows?: number; path: string }>;
  /** Lines an operator chose to report about its outputs (`meta.summary`), in output order. */
  summary?: string[];
}

/** How a run ended (or stands, for a run that waits). */
export type RunOutcome = 'succeeded' | 'failed' | 'cancelled' | 'waiting';

export interface RunSummary {
  runId: string;
  pipeline: string;
  status: RunOutcome;
  error?: string;
  durationMs: number;
  steps: StepSummary[];
}

function summaryOf(outputs: Record<string, ArtifactRef> | null): { summary?: string[] } {
  const lines = Object.values(outputs ?? {}).flatMap((o) =>
    Array.isArray(o.meta?.summary) ? (o.meta.summary as unknown[]).map(String) : [],
  );
  return lines.length ? { summary: lines } : {};
}

/** A run's steps as recorded, in the pipeline's topological order when it is given. */
export async function summarizeRun(
  store: RunStore,
  runId: string,
  pipeline: string,
  durationMs: number,
  status: RunOutcome,
  error?: string,
  order?: string[],
): Promise<RunSummary> {
  const rank = new Map((order ?? []).map((id, i) => [id, i]));
  const rows = (await store.getSteps(runId)).sort(
    (a, b) =>
      (rank.get(a.step_id) ?? Infinity) - (rank.get(b.step_id) ?? Infinity) ||
      (a.started_at ?? Infinity) - (b.started_at ?? Infinity) ||
      a.step_id.localeCompare(b.step_id),
  );
  const partitions = new Map<string, number>();
  for (const r of rows) if (r.partition) partitions.set(r.step_id, (partitions.get(r.step_id) ?? 0) + 1);
  const steps = rows
    .filter((r) => !r.partition)
    .map((r) => ({
      id: r.step_id,
      status: r.status,
      cached: r.cached,
      attempts: r.attempts,
      durationMs: r.duration_ms,
      reason: r.reason,
      error: r.error,
      ...(partitions.has(r.step_id) ? { partitions: partitions.get(r.step_id) } : {}),
      outputs: Object.fromEntries(
        Object.entries(r.outputs ?? {}).map(([k, v]) => [
          k,
          { digest: v.digest, kind: v.kind, path: v.path, ...(v.meta?.rows !== undefined ? { rows: v.meta.rows as number } : {}) },
        ]),
      ),
      ...summaryOf(r.outputs),
    }));
  return { runId, pipeline, status, error, durationMs, steps };
}

/** The summary of a run as the store has it now: for `resume` or `cancel` of a run already over. */
export async function storedRunSummary(store: RunStore, runId: string): Promise<RunSummary> {
  const run = await store.getRun(runId);
  if (!run) throw new Error(`no run "${runId}"`);
  const end = run.finished_at ?? Date.now();
  const status: RunOutcome =
    run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled' || run.status === 'waiting' ? run.status : 'failed';
  return summarizeRun(store, runId, run.pipeline, end - (run.started_at ?? run.created_at), status, run.error ?? undefined);
}
