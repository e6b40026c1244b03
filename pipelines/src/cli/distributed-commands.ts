import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, UsageError, type CliEnv } from './cli-env.js';
import { getEngine } from './engine-context.js';
import { printRunSummary } from './run-report.js';
import { DEFAULT_PROFILE, findProfile, loadProfile, type Profile } from '../spec/profile.js';
import { compilePipeline } from '../spec/compile-pipeline.js';
import { ValidationError } from '../spec/diagnostic.js';
import { parseDuration } from '../spec/pipeline-spec.js';
import type { Engine } from '../exec/engine.js';
import { lastClaimedTick, nextTicks, readSchedule, type ScheduledPipeline } from '../schedule/schedule-ticks.js';

function profileOf(name: string | undefined): Profile {
  if (!name) {
    const local = findProfile('local', [process.cwd()]);
    return local ? loadProfile(local) : DEFAULT_PROFILE;
  }
  const file = findProfile(name, [process.cwd()]);
  if (!file) throw new UsageError(`profile "${name}" not found (looked for configs/profiles/${name}.yaml from ${process.cwd()})`);
  return loadProfile(file);
}

function engineOf(env: CliEnv, program: Command, profile: Profile): Promise<Engine> {
  if (profile.stateDir && !program.opts().stateDir && !process.env.DATANET_STATE_DIR) program.setOptionValue('stateDir', profile.stateDir);
  return getEngine(env, program.opts().databaseUrl || process.env.DATABASE_URL || profile.database?.url, profile.artifacts?.path);
}

/** Resolves once SIGINT or SIGTERM arrives. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** Pipeline files named, or every file under configs/pipelines/ when none is. */
function pipelineFiles(files: string[]): string[] {
  if (files.length) return files.map((f) => resolve(f));
  const dir = resolve('configs/pipelines');
  try {
    return readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => join(dir, f));
  } catch {
    throw new UsageError('name pipeline files, or run from a folder with configs/pipelines/');
  }
}

function scheduledIn(files: string[]): ScheduledPipeline[] {
  const out: ScheduledPipeline[] = [];
  for (const f of files) {
    const s = readSchedule(f);
    if (s) out.push(s);
  }
  return out;
}

/** Core of `datanet schedules`: each scheduled pipeline with its next fire times and last claimed tick. */
export async function listSchedules(files: string[], count: number, engine?: Engine) {
  const now = new Date();
  return Promise.all(
    scheduledIn(files).map(async (s) => {
      const last = engine ? await lastClaimedTick(engine.database.db, s.pipeline) : undefined;
      return {
        pipeline: s.pipeline,
        file: s.file,
        cron: s.schedule.cron,
        timezone: s.schedule.timezone,
        catchup: s.schedule.catchup,
        next: nextTicks(s.schedule, now, count).map((d) => d.toISOString()),
        lastTick: last === undefined ? null : new Date(last).toISOString(),
      };
    }),
  );
}

