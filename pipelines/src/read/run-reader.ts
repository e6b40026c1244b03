import { sql, type Kysely } from 'kysely';
import { parse as parseYaml } from 'yaml';
import { DatanetError } from '../exec/errors.js';
import type { ArtifactKind } from '../operator/define-operator.js';
import type { RunStoreDb } from '../store/run-store-tables.js';
import type { RunStatus, StepStatus } from '../store/statuses.js';

/** No run with that id or prefix, or a prefix that names several. */
export class RunLookupError extends DatanetError {
  override name = 'RunLookupError';
}

/** A paging cursor (`before`) that names no run: paging would silently start over. */
export class UnknownCursorError extends RunLookupError {
  override name = 'UnknownCursorError';
}

/**
 * A Datanet id (configs/datanets/<id>.yaml). A run belongs to the Datanet its `datanet` parameter
 * names when it is one; the SQL filter below spells the same pattern for PostgreSQL.
 */
export const DATANET_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const DATANET_ID_SQL = '^[a-z0-9][a-z0-9._-]{0,63}$';

export interface RunView {
  id: string;
  pipeline: string;
  status: RunStatus;
  executor: string;
  error: string | null;
  /** The pipeline's parameters as the run resolved them. */
  params: Record<string, unknown>;
  file: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface OutputView {
  name: string;
  digest: string;
  kind: ArtifactKind;
  path: string;
  rows?: number;
  meta: Record<string, unknown>;
}

export interface StepView {
  stepId: string;
  /** '' for the step itself; a foreach partition's key otherwise. */
  partition: string;
  /** The operator type (`uses:`) from the pipeline the run kept; null when it cannot be read. */
  uses: string | null;
  status: StepStatus;
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
  outputs: Record<string, OutputView>;
}

export interface AttemptView {
  stepId: string;
  partition: string;
  attempt: number;
  status: StepStatus;
  worker: string | null;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
}

export interface EventView {
  id: number;
  stepId: string | null;
  ts: number;
  level: string;
  type: string;
  message: string;
  fields: Record<string, unknown> | null;
}

export interface RunFilter {
  pipeline?: string;
  status?: RunStatus;
  /**
   * Runs whose parameters name this Datanet (`datanet` parameter); null: runs that name none
   * (no `datanet` parameter, or one that is not a Datanet id), i.e. the deployment's own.
   */
  datanet?: string | null;
  /** Created at or after / before these times (epoch ms). */
  since?: number;
  until?: number;
  /** Newest first; at most this many (default 20). */
  limit?: number;
  /** Paging: runs created before this run. */
  before?: string;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

/**
 * The engine's read-only API over runs, steps, step outputs, attempts and events: what operator
 * packages (reports, CLI commands) and the HTTP service read instead of the engine's tables, whose
 * layout may change. Works on the run store's database handle (`ctx.db`, `env.openDb()`).
 */
export class RunReader {
  private readonly db: Kysely<RunStoreDb>;
  private readonly specs = new Map<string, Map<string, string>>();

  constructor(db: Kysely<any>) {
    this.db = db as Kysely<RunStoreDb>;
  }

  async listRuns(f: RunFilter = {}): Promise<RunView[]> {
    let q = this.db.selectFrom('runs').selectAll();
    if (f.pipeline) q = q.where('pipeline', '=', f.pipeline);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.datanet) q = q.where(sql<string>`params->>'datanet'`, '=', f.datanet);
    else if (f.datanet === null)
      q = q.where(sql<boolean>`not coalesce(jsonb_typeof(params->'datanet') = 'string' and params->>'datanet' ~ ${DATANET_ID_SQL}, false)`);
    if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
    if (f.until !== undefined) q = q.where('created_at', '<', f.until);
    if (f.before) {
      const anchor = await this.getRun(f.before);
      if (!anchor)
        throw new UnknownCursorError(
          `before: no run "${f.before}" to page from; give the id of the last run of the previous page, or leave it out for the first page`,
        );
      q = q.where((eb) =>
        eb.or([eb('created_at', '<', anchor.createdAt), eb.and([eb('created_at', '=', anchor.createdAt), eb('id', '<', anchor.id)])]),
      );
    }
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(f.limit ?? 20)
      .execute();
    return rows.map(runView);
  }

