/** The shapes of a run's steps, attempts and events as GET /api/runs/{id} returns them. */
export interface StepView {
  stepId: string;
  partition: string;
  uses: string | null;
  status: string;
  reason: string | null;
  cached: boolean;
  /** The key the cache decision was made on (null before the step ran). */
  cacheKey: string | null;
  attempts: number;
  pool: string;
  error: string | null;
  worker: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  outputs: Record<string, { name: string; digest: string; kind: string; rows?: number; meta: Record<string, unknown> }>;
}

export interface AttemptView {
  stepId: string;
  partition: string;
  attempt: number;
  status: string;
  worker: string | null;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
}

export interface RunEvent {
  id: number;
  stepId: string | null;
  ts: number;
  level: string;
  type: string;
  message: string;
  fields: Record<string, unknown> | null;
}

export interface GraphStep {
  id: string;
  uses: string | null;
  description: string | null;
  needs: string[];
}
