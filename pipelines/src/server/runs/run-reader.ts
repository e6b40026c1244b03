import { DATANET_ID, RunReader as EngineRunReader, UnknownCursorError, type EventView, type RunView } from '../../read/run-reader.js';
import { sql, type Kysely } from 'kysely';
import type { RunStatus } from '../../store/run-store.js';
import type { RunStoreDb } from '../../store/run-store-tables.js';

export interface RunFilter {
  pipeline?: string;
  status?: RunStatus;
  /** A Datanet's runs; null: the deployment's (runs that name no Datanet). */
  datanet: string | null;
  since?: number;
  until?: number;
  limit: number;
  /** Paging: runs created before this one. */
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
 * The service's one view of runs, over the engine's read-only RunReader: the routes depend on this
 * adapter only. A run belongs to a Datanet when its parameters name one (`datanet`); otherwise to
 * the deployment. A list is always of one scope, as the detail of a run is read under its scope
 * (README, permission matrix: a role on one scope gives nothing on another), so deployment staff
 * list the deployment's runs, not every Datanet's.
 */
export class RunReader {
  private readonly engine: EngineRunReader;
  private readonly db: Kysely<RunStoreDb>;

  constructor(db: ConstructorParameters<typeof EngineRunReader>[0]) {
    this.engine = new EngineRunReader(db);
    this.db = db as Kysely<RunStoreDb>;
  }

  async list(f: RunFilter): Promise<RunListItem[]> {
    if (f.before !== undefined) {
      // A cursor from another scope is as unknown as one that names no run: which ids exist
      // elsewhere is not this caller's business.
      const anchor = await this.engine.getRun(f.before);
      if (!anchor || datanetOf(anchor) !== f.datanet)
        throw new UnknownCursorError(
          `before: no run "${f.before}" among ${f.datanet === null ? "the deployment's runs" : `the runs of ${f.datanet}`}; give the id of the last run of the previous page, or leave it out for the first page`,
        );
    }
    return (await this.engine.listRuns(f)).map(listItem);
  }

  async get(id: string): Promise<RunView | undefined> {
    return this.engine.getRun(id);
  }

  async detail(id: string) {
    const run = await this.engine.getRun(id);
    if (!run) return undefined;
    const [steps, attempts, events] = await Promise.all([
      this.engine.steps(id, { partitions: true }),
      this.engine.attempts(id),
      // The newest events when there are more than a page: how a long run ended matters most.
      this.engine.events(id, { newest: true }),
    ]);
    return {
      run: { ...listItem(run), file: run.file, params: run.params },
      steps,
      attempts,
      events,
      // Log lines are the events operators wrote through ctx.log.
      logs: events.filter((e) => e.type === 'log'),
    };
  }

  /** Events after an id (for live streams), oldest first. */
  async eventsAfter(runId: string, afterId: number, limit = 500): Promise<EventView[]> {
    return this.engine.events(runId, { afterId, limit });
  }

  /** The ids of a run's events in (after, upTo], oldest first. */
  async eventIdsBetween(runId: string, after: number, upTo: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('events')
      .select('id')
      .where('run_id', '=', runId)
      .where('id', '>', after)
      .where('id', '<=', upTo)
      .orderBy('id')
      .execute();
    return rows.map((r) => Number(r.id));
  }

  /**
   * Whether a step of the run is still `running`: a distributed run that was cancelled is final
   * while its workers abort their steps, and their step.failed events come after.
   */
  async hasRunningSteps(runId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('steps')
      .select('step_id')
      .where('run_id', '=', runId)
      .where('status', '=', 'running')
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** A run's events with these ids, oldest first. */
  async eventsWithIds(runId: string, ids: number[]): Promise<EventView[]> {
    return ids.length ? this.engine.events(runId, { ids }) : [];
  }

  /**
   * What the store can say now about event ids still to appear, for a live stream: `visible`, how
   * many events (of any run) have ids in (after, upTo], so fewer than upTo - after means some id
   * there is unwritten yet (or rolled back); and its transaction horizon (PostgreSQL's snapshot):
   * every transaction below `xmin` has ended, every one started so far is below `xmax`. PGlite has
   * one connection, so nothing is ever in flight there.
   */
  async eventHorizon(after: number, upTo: number): Promise<{ visible: number; xmin: bigint; xmax: bigint }> {
    const { rows } = await sql<{ visible: string; xmin: string; xmax: string }>`select
        (select count(*) from events where id > ${after} and id <= ${upTo})::text as visible,
        pg_snapshot_xmin(s)::text as xmin, pg_snapshot_xmax(s)::text as xmax
      from (select pg_current_snapshot() as s) as snap`.execute(this.db);
    return { visible: Number(rows[0].visible), xmin: BigInt(rows[0].xmin), xmax: BigInt(rows[0].xmax) };
  }
}

/** The Datanet a run belongs to: its `datanet` parameter when that is a Datanet id; else null (the deployment). */
export function datanetOf(run: Pick<RunView, 'params'>): string | null {
  const d = (run.params as Record<string, unknown> | null)?.datanet;
  return typeof d === 'string' && DATANET_ID.test(d) ? d : null;
}

function listItem(r: RunView): RunListItem {
  return {
    id: r.id,
    pipeline: r.pipeline,
    status: r.status,
    datanet: datanetOf(r),
    executor: r.executor,
    error: r.error,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}