  async getRun(id: string): Promise<RunView | undefined> {
    const row = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? runView(row) : undefined;
  }

  /** A run by its id or a unique prefix of it (people type the start); a clear error otherwise. */
  async resolveRun(idOrPrefix: string): Promise<RunView> {
    const exact = await this.getRun(idOrPrefix);
    if (exact) return exact;
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('id', 'like', `${idOrPrefix.replace(/[%_\\]/g, '\\$&')}%`)
      .limit(5)
      .execute();
    if (!rows.length) throw new RunLookupError(`no run "${idOrPrefix}" in the run store (\`datanet runs\` lists them)`);
    if (rows.length > 1)
      throw new RunLookupError(`run id prefix "${idOrPrefix}" is ambiguous (${rows.map((r) => r.id).join(', ')}); give more characters`);
    return runView(rows[0]);
  }

  /** Step id -> operator type, from the pipeline file the run kept (not the file as it is now). */
  async stepOperators(runId: string): Promise<Map<string, string>> {
    const known = this.specs.get(runId);
    if (known) return known;
    const row = await this.db.selectFrom('runs').select('spec_yaml').where('id', '=', runId).executeTakeFirst();
    const out = new Map<string, string>();
    try {
      const doc = parseYaml(String(row?.spec_yaml ?? '')) as { steps?: Record<string, { uses?: unknown }> } | null;
      for (const [id, step] of Object.entries(doc?.steps ?? {})) if (typeof step?.uses === 'string') out.set(id, step.uses);
    } catch {
      // An unreadable spec leaves the types unknown (uses: null).
    }
    this.specs.set(runId, out);
    return out;
  }

  /** Whether the pipeline the run kept mentions a text (a Datanet's name, say) anywhere, parameters included. */
  async runMentions(runId: string, text: string): Promise<boolean> {
    const row = await this.db.selectFrom('runs').select(['spec_yaml', 'params']).where('id', '=', runId).executeTakeFirst();
    return Boolean(row && (String(row.spec_yaml).includes(text) || JSON.stringify(json(row.params) ?? {}).includes(text)));
  }

  /** A run's steps in step order; foreach partitions too when asked. */
  async steps(runId: string, options: { partitions?: boolean } = {}): Promise<StepView[]> {
    let q = this.db.selectFrom('steps').selectAll().where('run_id', '=', runId);
    if (!options.partitions) q = q.where('partition', '=', '');
    const rows = await q.orderBy('step_id').orderBy('partition').execute();
    const uses = await this.stepOperators(runId);
    return rows.map((r) => ({
      stepId: r.step_id,
      partition: r.partition,
      uses: uses.get(r.step_id) ?? null,
      status: r.status,
      reason: r.reason,
      cached: Boolean(r.cached),
      cacheKey: r.cache_key ?? null,
      attempts: Number(r.attempts),
      pool: r.pool,
      error: r.error,
      worker: r.worker,
      startedAt: num(r.started_at),
      finishedAt: num(r.finished_at),
      durationMs: num(r.duration_ms),
      outputs: outputViews(json(r.outputs)),
    }));
  }

  async step(runId: string, stepId: string): Promise<StepView | undefined> {
    return (await this.steps(runId)).find((s) => s.stepId === stepId);
  }

