import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, UsageError, type CliEnv } from './cli-env.js';
import { getEngine } from './engine-context.js';
import { DEFAULT_PROFILE, findProfile, loadProfile, type Profile } from '../spec/profile.js';
import type { Engine } from '../exec/engine.js';
import { errorMessage } from '../exec/errors.js';
import { readTriggers } from '../schedule/trigger-spec.js';
import { triggerStatus } from '../schedule/trigger-claims.js';
import { describeCondition } from '../wait/wait-condition.js';
import { listWaits, recordSignal, wakeByHand } from '../wait/wait-store.js';
import { wakeReadyRuns } from '../wait/wake-waits.js';

function profileOf(name: string | undefined): Profile {
  const file = findProfile(name ?? 'local', [process.cwd()]);
  if (!file && name) throw new UsageError(`profile "${name}" not found (looked for configs/profiles/${name}.yaml from ${process.cwd()})`);
  return file ? loadProfile(file) : DEFAULT_PROFILE;
}

function engineOf(env: CliEnv, program: Command, profile: Profile): Promise<Engine> {
  if (profile.stateDir && !program.opts().stateDir && !process.env.DATANET_STATE_DIR) program.setOptionValue('stateDir', profile.stateDir);
  return getEngine(env, program.opts().databaseUrl || process.env.DATABASE_URL || profile.database?.url, profile.artifacts?.path);
}

function parsePayload(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text; // a bare word ("approve") is a string payload
  }
}

/**
 * Continues the runs a wake made ready, in this process (in-process runs run on here to their end
 * or their next wait; distributed ones have their steps re-queued for the workers).
 */
async function continueWoken(env: CliEnv, engine: Engine, profile: Profile, onlyRun?: string): Promise<string[]> {
  const { runStarter } = await import('../schedule/run-starter.js');
  const starter = await runStarter(engine, profile);
  try {
    return await wakeReadyRuns(
      engine.database.db,
      (t) => starter.continueRun(t),
      (l) => process.stderr.write(`${l}\n`),
      onlyRun,
    );
  } finally {
    await starter.close();
  }
}

async function runStatuses(engine: Engine, ids: string[]) {
  const out: { runId: string; status: string }[] = [];
  for (const id of ids) out.push({ runId: id, status: (await engine.store.getRun(id))?.status ?? 'unknown' });
  return out;
}

