import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { migrateToLatest } from './migrate.js';
import type { ArtifactRef } from '../operator/operator-context.js';
import { redact } from '../spec/interpolate.js';
import * as m0001 from './migrations/0001-run-store.js';
import * as m0002 from './migrations/0002-distributed.js';
import * as m0003 from './migrations/0003-waits-and-triggers.js';

import type { RunStatus, StepStatus } from './statuses.js';
import type { RunStoreDb } from './run-store-tables.js';

export type { RunStatus, StepStatus } from './statuses.js';

export interface RunRow {
  id: string;
  pipeline: string;
  file: string;
  spec_yaml: string;
  params: Record<string, unknown>;
  options: Record<string, unknown>;
  status: RunStatus;
  executor: string;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface StepRow {
  run_id: string;
  step_id: string;
  partition: string;
  status: StepStatus;
  reason: string | null;
  cache_key: string | null;
  cached: boolean;
  attempts: number;
  pool: string;
  outputs: Record<string, ArtifactRef> | null;
  error: string | null;
  worker: string | null;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
}

export interface EventRow {
  id: number;
  run_id: string;
  step_id: string | null;
  ts: number;
  level: string;
  type: string;
  message: string;
  fields: Record<string, unknown> | null;
}

const MIGRATIONS: Record<string, Migration> = { '0001-run-store': m0001, '0002-distributed': m0002, '0003-waits-and-triggers': m0003 };

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The engine's state: runs, steps, attempts, events, artifacts and cache entries (kysely). */
export class RunStore {
  private pendingEvents: Omit<EventRow, 'id'>[] = [];
  private pendingCompletions: Completion[] = [];
  private currentBatch: Promise<void> | undefined;
  private writeChain: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly watchers = new Map<string, Set<() => void>>();

  /** The engine's tables, typed (store/run-store-tables.ts). */
  readonly db: Kysely<RunStoreDb>;

  constructor(
    db: Kysely<any>,
    readonly dialect: 'postgres' | 'pglite',
  ) {
    this.db = db as Kysely<RunStoreDb>;
  }

  /**
   * The engine's own bookkeeping commits asynchronously on PostgreSQL: a server crash may lose the
   * last few milliseconds of it, and resume then re-runs those steps. Operators' writes through
   * ctx.db keep full durability (this is scoped to the engine's transactions).
   */
  private tx<T>(fn: (tx: Kysely<RunStoreDb>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (tx) => {
      if (this.dialect === 'postgres') await sql`set local synchronous_commit to off`.execute(tx);
      return fn(tx);
    });
  }

  /**
   * Calls `fn` each time this store has written events or a status of `runId` (a live stream then
   * reads at once instead of at its next poll). Writes by other processes are not seen here.
   * Returns the unsubscribe.
   */
  watchRun(runId: string, fn: () => void): () => void {
    let set = this.watchers.get(runId);
    if (!set) this.watchers.set(runId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (!set.size && this.watchers.get(runId) === set) this.watchers.delete(runId);
    };
  }

  /** Tells the watchers of these runs that something of theirs was written (after the commit). */
  runsWritten(runIds: Iterable<string>): void {
    for (const id of new Set(runIds)) for (const fn of this.watchers.get(id) ?? []) fn();
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.db, 'datanet_engine', MIGRATIONS);
  }

  async createRun(run: Omit<RunRow, 'error' | 'started_at' | 'finished_at'>, steps: Pick<StepRow, 'step_id' | 'pool'>[]): Promise<void> {
    await this.tx(async (tx) => {
      await tx
        .insertInto('runs')
        .values({ ...run, params: JSON.stringify(run.params), options: JSON.stringify(run.options) })
        .execute();
      for (let i = 0; i < steps.length; i += 1000) {
        await tx
          .insertInto('steps')
          .values(
            steps.slice(i, i + 1000).map((s) => ({ run_id: run.id, step_id: s.step_id, partition: '', status: 'pending', pool: s.pool })),
          )
          .execute();
      }
    });
  }

