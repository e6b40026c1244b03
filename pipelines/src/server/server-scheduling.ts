import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../exec/engine.js';
import { PipelineScheduler } from '../schedule/pipeline-scheduler.js';
import { runStarter } from '../schedule/run-starter.js';
import { readSchedule, type ScheduledPipeline } from '../schedule/schedule-ticks.js';
import { startTriggers } from '../schedule/start-triggers.js';
import type { PipelineTrigger } from '../schedule/trigger-spec.js';
import type { Profile } from '../spec/profile.js';

export interface ServerScheduling {
  /** What runs on its own: `pipeline (cron)` and `pipeline (on.NAME: files FOLDER)`. */
  names: string[];
  stop(): Promise<void>;
}

/**
 * The scheduler `datanet schedule` runs, inside the server: the cron of each pipeline under
 * configs/pipelines, its `on:` data triggers (so a submission over HTTP, which lands in the inbox,
 * starts intake), and the waker that continues parked runs (review decisions, challenge windows).
 * Ticks and trigger batches are claimed in the store, so several replicas (or a separate
 * `datanet schedule`) never start the same one twice.
 */
export async function startServerScheduling(
  engine: Engine,
  profile: Profile,
  configRoot: string,
  log: (line: string) => void,
): Promise<ServerScheduling> {
  const dir = join(configRoot, 'configs', 'pipelines');
  let files: string[] = [];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    log(`no ${dir}: no schedules or triggers`);
  }
  const entries: ScheduledPipeline[] = [];
  for (const f of files) {
    const s = readSchedule(f);
    if (s) entries.push(s);
  }
  const triggers = await startTriggers(engine, profile, files, log);
  const starter = await runStarter(engine, profile);
  // A cron tick starts its run like a triggered one (in this process, or on the workers), under the
  // run id claimed with the tick; resolves once the run is handed off or has ended.
  const scheduler = new PipelineScheduler(engine, profile, entries, {
    log,
    fire: async (e, _tick, runId) => {
      const params = Object.fromEntries(Object.entries(e.schedule.params ?? {}).map(([k, v]) => [k, String(v)]));
      const asTrigger: PipelineTrigger = {
        file: e.file,
        pipeline: e.pipeline,
        name: 'schedule',
        kind: 'event',
        source: 'cron',
        debounceMs: 0,
        maxBatch: 1,
        pollMs: 0,
        param: '',
        params,
      };
      await starter.startTriggered(asTrigger, runId, params);
      return runId;
    },
  });
  // Catch-up of missed ticks runs in the background: the server answers meanwhile.
  const started = entries.length ? scheduler.start().catch((err: Error) => log(`scheduler: ${err.message}`)) : Promise.resolve();
  return {
    names: [...entries.map((e) => `${e.pipeline} (${e.schedule.cron})`), ...triggers.names],
    async stop() {
      scheduler.halt();
      await started;
      await Promise.all([scheduler.stop(), triggers.stop()]);
      await starter.close();
    },
  };
}
