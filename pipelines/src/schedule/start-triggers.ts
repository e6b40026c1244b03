import type { Engine } from '../exec/engine.js';
import { newRunId } from '../exec/run-types.js';
import { workerIdentity } from '../distributed/distributed-config.js';
import type { Profile } from '../spec/profile.js';
import { wakeReadyRuns } from '../wait/wake-waits.js';
import { runStarter } from './run-starter.js';
import { TriggerScheduler } from './trigger-scheduler.js';
import { readTriggers } from './trigger-spec.js';

/**
 * The part of `datanet schedule` beside cron: every `on:` trigger of the files, and the waker that
 * continues runs whose parked steps can go on (time conditions, deadlines, and conditions that
 * came true while nobody recorded a wake).
 */
export async function startTriggers(
  engine: Engine,
  profile: Profile,
  files: string[],
  log: (line: string) => void,
  identity = workerIdentity(),
) {
  const triggers = files.flatMap((f) => readTriggers(f, engine.stateDir));
  const starter = await runStarter(engine, profile);
  // A continued run may take long in this process: the waker's next round does not wait for it.
  const continuing = new Set<Promise<void>>();
  const scheduler = new TriggerScheduler(engine, triggers, {
    identity,
    log,
    newRunId,
    fire: (t, runId, params) => starter.startTriggered(t, runId, params),
    wake: async () => {
      await wakeReadyRuns(
        engine.database.db,
        async (target) => {
          const p = starter.continueRun(target).catch((err: Error) => log(`run ${target.runId}: could not continue: ${err.message}`));
          continuing.add(p);
          void p.finally(() => continuing.delete(p));
        },
        log,
      );
    },
  });
  await scheduler.start();
  return {
    names: triggers.map((t) => `${t.pipeline} (on.${t.name}: ${t.kind} ${t.source})`),
    fired: () => scheduler.fired,
    async stop() {
      await scheduler.stop();
      await Promise.allSettled([...continuing]);
      await starter.close();
    },
  };
}