  async setRunStatus(
    id: string,
    status: RunStatus,
    fields: { error?: string | null; started_at?: number; finished_at?: number } = {},
  ): Promise<void> {
    await this.drain();
    await this.db
      .updateTable('runs')
      .set({ status, ...fields, error: fields.error === undefined ? undefined : fields.error && redact(fields.error) })
      .where('id', '=', id)
      .execute();
    this.runsWritten([id]);
  }

  /**
   * Moves a run to `running` if it is in one of `from`, in one statement: of callers racing to
   * continue the same run (two resume requests, a resume and the waker), exactly one gets true.
   */
  async claimRun(id: string, from: readonly RunStatus[]): Promise<boolean> {
    await this.drain();
    const res = await this.db
      .updateTable('runs')
      .set({ status: 'running', error: null })
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .executeTakeFirst();
    const claimed = Number(res.numUpdatedRows) === 1;
    if (claimed) this.runsWritten([id]);
    return claimed;
  }

  async getRun(id: string): Promise<RunRow | undefined> {
    const row = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? normaliseRun(row) : undefined;
  }

  /** Runs whose id starts with the given prefix (ids are long; people type the start). */
  async findRuns(prefix: string): Promise<RunRow[]> {
    const rows = await this.db.selectFrom('runs').selectAll().where('id', 'like', `${prefix}%`).limit(5).execute();
    return rows.map(normaliseRun);
  }

  async listRuns(limit = 20): Promise<RunRow[]> {
    const rows = await this.db.selectFrom('runs').selectAll().orderBy('created_at', 'desc').limit(limit).execute();
    return rows.map(normaliseRun);
  }

  async getSteps(runId: string): Promise<StepRow[]> {
    await this.drain();
    const rows = await this.db
      .selectFrom('steps')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('step_id')
      .orderBy('partition')
      .execute();
    return rows.map(normaliseStep);
  }

  async startAttempt(
    runId: string,
    stepId: string,
    partition: string,
    attempt: number,
    worker: string,
    cacheKey: string | null,
  ): Promise<void> {
    const now = Date.now();
    await this.serial(() =>
      this.tx(async (tx) => {
        await tx
          .insertInto('steps')
          .values({
            run_id: runId,
            step_id: stepId,
            partition,
            status: 'running',
            attempts: attempt,
            cache_key: cacheKey,
            started_at: now,
            worker,
          })
          .onConflict((oc) =>
            oc
              .columns(['run_id', 'step_id', 'partition'])
              .doUpdateSet({ status: 'running', attempts: attempt, cache_key: cacheKey, started_at: now, worker, error: null }),
          )
          .execute();
        await tx
          .insertInto('attempts')
          .values({ run_id: runId, step_id: stepId, partition, attempt, status: 'running', worker, started_at: now })
          .onConflict((oc) =>
            oc
              .columns(['run_id', 'step_id', 'partition', 'attempt'])
              .doUpdateSet({ status: 'running', worker, started_at: now, finished_at: null, error: null }),
          )
          .execute();
      }),
    );
  }

  async failAttempt(
    runId: string,
    stepId: string,
    partition: string,
    attempt: number,
    error: string,
    final: boolean,
    startedAt = Date.now(),
    worker: string | null = null,
  ): Promise<void> {
    const now = Date.now();
    const msg = redact(error);
    await this.serial(() =>
      this.tx(async (tx) => {
        await tx
          .insertInto('attempts')
          .values({
            run_id: runId,
            step_id: stepId,
            partition,
            attempt,
            status: 'failed',
            error: msg,
            worker,
            started_at: startedAt,
            finished_at: now,
          })
          .onConflict((oc) =>
            oc.columns(['run_id', 'step_id', 'partition', 'attempt']).doUpdateSet({ status: 'failed', error: msg, finished_at: now }),
          )
          .execute();
        await tx
          .updateTable('steps')
          // A fast attempt's start was never written: the step row learns it (and the attempt count) here.
          .set({
            status: final ? 'failed' : 'running',
            error: msg,
            attempts: attempt,
            started_at: sql`coalesce(started_at, ${startedAt})`,
            ...(final ? { finished_at: now } : {}),
          })
          .where('run_id', '=', runId)
          .where('step_id', '=', stepId)
          .where('partition', '=', partition)
          .execute();
      }),
    );
  }