  /**
   * Outputs of a run's finished steps chosen by role: the operator type (`uses`, exact or a family
   * prefix like `dedupe.`) and/or the output name. A foreach step gives its gathered outputs.
   */
  async outputs(
    runId: string,
    by: { uses?: string; output?: string; stepId?: string } = {},
  ): Promise<(OutputView & { stepId: string; uses: string | null })[]> {
    const steps = (await this.steps(runId)).filter((s) => s.status === 'succeeded');
    const matchUses = (u: string | null) => !by.uses || (u !== null && (by.uses.endsWith('.') ? u.startsWith(by.uses) : u === by.uses));
    return steps
      .filter((s) => (!by.stepId || s.stepId === by.stepId) && matchUses(s.uses))
      .flatMap((s) =>
        Object.values(s.outputs)
          .filter((o) => !by.output || o.name === by.output)
          .map((o) => ({ ...o, stepId: s.stepId, uses: s.uses })),
      );
  }

  async attempts(runId: string): Promise<AttemptView[]> {
    const rows = await this.db
      .selectFrom('attempts')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('step_id')
      .orderBy('partition')
      .orderBy('attempt')
      .execute();
    return rows.map((a) => ({
      stepId: a.step_id,
      partition: a.partition,
      attempt: Number(a.attempt),
      status: a.status,
      worker: a.worker,
      error: a.error,
      startedAt: Number(a.started_at),
      finishedAt: num(a.finished_at),
    }));
  }

  /**
   * A run's events, oldest first; `afterId` for live streams. At most `limit` (10,000): the first
   * ones, or with `newest` the last ones (a long run's end, where it failed, is what people look for).
   */
  async events(
    runId: string,
    options: { afterId?: number; ids?: number[]; stepId?: string; limit?: number; newest?: boolean } = {},
  ): Promise<EventView[]> {
    if (options.ids?.length === 0) return [];
    let q = this.db.selectFrom('events').selectAll().where('run_id', '=', runId);
    if (options.afterId !== undefined) q = q.where('id', '>', options.afterId);
    if (options.ids) q = q.where('id', 'in', options.ids);
    if (options.stepId) q = q.where('step_id', '=', options.stepId);
    const rows = await q
      .orderBy('id', options.newest ? 'desc' : 'asc')
      .limit(options.limit ?? 10_000)
      .execute();
    if (options.newest) rows.reverse();
    return rows.map((e) => ({
      id: Number(e.id),
      stepId: e.step_id,
      ts: Number(e.ts),
      level: e.level,
      type: e.type,
      message: e.message,
      fields: (json(e.fields) as Record<string, unknown> | null) ?? null,
    }));
  }

  /** An artifact the store recorded, by digest (`sha256:...`). */
  async artifact(digest: string): Promise<Omit<OutputView, 'name'> | undefined> {
    const row = await this.db.selectFrom('artifacts').selectAll().where('digest', '=', digest).executeTakeFirst();
    if (!row) return undefined;
    const meta = (json(row.meta) ?? {}) as Record<string, unknown>;
    return {
      digest: row.digest,
      kind: row.kind as ArtifactKind,
      path: row.path,
      meta,
      ...(typeof meta.rows === 'number' ? { rows: meta.rows } : {}),
    };
  }
}

function runView(r: {
  id: string;
  pipeline: string;
  status: RunStatus;
  executor: string;
  error: string | null;
  params: unknown;
  file: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}): RunView {
  return {
    id: r.id,
    pipeline: r.pipeline,
    status: r.status,
    executor: r.executor,
    error: r.error,
    params: (json(r.params) ?? {}) as Record<string, unknown>,
    file: r.file,
    createdAt: Number(r.created_at),
    startedAt: num(r.started_at),
    finishedAt: num(r.finished_at),
  };
}

function outputViews(outputs: unknown): Record<string, OutputView> {
  const out: Record<string, OutputView> = {};
  for (const [name, ref] of Object.entries(
    (outputs ?? {}) as Record<string, { digest: string; kind: ArtifactKind; path: string; meta?: Record<string, unknown> }>,
  )) {
    const meta = ref.meta ?? {};
    out[name] = {
      name,
      digest: ref.digest,
      kind: ref.kind,
      path: ref.path,
      meta,
      ...(typeof meta.rows === 'number' ? { rows: meta.rows } : {}),
    };
  }
  return out;
}
