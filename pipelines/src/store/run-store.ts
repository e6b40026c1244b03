import { type Kysely, sql } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import type { ArtifactRef } from '../operator/operator-context.js';
import { redact } from '../spec/interpolate.js';
import * as m0001 from './migrations/0001-run-store.js';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';

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

const MIGRATIONS: Record<string, Migration> = { '0001-run-store': m0001 };

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The engine's state: runs, steps, attempts, events, artifacts and cache entries (kysely). */
export class RunStore {
  private pendingEvents: Omit<EventRow, 'id'>[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly db: Kysely<any>,
    readonly dialect: 'postgres' | 'pglite',
  ) {}

  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.db,
      provider: { getMigrations: async () => MIGRATIONS },
      migrationTableName: 'datanet_engine_migrations',
      migrationLockTableName: 'datanet_engine_migrations_lock',
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  }

  async createRun(run: Omit<RunRow, 'error' | 'started_at' | 'finished_at'>, steps: Pick<StepRow, 'step_id' | 'pool'>[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('runs').values({ ...run, params: JSON.stringify(run.params), options: JSON.stringify(run.options) }).execute();
      for (let i = 0; i < steps.length; i += 1000) {
        await tx
          .insertInto('steps')
          .values(steps.slice(i, i + 1000).map((s) => ({ run_id: run.id, step_id: s.step_id, partition: '', status: 'pending', pool: s.pool })))
          .execute();
      }
    });
  }

  async setRunStatus(id: string, status: RunStatus, fields: { error?: string | null; started_at?: number; finished_at?: number } = {}): Promise<void> {
    await this.db.updateTable('runs').set({ status, ...fields, error: fields.error === undefined ? undefined : fields.error && redact(fields.error) }).where('id', '=', id).execute();
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
    const rows = await this.db.selectFrom('steps').selectAll().where('run_id', '=', runId).orderBy('step_id').orderBy('partition').execute();
    return rows.map(normaliseStep);
  }

  async startAttempt(runId: string, stepId: string, partition: string, attempt: number, worker: string, cacheKey: string | null): Promise<void> {
    const now = Date.now();
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('steps')
        .values({ run_id: runId, step_id: stepId, partition, status: 'running', attempts: attempt, cache_key: cacheKey, started_at: now, worker })
        .onConflict((oc) => oc.columns(['run_id', 'step_id', 'partition']).doUpdateSet({ status: 'running', attempts: attempt, cache_key: cacheKey, started_at: now, worker, error: null }))
        .execute();
      await tx
        .insertInto('attempts')
        .values({ run_id: runId, step_id: stepId, partition, attempt, status: 'running', worker, started_at: now })
        .onConflict((oc) => oc.columns(['run_id', 'step_id', 'partition', 'attempt']).doUpdateSet({ status: 'running', worker, started_at: now, finished_at: null, error: null }))
        .execute();
    });
  }

  async failAttempt(runId: string, stepId: string, partition: string, attempt: number, error: string, final: boolean): Promise<void> {
    const now = Date.now();
    const msg = redact(error);
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('attempts').set({ status: 'failed', error: msg, finished_at: now }).where('run_id', '=', runId).where('step_id', '=', stepId).where('partition', '=', partition).where('attempt', '=', attempt).execute();
      await tx
        .updateTable('steps')
        .set({ status: final ? 'failed' : 'running', error: msg, ...(final ? { finished_at: now } : {}) })
        .where('run_id', '=', runId)
        .where('step_id', '=', stepId)
        .where('partition', '=', partition)
        .execute();
    });
  }

  /**
   * Records a finished step in one transaction: its outputs and artifacts, its cache entry, and its
   * attempt. A step is only "succeeded" once this commits; a crash before leaves it to re-run.
   */
  async completeStep(c: {
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
  }): Promise<void> {
    const now = Date.now();
    const outputs = JSON.stringify(c.outputs);
    await this.db.transaction().execute(async (tx) => {
      const artifacts = Object.values(c.outputs).map((a) => ({ digest: a.digest, kind: a.kind, path: a.path, bytes: (a.meta.bytes as number) ?? null, meta: JSON.stringify(a.meta), created_at: now }));
      if (artifacts.length) await tx.insertInto('artifacts').values(artifacts).onConflict((oc) => oc.column('digest').doNothing()).execute();
      if (c.writeCache && c.cacheKey && !c.cached) {
        await tx.insertInto('cache_entries').values({ key: c.cacheKey, operator: c.operator, outputs, run_id: c.runId, step_id: c.stepId, created_at: now }).onConflict((oc) => oc.column('key').doNothing()).execute();
      }
      if (!c.cached) {
        await tx.updateTable('attempts').set({ status: 'succeeded', finished_at: now }).where('run_id', '=', c.runId).where('step_id', '=', c.stepId).where('partition', '=', c.partition).where('attempt', '=', c.attempt).execute();
      }
      await tx
        .insertInto('steps')
        .values({ run_id: c.runId, step_id: c.stepId, partition: c.partition, status: 'succeeded', reason: c.reason, cache_key: c.cacheKey, cached: c.cached, attempts: c.attempt, outputs, started_at: c.startedAt, finished_at: now, duration_ms: now - c.startedAt, error: null })
        .onConflict((oc) => oc.columns(['run_id', 'step_id', 'partition']).doUpdateSet({ status: 'succeeded', reason: c.reason, cache_key: c.cacheKey, cached: c.cached, attempts: c.attempt, outputs, finished_at: now, duration_ms: now - c.startedAt, error: null }))
        .execute();
    });
  }

  /** Records many finished foreach partitions in one transaction (a 10,000-way fan-out stays cheap). */
  async completePartitions(c: {
    runId: string;
    stepId: string;
    operator: string;
    writeCache: boolean;
    items: { partition: string; attempt: number; outputs: Record<string, ArtifactRef>; key: string; cached: boolean; startedAt: number }[];
  }): Promise<void> {
    const now = Date.now();
    await this.db.transaction().execute(async (tx) => {
      const artifacts = new Map<string, object>();
      for (const item of c.items) {
        for (const a of Object.values(item.outputs)) artifacts.set(a.digest, { digest: a.digest, kind: a.kind, path: a.path, bytes: (a.meta.bytes as number) ?? null, meta: JSON.stringify(a.meta), created_at: now });
      }
      const arts = [...artifacts.values()];
      for (let i = 0; i < arts.length; i += 1000) await tx.insertInto('artifacts').values(arts.slice(i, i + 1000)).onConflict((oc) => oc.column('digest').doNothing()).execute();
      const fresh = c.items.filter((i) => !i.cached && c.writeCache);
      for (let i = 0; i < fresh.length; i += 1000) {
        await tx
          .insertInto('cache_entries')
          .values(fresh.slice(i, i + 1000).map((f) => ({ key: f.key, operator: c.operator, outputs: JSON.stringify(f.outputs), run_id: c.runId, step_id: c.stepId, created_at: now })))
          .onConflict((oc) => oc.column('key').doNothing())
          .execute();
      }
      for (let i = 0; i < c.items.length; i += 1000) {
        await tx
          .insertInto('steps')
          .values(
            c.items.slice(i, i + 1000).map((f) => ({ run_id: c.runId, step_id: c.stepId, partition: f.partition, status: 'succeeded', reason: f.cached ? 'cached' : 'ran', cache_key: f.key, cached: f.cached, attempts: f.attempt, outputs: JSON.stringify(f.outputs), started_at: f.startedAt, finished_at: now, duration_ms: now - f.startedAt })),
          )
          .onConflict((oc) => oc.columns(['run_id', 'step_id', 'partition']).doUpdateSet((eb) => ({ status: eb.ref('excluded.status'), reason: eb.ref('excluded.reason'), cache_key: eb.ref('excluded.cache_key'), cached: eb.ref('excluded.cached'), attempts: eb.ref('excluded.attempts'), outputs: eb.ref('excluded.outputs'), finished_at: eb.ref('excluded.finished_at'), duration_ms: eb.ref('excluded.duration_ms') })))
          .execute();
      }
    });
  }

  async setStepStatus(runId: string, stepId: string, status: StepStatus, fields: { reason?: string; error?: string } = {}): Promise<void> {
    await this.db.updateTable('steps').set({ status, ...fields, error: fields.error ? redact(fields.error) : undefined }).where('run_id', '=', runId).where('step_id', '=', stepId).where('partition', '=', '').execute();
  }

  async getCache(key: string): Promise<Record<string, ArtifactRef> | undefined> {
    const row = await this.db.selectFrom('cache_entries').select('outputs').where('key', '=', key).executeTakeFirst();
    return row ? (parseJson(row.outputs) as Record<string, ArtifactRef>) : undefined;
  }

  async getCacheMany(keys: string[]): Promise<Map<string, Record<string, ArtifactRef>>> {
    const out = new Map<string, Record<string, ArtifactRef>>();
    for (let i = 0; i < keys.length; i += 1000) {
      const rows = await this.db.selectFrom('cache_entries').select(['key', 'outputs']).where('key', 'in', keys.slice(i, i + 1000)).execute();
      for (const r of rows) out.set(r.key, parseJson(r.outputs) as Record<string, ArtifactRef>);
    }
    return out;
  }

  /** Buffers an event; events are written in batches (every 100 ms or on flush). */
  event(runId: string, stepId: string | null, level: string, type: string, message: string, fields?: Record<string, unknown>): void {
    this.pendingEvents.push({ run_id: runId, step_id: stepId, ts: Date.now(), level, type, message: redact(message), fields: fields ? (JSON.parse(redact(JSON.stringify(fields))) as Record<string, unknown>) : null });
    this.flushTimer ??= setTimeout(() => void this.flushEvents().catch(() => {}), 100);
  }

  async flushEvents(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    while (this.pendingEvents.length) {
      const batch = this.pendingEvents.splice(0, 500);
      await this.db.insertInto('events').values(batch.map((e) => ({ ...e, fields: e.fields ? JSON.stringify(e.fields) : null }))).execute();
    }
  }

  async getEvents(runId: string, stepId?: string): Promise<EventRow[]> {
    let q = this.db.selectFrom('events').selectAll().where('run_id', '=', runId);
    if (stepId) q = q.where('step_id', '=', stepId);
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), ts: Number(r.ts), fields: parseJson(r.fields) }) as EventRow);
  }

  async getAttempts(runId: string): Promise<{ step_id: string; partition: string; attempt: number; status: string; worker: string | null; error: string | null; started_at: number; finished_at: number | null }[]> {
    const rows = await this.db.selectFrom('attempts').selectAll().where('run_id', '=', runId).orderBy('step_id').orderBy('partition').orderBy('attempt').execute();
    return rows.map((r) => ({ ...r, attempt: Number(r.attempt), started_at: Number(r.started_at), finished_at: num(r.finished_at) }) as any);
  }

  /** Claims a schedule tick; true for exactly one caller per (pipeline, tick). */
  async claimTick(pipeline: string, tick: number, firedBy: string): Promise<boolean> {
    const res = await sql`insert into schedule_ticks (pipeline, tick, fired_by, fired_at) values (${pipeline}, ${tick}, ${firedBy}, ${Date.now()}) on conflict do nothing`.execute(this.db);
    return Number(res.numAffectedRows ?? 0) === 1;
  }
}

function parseJson(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

function normaliseRun(r: any): RunRow {
  return { ...r, params: parseJson(r.params), options: parseJson(r.options), created_at: Number(r.created_at), started_at: num(r.started_at), finished_at: num(r.finished_at) } as RunRow;
}

function normaliseStep(r: any): StepRow {
  return { ...r, outputs: parseJson(r.outputs), attempts: Number(r.attempts), started_at: num(r.started_at), finished_at: num(r.finished_at), duration_ms: num(r.duration_ms) } as StepRow;
}