  /**
   * Records a finished step: its outputs and artifacts, its cache entry and its attempt, in one
   * transaction. Completions are queued and every completion pending when the writer gets to
   * them shares one transaction (group commit): the persisted state is always a prefix of what
   * happened, so a crash loses at most the last few records, and resume re-runs those steps.
   * Resolves once this completion is durable in the store.
   */
  completeStep(c: Completion): Promise<void> {
    this.pendingCompletions.push(c);
    const batch = (this.currentBatch ??= this.serial(async () => {
      this.currentBatch = undefined;
      const items = this.pendingCompletions.splice(0);
      // PGlite runs in this thread: one statement (data-modifying CTEs, atomic by itself) costs a
      // fifth of a five-statement transaction. PostgreSQL keeps the transaction for its async commit
      // (and a batch of more than one statement needs it to stay atomic).
      if (items.length <= COMPLETIONS_PER_STATEMENT && this.dialect === 'pglite') await writeCompletions(this.db, items);
      else await this.tx((tx) => writeCompletions(tx, items));
    }));
    return batch;
  }

  /** Runs engine writes one after another, in the order they were asked for. */
  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.writeChain.then(fn);
    this.writeChain = next.catch(() => {});
    return next;
  }

  /** Waits until every queued write is in the store. */
  async drain(): Promise<void> {
    await this.writeChain;
  }

  async setStepStatus(runId: string, stepId: string, status: StepStatus, fields: { reason?: string; error?: string } = {}): Promise<void> {
    await this.drain();
    await this.db
      .updateTable('steps')
      .set({ status, ...fields, error: fields.error ? redact(fields.error) : undefined })
      .where('run_id', '=', runId)
      .where('step_id', '=', stepId)
      .where('partition', '=', '')
      .execute();
  }

  async getCache(key: string): Promise<Record<string, ArtifactRef> | undefined> {
    const row = await this.db.selectFrom('cache_entries').select('outputs').where('key', '=', key).executeTakeFirst();
    return row ? (parseJson(row.outputs) as Record<string, ArtifactRef>) : undefined;
  }

  /**
   * The outputs a step last produced under this key in any run (cache or not): what `plan` expects a
   * `cache: false` step to produce again, so it can tell whether the steps after it will be cached.
   */
  async lastResult(key: string): Promise<Record<string, ArtifactRef> | undefined> {
    const row = await this.db
      .selectFrom('steps')
      .select('outputs')
      .where('cache_key', '=', key)
      .where('partition', '=', '')
      .where('status', '=', 'succeeded')
      .orderBy('finished_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.outputs ? (parseJson(row.outputs) as Record<string, ArtifactRef>) : undefined;
  }

  async getCacheMany(keys: string[]): Promise<Map<string, Record<string, ArtifactRef>>> {
    const out = new Map<string, Record<string, ArtifactRef>>();
    for (let i = 0; i < keys.length; i += 1000) {
      const rows = await this.db
        .selectFrom('cache_entries')
        .select(['key', 'outputs'])
        .where('key', 'in', keys.slice(i, i + 1000))
        .execute();
      for (const r of rows) out.set(r.key, parseJson(r.outputs) as Record<string, ArtifactRef>);
    }
    return out;
  }

  /** Buffers an event; events are written in batches (every 100 ms or on flush). */
  event(runId: string, stepId: string | null, level: string, type: string, message: string, fields?: Record<string, unknown>): void {
    this.pendingEvents.push({
      run_id: runId,
      step_id: stepId,
      ts: Date.now(),
      level,
      type,
      message: redact(message),
      fields: fields ? (JSON.parse(redact(JSON.stringify(fields))) as Record<string, unknown>) : null,
    });
    this.flushTimer ??= setTimeout(() => void this.flushEvents().catch(() => {}), 100);
  }

  async flushEvents(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    while (this.pendingEvents.length) {
      const batch = this.pendingEvents.splice(0, 500);
      await this.db
        .insertInto('events')
        .values(batch.map((e) => ({ ...e, fields: e.fields ? JSON.stringify(e.fields) : null })))
        .execute();
      this.runsWritten(batch.map((e) => e.run_id));
    }
  }

  async getEvents(runId: string, stepId?: string): Promise<EventRow[]> {
    let q = this.db.selectFrom('events').selectAll().where('run_id', '=', runId);
    if (stepId) q = q.where('step_id', '=', stepId);
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), ts: Number(r.ts), fields: parseJson(r.fields) }) as EventRow);
  }

  async getAttempts(runId: string): Promise<
    {
      step_id: string;
      partition: string;
      attempt: number;
      status: string;
      worker: string | null;
      error: string | null;
      started_at: number;
      finished_at: number | null;
    }[]
  > {
    const rows = await this.db
      .selectFrom('attempts')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('step_id')
      .orderBy('partition')
      .orderBy('attempt')
      .execute();
    return rows.map(
      (r) => ({ ...r, attempt: Number(r.attempt), started_at: Number(r.started_at), finished_at: num(r.finished_at) }) as any,
    );
  }

  /**
   * Claims a schedule tick; true for exactly one caller per (pipeline, tick). The run the tick
   * starts is named in the same row, so a tick and its run are linked from the moment it fires.
   */
  async claimTick(pipeline: string, tick: number, firedBy: string, runId: string | null = null): Promise<boolean> {
    const res =
      await sql`insert into schedule_ticks (pipeline, tick, fired_by, fired_at, run_id) values (${pipeline}, ${tick}, ${firedBy}, ${Date.now()}, ${runId}) on conflict do nothing`.execute(
        this.db,
      );
    return Number(res.numAffectedRows ?? 0) === 1;
  }
}