export function registerWaitCommands(program: Command, env: CliEnv): void {
  program
    .command('triggers')
    .description("list the pipelines' on: triggers with their cursor, entries pending and last run")
    .argument('[files...]', 'pipeline files (default: configs/pipelines/*.yaml)')
    .option('--profile <name>', 'profile name or path (default: local)')
    .action(async (files: string[], opts: { profile?: string }) => {
      const engine = await engineOf(env, program, profileOf(opts.profile));
      const paths = files.length ? files.map((f) => resolve(f)) : listPipelineFiles();
      const list = await Promise.all(
        paths.flatMap((f) => readTriggers(f, engine.stateDir)).map((t) => triggerStatus(engine.database.db, t)),
      );
      if (env.json) return env.result(list);
      if (!list.length) env.say('no on: triggers');
      for (const t of list) {
        env.say(`${t.pipeline}  on.${t.trigger}  ${t.kind} ${t.source}  (debounce ${t.debounce}ms, maxBatch ${t.maxBatch})`);
        const c = t.cursor;
        env.say(
          `    cursor ${c ? `${c.batches} batch(es) since ${new Date(c.since).toISOString()}${c.last ? `, last entry ${c.last}` : ''}` : 'never evaluated'}; pending ${t.pending}`,
        );
        env.say(
          `    last run ${t.lastBatch ? `${t.lastBatch.runId} (${t.lastBatch.runStatus ?? 'not started'}, ${t.lastBatch.entries} entries, fired ${t.lastBatch.firedAt} by ${t.lastBatch.firedBy})` : 'none'}`,
        );
      }
    });

  program
    .command('signal')
    .description('record a named signal (a decision, a notice) and continue the runs whose parked steps it completes')
    .argument('<name>', 'signal name, as the waiting operator named it')
    .option('--payload <json>', 'what the signal carries (JSON, or a bare word)')
    .option('--by <who>', 'who sends it (recorded with it)', process.env.USER ?? 'cli')
    .option('--no-continue', 'only record it; the scheduler (or a later wake) continues the runs')
    .option('--profile <name>', 'profile name or path (default: local)')
    .action(async (name: string, opts: { payload?: string; by: string; continue: boolean; profile?: string }) => {
      const profile = profileOf(opts.profile);
      const engine = await engineOf(env, program, profile);
      const id = await recordSignal(engine.database.db, name, parsePayload(opts.payload), opts.by);
      env.say(`signal "${name}" recorded (#${id})`);
      const continued = opts.continue ? await continueWoken(env, engine, profile) : [];
      for (const r of await runStatuses(engine, continued)) env.say(`run ${r.runId}: ${r.status}`);
      env.result({ signal: name, id, continued: await runStatuses(engine, continued) });
    });

  program
    .command('wake')
    .description("wake a run's parked step by hand (its wait counts as met) and continue the run")
    .argument('<run-id>', 'run id (a unique prefix is enough)')
    .argument('[step]', 'the waiting step (default: every waiting step of the run)')
    .option('--payload <json>', "what the step gets as the wait's value (JSON, or a bare word)")
    .option('--partition <key>', 'the partition of a foreach step', '')
    .option('--no-continue', 'only record the wake; the scheduler (or `datanet resume`) continues the run')
    .option('--profile <name>', 'profile name or path (default: local)')
    .action(
      async (
        runId: string,
        step: string | undefined,
        opts: { payload?: string; partition: string; continue: boolean; profile?: string },
      ) => {
        const profile = profileOf(opts.profile);
        const engine = await engineOf(env, program, profile);
        const found = (await engine.store.getRun(runId)) ?? (await engine.store.findRuns(runId))[0];
        if (!found) throw new CliError(`no run "${runId}" (see \`datanet runs\`)`);
        const waits = (await listWaits(engine.database.db, { runId: found.id, status: 'waiting' })).filter(
          (w) => !step || (w.stepId === step && w.partition === opts.partition),
        );
        if (!waits.length) {
          // Waking twice is not an error: the first wake did it (a retried command gets the same answer).
          if ((found.status as string) !== 'waiting') {
            env.say(`run ${found.id} is ${found.status}; nothing is waiting`);
            return env.result({ runId: found.id, status: found.status, woken: [] });
          }
          throw new UsageError(`run ${found.id} has no step${step ? ` "${step}"` : ''} waiting`);
        }
        const by = `${process.env.USER ?? 'cli'} (datanet wake)`;
        const woken: string[] = [];
        for (const w of waits)
          if (await wakeByHand(engine.database.db, w.runId, w.stepId, w.partition, by, parsePayload(opts.payload))) woken.push(w.stepId);
        env.say(`run ${found.id}: woke ${woken.join(', ')}`);
        const continued = opts.continue
          ? await continueWoken(env, engine, profile, found.id).catch((err) => {
              process.stderr.write(`could not continue run ${found.id}: ${errorMessage(err)}\n`);
              return [] as string[];
            })
          : [];
        const status = (await engine.store.getRun(found.id))?.status;
        if (continued.length) env.say(`run ${found.id}: ${status}`);
        env.result({ runId: found.id, woken, status });
      },
    );

  program
    .command('waits')
    .description('list parked steps: what each waits for, since when, its deadline')
    .argument('[run-id]', 'only this run')
    .option('--all', 'also waits that are over')
    .action(async (runId: string | undefined, opts: { all?: boolean }) => {
      const engine = await getEngine(env, program.opts().databaseUrl);
      const rows = (await listWaits(engine.database.db, runId ? { runId } : {})).filter((w) => opts.all || w.status !== 'done');
      if (env.json) return env.result(rows.map((w) => ({ ...w, waitingFor: describeCondition(w.condition) })));
      if (!rows.length) env.say('no steps waiting');
      for (const w of rows) {
        env.say(
          `${w.runId}  ${w.stepId}${w.partition ? `[${w.partition}]` : ''}  ${w.status.padEnd(7)}  ${describeCondition(w.condition)}  since ${new Date(w.since).toISOString()}${w.deadline ? `  deadline ${new Date(w.deadline).toISOString()} (${w.onDeadline})` : ''}`,
        );
      }
    });
}

function listPipelineFiles(): string[] {
  const dir = resolve('configs/pipelines');
  try {
    return readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => join(dir, f));
  } catch {
    throw new UsageError('name pipeline files, or run from a folder with configs/pipelines/');
  }
}
