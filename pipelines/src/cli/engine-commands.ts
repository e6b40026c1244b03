import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, UsageError, type CliEnv } from './cli-env.js';
import { getEngine } from './engine-context.js';
import { createRunDisplay } from './run-display.js';
import { printRunSummary, printRunDetail } from './run-report.js';
import { exportArtifact, previewArtifact } from './inspect-artifact.js';
import { compilePipeline, compilePipelineSource, type CompileResult, type PipelineGraph } from '../spec/compile-pipeline.js';
import { emitLineage, storedRunLineage } from '../lineage/openlineage.js';
import type { Engine } from '../exec/engine.js';
import { errorMessage } from '../exec/errors.js';
import { formatDiagnostic, ValidationError } from '../spec/diagnostic.js';
import { DEFAULT_PROFILE, findProfile, loadProfile, type Profile } from '../spec/profile.js';
import { YamlSource } from '../spec/yaml-source.js';
import { pipelineJsonSchema } from '../spec/json-schema.js';
import { loadOperators } from '../operator/operator-registry.js';
import { planPipeline } from '../plan/plan-pipeline.js';
import { resumeRunGraph, runPipeline } from '../exec/in-process-executor.js';
import { storedRunSummary, type RunSummary } from '../exec/run-summary.js';

function collectParams(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`--param ${value}: expected KEY=VALUE`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

function collectList(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').filter(Boolean)];
}

function resolveProfile(option: string | undefined, pipelineFile: string | undefined): Profile {
  const name = option ?? (pipelineFile ? (YamlSource.read(pipelineFile).value as { profile?: string } | null)?.profile : undefined);
  if (!name) return findProfile('local', [process.cwd()]) ? loadProfile(findProfile('local', [process.cwd()])!) : DEFAULT_PROFILE;
  const file = findProfile(name, [process.cwd(), ...(pipelineFile ? [dirname(resolve(pipelineFile))] : [])]);
  if (!file) throw new UsageError(`profile "${name}" not found (looked for configs/profiles/${name}.yaml from ${process.cwd()})`);
  return loadProfile(file);
}

async function compileOrThrow(
  file: string,
  params: Record<string, string>,
  profile: Profile,
): Promise<NonNullable<CompileResult['graph']>> {
  const { graph, diagnostics } = await compilePipeline(file, { params, extraPlugins: profile.plugins });
  if (!graph) throw new ValidationError(diagnostics);
  return graph;
}

function engineFor(env: CliEnv, program: Command, profile: Profile) {
  if (profile.stateDir && !program.opts().stateDir && !process.env.DATANET_STATE_DIR) program.setOptionValue('stateDir', profile.stateDir);
  return getEngine(env, program.opts().databaseUrl ?? process.env.DATABASE_URL ?? profile.database?.url, profile.artifacts?.path);
}

/** Ctrl-C cancels the run (it stays resumable); a second one quits. Removed when the run ends. */
function installInterrupt(): AbortController & { dispose(): void } {
  const ac = new AbortController() as AbortController & { dispose(): void };
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      process.stderr.write('\ninterrupt: cancelling the run (it stays resumable); press Ctrl-C again to quit at once\n');
      ac.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  ac.dispose = () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  return ac;
}

function finish(env: CliEnv, summary: RunSummary): void {
  if (env.json) env.result(summary);
  else printRunSummary(summary);
  // A waiting run is not a failure: its process may exit; a wake or `datanet resume` continues it.
  if (summary.status === 'waiting') {
    process.stderr.write(
      `run ${summary.runId} is waiting: ${summary.error ?? 'a step waits for a condition'}. Nothing is held while it waits; it continues on \`datanet signal NAME\`, \`datanet wake ${summary.runId}\`, \`datanet resume ${summary.runId}\` once its condition holds, or under \`datanet schedule\` (time conditions and deadlines).\n`,
    );
    return;
  }
  if (summary.status !== 'succeeded') throw Object.assign(new CliError(summary.error ?? `run ${summary.status}`), { quietInJson: true }); // --json: the summary is the one document
}

export function registerEngineCommands(program: Command, env: CliEnv): void {
  program
    .command('validate')
    .description('check a pipeline file; prints every problem as FILE:LINE:COL: message')
    .argument('<file>', 'pipeline YAML')
    .option('-p, --param <key=value>', 'override a parameter', collectParams, {})
    .option('--profile <name>', 'profile name or path')
    .action(async (file: string, opts: { param: Record<string, string>; profile?: string }) => {
      const profile = resolveProfile(opts.profile, file);
      const { graph, diagnostics } = await compilePipeline(file, { params: opts.param, extraPlugins: profile.plugins });
      if (env.json) env.result({ valid: !!graph, diagnostics });
      else for (const d of diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
      if (!graph) throw Object.assign(new CliError(`${diagnostics.length} problem(s) in ${file}`), { quietInJson: true });
      env.say(`${file}: valid (${graph.steps.size} steps in ${graph.layers.length} layers)`);
    });

  program
    .command('plan')
    .description("show the DAG in layers, each step's cache key, and whether it would run or hit the cache")
    .argument('<file>', 'pipeline YAML')
    .option('-p, --param <key=value>', 'override a parameter', collectParams, {})
    .option('--profile <name>', 'profile name or path')
    .option('--no-cache', 'plan as if the cache were empty')
    .option('--from <steps>', 're-run these steps and their downstream', collectList, [])
    .action(async (file: string, opts: { param: Record<string, string>; profile?: string; cache: boolean; from: string[] }) => {
      const profile = resolveProfile(opts.profile, file);
      const graph = await compileOrThrow(file, opts.param, profile);
      checkFrom(opts.from, graph.steps);
      const engine = await engineFor(env, program, profile);
      const plan = await planPipeline(graph, engine.store, { noCache: !opts.cache, from: opts.from, stateDir: engine.stateDir });
      if (env.json) return env.result(plan);
      for (const [i, layer] of plan.layers.entries()) {
        env.say(`layer ${i}:`);
        for (const id of layer) {
          const s = plan.steps.find((x) => x.id === id)!;
          env.say(`  ${s.willRun ? 'run   ' : 'cached'} ${s.id} (${s.uses}${s.foreach ? `, foreach ${s.foreach}` : ''}, pool ${s.pool})`);
          env.say(`         key ${s.cacheKey ?? 'pending'}: ${s.reason}`);
        }
      }
      const n = plan.steps.filter((s) => s.willRun).length;
      env.say(`${n} of ${plan.steps.length} steps would run`);
    });

  program
    .command('run')
    .description('run a pipeline (embedded: in this process, no servers)')
    .argument('<file>', 'pipeline YAML')
    .option('-p, --param <key=value>', 'override a parameter', collectParams, {})
    .option('--profile <name>', "profile name or path (default: the pipeline's, else local)")
    .option('--no-cache', 'run every step even if a stored result exists')
    .option('--from <steps>', 're-run these steps and their downstream', collectList, [])
    .option('-c, --concurrency <n>', 'steps run at once', (v) => Number(v))
    .option('-q, --quiet', 'no progress output')
    .action(
      async (
        file: string,
        opts: { param: Record<string, string>; profile?: string; cache: boolean; from: string[]; concurrency?: number; quiet?: boolean },
      ) => {
        const profile = resolveProfile(opts.profile, file);
        const graph = await compileOrThrow(file, opts.param, profile);
        checkFrom(opts.from, graph.steps);
        const engine = await engineFor(env, program, profile);
        const interrupt = installInterrupt();
        const listener = createRunDisplay(process.stderr, { tty: Boolean(process.stderr.isTTY), quiet: Boolean(opts.quiet) });
        const runOptions = {
          noCache: !opts.cache,
          from: opts.from,
          concurrency: opts.concurrency ?? profile.concurrency,
          signal: interrupt.signal,
          listener,
          resources: profile.resources ?? {},
          paramOverrides: opts.param,
        };
        let summary: RunSummary;
        if (profile.executor === 'distributed') {
          const { runDistributed } = await import('../distributed/distributed-run.js');
          summary = await runDistributed(engine, graph, profile, runOptions);
        } else summary = await runPipeline(engine, graph, runOptions).finally(() => interrupt.dispose());
        interrupt.dispose();
        await afterRun(engine, profile, summary.runId, graph);
        finish(env, summary);
      },
    );

  program
    .command('resume')
    .description('finish an interrupted or failed run: finished steps are kept, the rest run from their start')
    .argument('<run-id>', 'run id (a unique prefix is enough)')
    .option('--profile <name>', 'profile name or path')
    .option('-q, --quiet', 'no progress output')
    .action(async (runId: string, opts: { profile?: string; quiet?: boolean }) => {
      const profile = resolveProfile(opts.profile, undefined);
      const engine = await engineFor(env, program, profile);
      const run = await findRun(engine.store, runId);
      // Idempotent, as a retried command should be: a run already done is reported, not an error.
      if (run.status === 'succeeded') {
        if (!env.json) env.say(`run ${run.id} already succeeded; nothing to resume`);
        return finish(env, await storedRunSummary(engine.store, run.id));
      }
      const overrides = (run.options.paramOverrides ?? {}) as Record<string, string>;
      const { graph, diagnostics } = await compilePipelineSource(new YamlSource(run.file, run.spec_yaml), {
        params: overrides,
        extraPlugins: profile.plugins,
      });
      if (!graph) throw new ValidationError(diagnostics);
      const interrupt = installInterrupt();
      const listener = createRunDisplay(process.stderr, { tty: Boolean(process.stderr.isTTY), quiet: Boolean(opts.quiet) });
      const from = (run.options.from ?? []) as string[];
      const resumeOptions = {
        noCache: Boolean(run.options.noCache),
        from,
        signal: interrupt.signal,
        listener,
        resources: profile.resources ?? {},
        concurrency: profile.concurrency,
      };
      // A distributed run resumes on its workers: the coordinator reattaches and queues what is unfinished.
      const resumed =
        run.executor === 'distributed'
          ? (await import('../distributed/distributed-run.js')).resumeDistributed(engine, graph, profile, run.id, resumeOptions)
          : resumeRunGraph(engine, graph, run.id, resumeOptions);
      const summary = await resumed.finally(() => interrupt.dispose());
      await afterRun(engine, profile, summary.runId, graph);
      finish(env, summary);
    });

  program
    .command('runs')
    .description('list recent runs')
    .option('-n, --limit <n>', 'how many', (v) => Number(v), 20)
    .action(async (opts: { limit: number }) => {
      const engine = await getEngine(env, program.opts().databaseUrl);
      const runs = await engine.store.listRuns(opts.limit);
      if (env.json) return env.result(runs.map(({ spec_yaml: _s, ...r }) => r));
      for (const r of runs)
        env.say(
          `${r.id}  ${r.status.padEnd(9)}  ${r.pipeline.padEnd(24)}  ${new Date(r.created_at).toISOString()}${r.error ? `  ${r.error.split('\n')[0]}` : ''}`,
        );
      if (!runs.length) env.say('no runs yet');
    });

  program
    .command('show')
    .description('a run: its steps, attempts (and which worker ran them), outputs and events')
    .argument('<run-id>', 'run id (a unique prefix is enough)')
    .option('--events <n>', 'how many of the last events to print', (v) => Number(v), 20)
    .action(async (runId: string, opts: { events: number }) => {
      const engine = await getEngine(env, program.opts().databaseUrl);
      const run = await findRun(engine.store, runId);
      const [steps, attempts, events] = await Promise.all([
        engine.store.getSteps(run.id),
        engine.store.getAttempts(run.id),
        engine.store.getEvents(run.id),
      ]);
      const { spec_yaml: _s, ...header } = run;
      if (env.json)
        return env.result({
          run: header,
          steps: steps.filter((s) => !s.partition),
          partitions: steps.filter((s) => s.partition).length,
          attempts,
          events,
        });
      printRunDetail(run, steps, attempts, events.slice(-opts.events));
    });

  program
    .command('lineage')
    .description("a run's OpenLineage events (spec 2-0-2): printed as JSON lines, appended to a file, or sent to an endpoint")
    .argument('<run-id>', 'run id (a unique prefix is enough)')
    .option('--out <file>', 'append the events to this file (JSON lines)')
    .option('--url <url>', 'POST each event to <url>/api/v1/lineage (Marquez, DataHub, any OpenLineage consumer)')
    .option('--namespace <ns>', 'job namespace', 'datanet')
    .option('--profile <name>', "profile whose plugins the run needs (to name each step's inputs)")
    .action(async (runId: string, opts: { out?: string; url?: string; namespace: string; profile?: string }) => {
      const profile = resolveProfile(opts.profile, undefined);
      const engine = await engineFor(env, program, profile);
      const run = await findRun(engine.store, runId);
      const events = await storedRunLineage(engine.store, run.id, await runGraphOrUndefined(engine, run.id, profile), {
        namespace: opts.namespace,
      });
      if (opts.out || opts.url) {
        await emitLineage(events, { file: opts.out, url: opts.url, namespace: opts.namespace });
        env.say(
          `${events.length} OpenLineage events for run ${run.id}${opts.out ? ` appended to ${opts.out}` : ''}${opts.url ? ` sent to ${opts.url}` : ''}`,
        );
        return env.result({ runId: run.id, events: events.length });
      }
      for (const e of events) process.stdout.write(JSON.stringify(e) + '\n');
    });

  program
    .command('trace')
    .description("export a run's OpenTelemetry trace (run, step attempts, partitions) over OTLP/HTTP")
    .argument('<run-id>', 'run id (a unique prefix is enough)')
    .requiredOption('--otlp-url <url>', 'OTLP/HTTP endpoint base, e.g. http://localhost:4318')
    .option('--service-name <name>', 'service.name of the spans', 'datanet')
    .action(async (runId: string, opts: { otlpUrl: string; serviceName: string }) => {
      const engine = await getEngine(env, program.opts().databaseUrl);
      const run = await findRun(engine.store, runId);
      const { exportRunTrace } = await import('../tracing/run-trace.js');
      const traceId = await exportRunTrace(engine.store, run.id, { otlpUrl: opts.otlpUrl, serviceName: opts.serviceName });
      env.say(`trace ${traceId} of run ${run.id} sent to ${opts.otlpUrl}`);
      env.result({ runId: run.id, traceId });
    });

  program
    .command('inspect')
    .description("show or export a step's output artifact")
    .argument('<run-id>', 'run id (a unique prefix is enough)')
    .argument('<step>', 'step id')
    .option('-o, --output <name>', 'output port (default: the only one, or "table")')
    .option('--out <file>', 'export a table to .jsonl, .csv or .parquet (never over an existing file or through a link)')
    .option('--force', 'with --out: replace an existing regular file')
    .option('-n, --limit <n>', 'rows to print', (v) => Number(v), 10)
    .action(async (runId: string, stepId: string, opts: { output?: string; out?: string; force?: boolean; limit: number }) => {
      const engine = await getEngine(env, program.opts().databaseUrl);
      const run = await findRun(engine.store, runId);
      const step = (await engine.store.getSteps(run.id)).find((s) => s.step_id === stepId && !s.partition);
      if (!step) throw new UsageError(`run ${run.id} has no step "${stepId}"`);
      const outputs = step.outputs ?? {};
      const names = Object.keys(outputs);
      if (!names.length) throw new CliError(`step "${stepId}" has no outputs (status ${step.status})`);
      const name = opts.output ?? (names.length === 1 ? names[0] : names.includes('table') ? 'table' : undefined);
      if (!name || !outputs[name]) throw new UsageError(`step "${stepId}" has outputs ${names.join(', ')}; choose one with --output`);
      const ref = outputs[name];
      if (opts.out) {
        const rows = await exportArtifact(ref, resolve(opts.out), { force: opts.force, store: engine.artifacts });
        env.say(`wrote ${rows} rows to ${opts.out}`);
        return env.result({ output: name, digest: ref.digest, file: resolve(opts.out), rows });
      }
      const preview = await previewArtifact(ref, opts.limit);
      if (env.json) return env.result({ output: name, digest: ref.digest, kind: ref.kind, meta: ref.meta, ...preview });
      env.say(`${stepId}.${name}: ${ref.kind} ${ref.digest}`);
      env.say(preview.text);
    });

  program
    .command('schema')
    .description("print the JSON Schema of pipeline files (generated from the operators' zod configs)")
    .option('--out <file>', 'write it to a file')
    .action(async (opts: { out?: string }) => {
      const schema = pipelineJsonSchema(await loadOperators([], process.cwd()));
      const text = JSON.stringify(schema, null, 2) + '\n';
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    });

  program
    .command('operators')
    .description('list the operators this installation knows')
    .action(async () => {
      const registry = await loadOperators([], process.cwd());
      if (env.json)
        return env.result(
          registry.all().map((o) => ({
            type: o.type,
            version: o.version,
            description: o.description,
            pool: o.resources?.pool ?? 'cpu',
            inputs: Object.keys(o.inputs ?? {}),
            outputs: Object.keys(o.outputs ?? {}),
          })),
        );
      for (const o of registry.all()) env.say(`${o.type.padEnd(26)} ${o.description}`);
    });
}

function checkFrom(from: string[], steps: Map<string, unknown>): void {
  for (const f of from) if (!steps.has(f)) throw new UsageError(`--from ${f}: no such step (steps: ${[...steps.keys()].join(', ')})`);
}

async function findRun(store: import('../store/run-store.js').RunStore, id: string) {
  const exact = await store.getRun(id);
  if (exact) return exact;
  const found = await store.findRuns(id);
  if (found.length === 1) return found[0];
  if (!found.length) throw new CliError(`no run "${id}" (see \`datanet runs\`)`);
  throw new UsageError(`run id "${id}" is ambiguous: ${found.map((r) => r.id).join(', ')}`);
}

/** The run's compiled graph, for lineage inputs; undefined when it no longer compiles (a plugin gone). */
async function runGraphOrUndefined(engine: Engine, runId: string, profile: Profile): Promise<PipelineGraph | undefined> {
  const { RunGraphs } = await import('../distributed/run-graphs.js');
  return new RunGraphs(engine.store, profile.plugins ?? []).get(runId).then(
    (p) => p.graph,
    () => undefined,
  );
}

/** After a run: its OpenLineage events and its trace to where the profile says. A failure to send is a warning, not a failed run. */
async function afterRun(engine: Engine, profile: Profile, runId: string, graph: PipelineGraph): Promise<void> {
  const warn = (what: string, err: unknown, retry: string) =>
    process.stderr.write(
      `warning: ${what} of run ${runId} not sent: ${errorMessage(err)} (send it later with \`datanet ${retry} ${runId} ...\`)\n`,
    );
  if (profile.lineage) {
    await storedRunLineage(engine.store, runId, graph, profile.lineage)
      .then((events) => emitLineage(events, profile.lineage!))
      .catch((err) => warn('OpenLineage events', err, 'lineage'));
  }
  if (profile.tracing) {
    const { exportRunTrace } = await import('../tracing/run-trace.js');
    await exportRunTrace(engine.store, runId, profile.tracing).catch((err) => warn('the trace', err, 'trace'));
  }
}