export interface Completion {
  runId: string;
  stepId: string;
  partition: string;
  attempt: number;
  outputs: Record<string, ArtifactRef>;
  cacheKey: string | null;
  cached: boolean;
  reason: string;
  operator: string;
  writeCache: boolean;
  startedAt: number;
  /** False when the start of the attempt was never written (a fast step): written now. */
  startRecorded?: boolean;
  worker?: string;
}

/** Completions written by one statement; more go in several statements of one transaction. */
const COMPLETIONS_PER_STATEMENT = 500;

/**
 * The one completion write: artifacts, cache entries and attempts as data-modifying CTEs of the
 * step upsert, so each statement is atomic by itself. One row per (run, step, partition) and per
 * attempt: the last completion of a batch wins (ON CONFLICT may not touch a row twice).
 */
async function completionStatement(db: Kysely<any>, items: Completion[]): Promise<void> {
  const now = Date.now();
  const artifacts = new Map<string, object>();
  for (const c of items) {
    for (const a of Object.values(c.outputs))
      artifacts.set(a.digest, {
        digest: a.digest,
        kind: a.kind,
        path: a.path,
        bytes: (a.meta.bytes as number) ?? null,
        meta: JSON.stringify(a.meta),
        created_at: now,
      });
  }
  const cache = new Map<string, object>();
  for (const c of items)
    if (c.writeCache && c.cacheKey && !c.cached)
      cache.set(c.cacheKey, {
        key: c.cacheKey,
        operator: c.operator,
        outputs: JSON.stringify(c.outputs),
        run_id: c.runId,
        step_id: c.stepId,
        created_at: now,
      });
  const attempts = new Map<string, object>();
  for (const c of items)
    if (!c.cached)
      attempts.set(`${c.runId}\0${c.stepId}\0${c.partition}\0${c.attempt}`, {
        run_id: c.runId,
        step_id: c.stepId,
        partition: c.partition,
        attempt: c.attempt,
        status: 'succeeded',
        worker: c.worker ?? null,
        started_at: c.startedAt,
        finished_at: now,
      });
  const steps = new Map<string, object>();
  for (const c of items) {
    steps.set(`${c.runId}\0${c.stepId}\0${c.partition}`, {
      run_id: c.runId,
      step_id: c.stepId,
      partition: c.partition,
      status: 'succeeded',
      reason: c.reason,
      cache_key: c.cacheKey,
      cached: c.cached,
      attempts: c.attempt,
      outputs: JSON.stringify(c.outputs),
      started_at: c.startedAt,
      finished_at: now,
      duration_ms: now - c.startedAt,
      error: null,
      worker: c.worker ?? null,
    });
  }
  let q: any = db;
  if (artifacts.size)
    q = q.with('new_artifacts', (w: any) =>
      w
        .insertInto('artifacts')
        .values([...artifacts.values()])
        .onConflict((oc: any) => oc.column('digest').doNothing()),
    );
  if (cache.size)
    q = q.with('new_cache', (w: any) =>
      w
        .insertInto('cache_entries')
        .values([...cache.values()])
        .onConflict((oc: any) => oc.column('key').doNothing()),
    );
  if (attempts.size) {
    q = q.with('new_attempts', (w: any) =>
      w
        .insertInto('attempts')
        .values([...attempts.values()])
        .onConflict((oc: any) =>
          oc
            .columns(['run_id', 'step_id', 'partition', 'attempt'])
            .doUpdateSet((eb: any) => ({ status: eb.ref('excluded.status'), finished_at: eb.ref('excluded.finished_at') })),
        ),
    );
  }
  await q
    .insertInto('steps')
    .values([...steps.values()])
    .onConflict((oc: any) =>
      oc.columns(['run_id', 'step_id', 'partition']).doUpdateSet((eb: any) => ({
        status: eb.ref('excluded.status'),
        reason: eb.ref('excluded.reason'),
        cache_key: eb.ref('excluded.cache_key'),
        cached: eb.ref('excluded.cached'),
        attempts: eb.ref('excluded.attempts'),
        outputs: eb.ref('excluded.outputs'),
        // A fast step's start is written only now (startRecorded: false); a recorded start stays.
        started_at: eb.fn.coalesce(eb.ref('steps.started_at'), eb.ref('excluded.started_at')),
        finished_at: eb.ref('excluded.finished_at'),
        duration_ms: eb.ref('excluded.duration_ms'),
        error: null,
        worker: eb.fn.coalesce(eb.ref('excluded.worker'), eb.ref('steps.worker')),
      })),
    )
    .execute();
}

/** Writes completions inside the caller's transaction (the distributed DAG transitions use this). */
export async function writeCompletions(tx: Kysely<any>, items: Completion[]): Promise<void> {
  for (let i = 0; i < items.length; i += COMPLETIONS_PER_STATEMENT)
    await completionStatement(tx, items.slice(i, i + COMPLETIONS_PER_STATEMENT));
}

function parseJson(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

function normaliseRun(r: any): RunRow {
  return {
    ...r,
    params: parseJson(r.params),
    options: parseJson(r.options),
    created_at: Number(r.created_at),
    started_at: num(r.started_at),
    finished_at: num(r.finished_at),
  } as RunRow;
}

function normaliseStep(r: any): StepRow {
  return {
    ...r,
    outputs: parseJson(r.outputs),
    attempts: Number(r.attempts),
    started_at: num(r.started_at),
    finished_at: num(r.finished_at),
    duration_ms: num(r.duration_ms),
  } as StepRow;
}
