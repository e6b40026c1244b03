import type { Engine } from '../exec/engine.js';
import { errorMessage } from '../exec/errors.js';
import { batchValue } from './trigger-sources.js';
import { claimBatch, orphanBatches } from './trigger-claims.js';
import type { PipelineTrigger } from './trigger-spec.js';

export interface TriggerSchedulerOptions {
  identity: string;
  log?: (line: string) => void;
  newRunId: () => string;
  /** Starts the trigger's run under the claimed run id with these parameter overrides. */
  fire: (t: PipelineTrigger, runId: string, params: Record<string, string>) => Promise<void>;
  /** One round of waking parked steps (see wakeReadyRuns); run on its own timer. */
  wake?: () => Promise<void>;
  wakeEveryMs?: number;
}

/** A claimed batch without its run this long after the claim has lost its scheduler. */
const ORPHAN_AFTER_MS = 10_000;

/**
 * Evaluates `on:` triggers beside the cron schedules: each trigger is looked at every `poll`, and
 * a batch is claimed in the run store before its run starts (see claimBatch), so however many
 * schedulers run, each batch starts one run. Also wakes parked steps whose time has come.
 */
export class TriggerScheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;
  fired: { pipeline: string; trigger: string; runId: string; entries: number }[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly triggers: PipelineTrigger[],
    private readonly options: TriggerSchedulerOptions,
  ) {}

  private log(line: string): void {
    this.options.log?.(line);
  }

  async start(): Promise<void> {
    for (const t of this.triggers) this.loop(t.pollMs, () => this.evaluate(t));
    if (this.options.wake) this.loop(this.options.wakeEveryMs ?? 1000, this.options.wake);
  }

  /** Runs `fn` now and then every `ms` after it finishes; errors are logged, never fatal. */
  private loop(ms: number, fn: () => Promise<void>): void {
    const round = async () => {
      if (this.stopped) return;
      await fn().catch((err) => this.log(`scheduler: ${errorMessage(err)}`));
      if (this.stopped) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.track(round());
      }, ms);
      this.timers.add(timer);
    };
    void this.track(round());
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => {});
    return p;
  }

  /** One look at a trigger: orphaned batches first, then a new batch if one is due. */
  async evaluate(t: PipelineTrigger): Promise<void> {
    const db = this.engine.database.db;
    for (const o of await orphanBatches(db, t, Date.now() - ORPHAN_AFTER_MS)) {
      if (this.stopped) return;
      this.log(
        `${t.pipeline}: on.${t.name}: batch ${o.batchKey.slice(0, 8)} was claimed by ${o.firedBy}, which stopped before its run started: starting run ${o.runId}`,
      );
      this.start1(t, o.runId, o.entries);
    }
    for (;;) {
      if (this.stopped) return;
      const outcome = await claimBatch(db, t, this.options.identity, this.options.newRunId);
      if (!outcome.fired) return;
      this.log(
        `${t.pipeline}: on.${t.name}: ${outcome.entries.length} new entr${outcome.entries.length === 1 ? 'y' : 'ies'} -> run ${outcome.runId}`,
      );
      this.start1(t, outcome.runId, outcome.entries);
      // A full batch may leave more behind: look again at once.
      if (outcome.entries.length < t.maxBatch) return;
    }
  }

  /** Starts the batch's run without holding the trigger's loop (an in-process run may take long). */
  private start1(t: PipelineTrigger, runId: string, entries: string[]): void {
    this.fired.push({ pipeline: t.pipeline, trigger: t.name, runId, entries: entries.length });
    const params = { ...t.params, [t.param]: JSON.stringify(batchValue(t, entries)) };
    void this.track(
      this.options.fire(t, runId, params).then(
        () => this.log(`${t.pipeline}: on.${t.name}: run ${runId} started`),
        (err) => this.log(`${t.pipeline}: on.${t.name}: run ${runId} failed to start: ${errorMessage(err)}`),
      ),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}
