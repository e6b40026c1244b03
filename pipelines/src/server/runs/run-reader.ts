import { sql } from 'kysely';
import type { RunStore, RunRow, RunStatus } from '../../store/run-store.js';

export interface RunFilter {
  pipeline?: string;
  status?: RunStatus;
  datanet?: string;
  since?: number;
  until?: number;
  limit: number;
  /** Paging: runs created before this one (created_at, id). */
  before?: string;
}

export interface RunListItem {
  id: string;
  pipeline: string;
  status: string;
  datanet: string | null;
  executor: string;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/**
 * The service's one view of runs. It reads through the run store until the engine's read API
 * lands; the routes depend only on this adapter. A run belongs to a Datanet when its parameters
 * name one (`datanet`); otherwise to the deployment.
 */
export class RunReader {
  constructor(private readonly store: RunStore) {}

  async list(f: RunFilter): Promise<RunListItem[]> {
    let q = this.store.db.selectFrom('runs').selectAll();
    if (f.pipeline) q = q.where('pipeline', '=', f.pipeline);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.datanet) q = q.where(sql<string>`params->>'datanet'`, '=', f.datanet);
    if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
    if (f.until !== undefined) q = q.where('created_at', '<', f.until);
    if (f.before) {
      const anchor = await this.store.getRun(f.before);
      if (anchor) q = q.where((eb) => eb.or([eb('created_at', '<', anchor.created_at), eb.and([eb('created_at', '=', anchor.created_at), eb('id', '<', anchor.id)])]));
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
    return rows.map((r) => listItem(normalise(r)));
  }

  async get(id: string): Promise<RunRow | undefined> {
    return this.store.getRun(id);
  }

  async detail(id: string) {
    const run = await this.store.getRun(id);
    if (!run) return undefined;
    const [steps, attempts, events] = await Promise.all([this.store.getSteps(id), this.store.getAttempts(id), this.store.getEvents(id)]);
    return {
      run: { ...listItem(run), file: run.file, params: run.params },
      steps: steps.map((s) => ({
        stepId: s.step_id, partition: s.partition, status: s.status, reason: s.reason, cached: Boolean(s.cached), attempts: Number(s.attempts),
        pool: s.pool, error: s.error, worker: s.worker, startedAt: numOrNull(s.started_at), finishedAt: numOrNull(s.finished_at), durationMs: numOrNull(s.duration_ms),
      })),
      attempts: attempts.map((a) => ({ stepId: a.step_id, partition: a.partition, attempt: a.attempt, status: a.status, worker: a.worker, error: a.error, startedAt: a.started_at, finishedAt: a.finished_at })),
      events: events.map(eventItem),
      // Log lines are the events operators wrote through ctx.log.
      logs: events.filter((e) => e.type === 'log').map(eventItem),
    };
  }

  /** Events after an id (for live streams), oldest first. */
  async eventsAfter(runId: string, afterId: number, limit = 500) {
    const rows = await this.store.db.selectFrom('events').selectAll().where('run_id', '=', runId).where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map((r) => eventItem({ ...r, id: Number(r.id), ts: Number(r.ts), fields: typeof r.fields === 'string' ? JSON.parse(r.fields) : r.fields } as never));
  }
}

export function datanetOf(run: Pick<RunRow, 'params'>): string | null {
  const d = (run.params as Record<string, unknown> | null)?.datanet;
  return typeof d === 'string' ? d : null;
}

function listItem(r: RunRow): RunListItem {
  return {
    id: r.id, pipeline: r.pipeline, status: r.status, datanet: datanetOf(r), executor: r.executor, error: r.error,
    createdAt: Number(r.created_at), startedAt: numOrNull(r.started_at), finishedAt: numOrNull(r.finished_at),
  };
}

function eventItem(e: { id: number; step_id: string | null; ts: number; level: string; type: string; message: string; fields: Record<string, unknown> | null }) {
  return { id: Number(e.id), stepId: e.step_id, ts: Number(e.ts), level: e.level, type: e.type, message: e.message, fields: e.fields ?? null };
}

function normalise(r: Record<string, any>): RunRow {
  const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return { ...r, params: parse(r.params), options: parse(r.options), created_at: Number(r.created_at), started_at: numOrNull(r.started_at), finished_at: numOrNull(r.finished_at) } as RunRow;
}

function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}