export function registerDistributedCommands(program: Command, env: CliEnv): void {
  program
    .command('worker')
    .description('serve worker pools of distributed runs (needs the PostgreSQL run store and Redis of the profile)')
    .option('--profile <name>', 'profile name or path', 'distributed')
    .option('--pool <pools>', 'pools to serve, comma-separated (cpu, gpu, or labels)', 'cpu')
    .option('-c, --concurrency <n>', 'jobs at once per non-GPU pool', (v) => Number(v), 2)
    .option('--gpus <n>', 'GPUs offered to the gpu pool (default: what nvidia-smi lists)', (v) => Number(v))
    .option('--grace <duration>', 'on SIGTERM, how long running steps may finish before they are handed back', '30s')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (0: any free port)', (v) => Number(v))
    .action(async (opts: { profile: string; pool: string; concurrency: number; gpus?: number; grace: string; metricsPort?: number }) => {
      const pools = opts.pool
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      if (!pools.length) throw new UsageError('--pool: name at least one pool');
      if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new UsageError('--concurrency: a positive whole number');
      if (opts.metricsPort !== undefined && !(Number.isInteger(opts.metricsPort) && opts.metricsPort >= 0 && opts.metricsPort < 65536))
        throw new UsageError('--metrics-port: a port number (0 for any free one)');
      if (!/^(\d+(ms|s|m|h))+$|^\d+$/.test(opts.grace)) throw new UsageError(`--grace ${opts.grace}: a duration like 30s`);
      const profile = profileOf(opts.profile);
      const { DistributedWorker, detectGpus } = await import('../distributed/distributed-worker.js');
      const gpus = opts.gpus ?? (pools.includes('gpu') ? detectGpus() : 0);
      const engine = await engineOf(env, program, profile);
      let worker;
      try {
        worker = new DistributedWorker(engine, profile, {
          pools,
          concurrency: opts.concurrency,
          gpus,
          metricsPort: opts.metricsPort,
          log: (l) => process.stderr.write(`${l}\n`),
        });
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      await worker.start();
      if (worker.metricsUrl) process.stderr.write(`metrics at ${worker.metricsUrl}\n`);
      env.say(`worker ${worker.identity} ready (pools ${pools.join(', ')})`);
      const sig = await untilSignal();
      process.stderr.write(`${sig}: worker ${worker.identity} stops taking jobs; running steps get ${opts.grace} to finish\n`);
      await worker.stop(parseDuration(/^\d+$/.test(opts.grace) ? Number(opts.grace) : opts.grace));
      env.result({ worker: worker.identity, ...worker.counts });
    });

  program
    .command('cancel')
    .description(
      'cancel a distributed run (nothing more is dispatched, running steps are aborted), a waiting run, or an in-process run whose process died',
    )
    .argument('<run-id>', 'run id (a unique prefix is enough)')
    .action(async (runId: string) => {
      const engine = await getEngine(env, program.opts().databaseUrl);
      const exact = await engine.store.getRun(runId);
      const runs = exact ? [exact] : await engine.store.findRuns(runId);
      if (!runs.length) throw new CliError(`no run "${runId}" (see \`datanet runs\`)`);
      if (runs.length > 1) throw new UsageError(`run id "${runId}" is ambiguous: ${runs.map((r) => r.id).join(', ')}`);
      // An in-process run is executed by one process, which would overwrite a status written here:
      // only that process cancels it while it lives. One whose process died is cleaned up here.
      let orphan: string | undefined;
      if (runs[0].executor !== 'distributed' && ['queued', 'running'].includes(runs[0].status)) {
        const { runHolder } = await import('../exec/run-holder.js');
        const holder = await runHolder(engine.store, runs[0].id);
        if (holder.alive) {
          const pid = holder.worker?.split(':').pop();
          throw new CliError(
            `run ${runs[0].id} is still executing (${holder.how}); cancel it there (Ctrl-C in its terminal, \`kill -INT ${pid ?? '<pid>'}\` on its host, or POST /api/runs/${runs[0].id}/cancel on the \`datanet serve\` running it)`,
          );
        }
        orphan = holder.how;
      }
      const { DagStore } = await import('../distributed/dag-store.js');
      const { cancelRun } = await import('../distributed/dag-recovery.js');
      const done = await cancelRun(new DagStore(engine.database.db), runs[0].id);
      if (!done) {
        // Already over: cancelling it again is answered with how it ended (exit 0), like any retried command.
        const { storedRunSummary } = await import('../exec/run-summary.js');
        const summary = await storedRunSummary(engine.store, runs[0].id);
        if (env.json) return env.result(summary);
        env.say(`run ${runs[0].id} already ${summary.status}; nothing to cancel`);
        printRunSummary(summary);
        return;
      }
      env.say(
        orphan
          ? `run ${runs[0].id} cancelled: the process executing it is gone (${orphan}); resume it with \`datanet resume ${runs[0].id}\``
          : `run ${runs[0].id} cancelled; resume it with \`datanet resume ${runs[0].id}\``,
      );
      env.result({ runId: runs[0].id, status: 'cancelled', ...(orphan ? { processGone: orphan } : {}) });
    });

  program
    .command('schedules')
    .description('list scheduled pipelines with their next fire times')
    .argument('[files...]', 'pipeline files (default: configs/pipelines/*.yaml)')
    .option('-n, --next <n>', 'how many fire times', (v) => Number(v), 3)
    .option('--no-store', 'do not open the run store for the last fired tick')
    .action(async (files: string[], opts: { next: number; store: boolean }) => {
      const engine = opts.store ? await getEngine(env, program.opts().databaseUrl) : undefined;
      const list = await listSchedules(pipelineFiles(files), opts.next, engine);
      if (env.json) return env.result(list);
      if (!list.length) env.say('no scheduled pipelines');
      for (const s of list) {
        env.say(`${s.pipeline}  ${s.cron} (${s.timezone}, catchup ${s.catchup})  last ${s.lastTick ?? 'never'}`);
        for (const t of s.next) env.say(`    next ${t}`);
      }
    });

  program
    .command('schedule')
    .description(
      'run the scheduler: fire scheduled pipelines on their cron (BullMQ job schedulers with the distributed profile), start runs on their on: triggers, and wake parked steps whose time has come',
    )
    .argument('[files...]', 'pipeline files (default: configs/pipelines/*.yaml)')
    .option('--profile <name>', 'profile name or path (default: local)')
    .action(async (files: string[], opts: { profile?: string }) => {
      const profile = profileOf(opts.profile);
      const paths = pipelineFiles(files);
      const entries = scheduledIn(paths);
      const engine = await engineOf(env, program, profile);
      const { startTriggers } = await import('../schedule/start-triggers.js');
      const triggers = await startTriggers(engine, profile, paths, (l) => process.stderr.write(`${l}\n`));
      const { PipelineScheduler } = await import('../schedule/pipeline-scheduler.js');
      const fire = await firer(engine, profile);
      const scheduler = new PipelineScheduler(engine, profile, entries, { fire, log: (l) => process.stderr.write(`${l}\n`) });
      // Listening before the catch-up: a signal during it ends the catch-up after the current
      // tick's run has started, never between a tick's claim and its run.
      const signal = untilSignal().then(() => scheduler.halt());
      if (entries.length) await scheduler.start();
      env.say(
        `scheduler ${scheduler.identity}: ${[...entries.map((e) => `${e.pipeline} (${e.schedule.cron})`), ...triggers.names].join(', ') || 'no schedules or triggers; waking parked steps only'}`,
      );
      await signal;
      await Promise.all([scheduler.stop(), triggers.stop()]);
      env.result({ scheduler: scheduler.identity, fired: scheduler.fired, triggered: triggers.fired() });
    });
}

/** How a tick starts its run: submitted to the workers (distributed) or run in this process. */
async function firer(engine: Engine, profile: Profile): Promise<(e: ScheduledPipeline, tick: number, runId: string) => Promise<string>> {
  const compile = async (e: ScheduledPipeline) => {
    const params = Object.fromEntries(Object.entries(e.schedule.params ?? {}).map(([k, v]) => [k, String(v)]));
    const { graph, diagnostics } = await compilePipeline(e.file, { params, extraPlugins: profile.plugins });
    if (!graph) throw new ValidationError(diagnostics);
    return { graph, params };
  };
  if (profile.executor === 'distributed') {
    const { DistributedCoordinator } = await import('../distributed/distributed-coordinator.js');
    const coordinator = new DistributedCoordinator(engine, profile);
    return async (e, _tick, runId) => {
      const { graph, params } = await compile(e);
      return coordinator.submit(graph, { paramOverrides: params, runId });
    };
  }
  const { runPipeline } = await import('../exec/in-process-executor.js');
  return async (e, _tick, runId) => {
    const { graph, params } = await compile(e);
    return (
      await runPipeline(engine, graph, {
        runId,
        paramOverrides: params,
        resources: profile.resources ?? {},
        concurrency: profile.concurrency,
      })
    ).runId;
  };
}
