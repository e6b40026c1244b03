import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { CliError, UsageError, type CliEnv, type RegisterCommand } from './cli-env.js';
import { findContributedCommands } from './command-packages.js';
import { registerEngineCommands } from './engine-commands.js';
import { registerDistributedCommands } from './distributed-commands.js';
import { registerWaitCommands } from './wait-commands.js';
import { registerServeCommands } from './serve-commands.js';
import { ValidationError } from '../spec/diagnostic.js';
import { redact } from '../spec/interpolate.js';

/** Runs the `datanet` CLI; resolves to the process exit code (0 ok, 1 failure, 2 usage). */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('datanet')
    .description('Declarative Datanet pipelines: intake, dedupe, quality, datasets, training, attribution, settlement, provenance')
    .option('--json', 'print one machine-readable JSON document')
    .option('--state-dir <dir>', 'local state folder (default: $DATANET_STATE_DIR or ./.datanet)')
    .option('--database-url <url>', 'PostgreSQL URL for the run store (default: $DATABASE_URL, else embedded PGlite)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showSuggestionAfterError(true);

  const env = makeEnv(program);
  registerEngineCommands(program, env);
  registerDistributedCommands(program, env);
  registerWaitCommands(program, env);
  registerServeCommands(program, env);

  const contributed = findContributedCommands();
  const wanted = firstCommand(argv);
  const loadAll = !wanted || argv.includes('--help') || argv.includes('-h') || wanted === 'help';
  for (const [name, file] of contributed) {
    if (!loadAll && name !== wanted) continue;
    const mod = (await import(pathToFileURL(file).href)) as { default?: RegisterCommand };
    if (typeof mod.default !== 'function') throw new Error(`${file} must default-export a function that registers the "${name}" command`);
    mod.default(program, env);
  }
  if (
    !loadAll &&
    wanted &&
    !contributed.has(wanted) &&
    !program.commands.some((c) => c.name() === wanted || c.aliases().includes(wanted))
  ) {
    // Let commander report the unknown command with its suggestion.
    for (const [name] of contributed) program.command(name).description('(contributed command)');
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return reportError(err, env.json);
  } finally {
    await closeEnv(env);
  }
}

/** The subcommand named in argv, skipping global options and their values. */
function firstCommand(argv: string[]): string | undefined {
  const takesValue = new Set(['--state-dir', '--database-url']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (takesValue.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

function reportError(err: unknown, json: boolean): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return 2;
  }
  let code = 1;
  let message: string;
  if (err instanceof UsageError) {
    code = 2;
    message = err.message;
  } else if (err instanceof ValidationError || err instanceof CliError) {
    message = err.message;
    if ((err as { quietInJson?: boolean }).quietInJson && json) return 1;
  } else message = err instanceof Error ? (process.env.DATANET_DEBUG ? (err.stack ?? err.message) : err.message) : String(err);
  message = redact(message);
  if (json) process.stdout.write(JSON.stringify({ error: message, exitCode: code }) + '\n');
  process.stderr.write(`${message}\n`);
  return code;
}

interface InternalEnv extends CliEnv {
  close?: () => Promise<void>;
}

function makeEnv(program: Command): InternalEnv {
  const env: InternalEnv = {
    get json() {
      return Boolean(program.opts().json);
    },
    stateDir() {
      return program.opts().stateDir ?? process.env.DATANET_STATE_DIR ?? '.datanet';
    },
    async openDb() {
      const { getEngine } = await import('./engine-context.js');
      const engine = await getEngine(env, program.opts().databaseUrl);
      return { db: engine.database.db, dialect: engine.database.dialect };
    },
    say(line) {
      if (!env.json) process.stdout.write(`${line}\n`);
    },
    result(value) {
      if (env.json) process.stdout.write(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
    },
  };
  return env;
}

async function closeEnv(_env: InternalEnv): Promise<void> {
  const { closeEngine } = await import('./engine-context.js');
  await closeEngine();
}
