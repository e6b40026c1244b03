import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError, type CliEnv } from './cli-env.js';
import { getEngine } from './engine-context.js';
import { DEFAULT_PROFILE, findProfile, loadProfile, type Profile } from '../spec/profile.js';
import { isRole, DEPLOYMENT_SCOPE } from '../server/auth/roles.js';
import { ApiTokens } from '../server/auth/api-tokens.js';
import { migrateServerStore } from '../server/store/server-store.js';

function profileNamed(name: string | undefined): Profile {
  if (!name) {
    const local = findProfile('local', [process.cwd()]);
    return local ? loadProfile(local) : DEFAULT_PROFILE;
  }
  const file = findProfile(name, [process.cwd()]);
  if (!file) throw new UsageError(`profile "${name}" not found (looked for configs/profiles/${name}.yaml from ${process.cwd()})`);
  return loadProfile(file);
}

function intOption(name: string, min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} ${v}: expected an integer from ${min} to ${max}`);
    return n;
  };
}

/** "30d", "12h", "45m": a duration in ms. */
function durationMs(v: string): number {
  const m = /^(\d+)(m|h|d)$/.exec(v);
  if (!m) throw new UsageError(`--expires-in ${v}: expected a duration like 30d, 12h or 45m`);
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

export function registerServeCommands(program: Command, env: CliEnv): void {
  program
    .command('serve')
    .description('serve the HTTP API (sign-in, roles, runs, contributor API) on the same store and state folder as the CLI')
    .option('--profile <name>', 'profile name or path (default: local)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0: any free port)', intOption('--port', 0, 65535), 8080)
    .option('--public-url <url>', 'origin people reach the server at (SIWE domain; default http://HOST:PORT)')
    .option('--chain-id <id>', 'chain id SIWE messages must carry', intOption('--chain-id', 1, 2 ** 48), 31337)
    .option('--trust-proxy', 'trust X-Forwarded-* from a proxy in front (TLS ends there)')
    .option('--no-scheduler', 'do not run schedules, data triggers and the waker here (another process does)')
    .option('--rate-limit <n>', 'requests per minute per caller (address, token or IP)', intOption('--rate-limit', 1, 10_000_000))
    .option('--submission-rate-limit <n>', 'submissions per minute per caller', intOption('--submission-rate-limit', 1, 10_000_000))
    .option('--openapi <file>', 'write the OpenAPI document to FILE ("-": stdout) and exit')
    .action(
      async (opts: {
        profile?: string;
        host: string;
        port: number;
        publicUrl?: string;
        chainId: number;
        trustProxy?: boolean;
        openapi?: string;
        scheduler: boolean;
        rateLimit?: number;
        submissionRateLimit?: number;
      }) => {
        const profile = profileNamed(opts.profile);
        if (opts.publicUrl) {
          try {
            new URL(opts.publicUrl);
          } catch {
            throw new UsageError(`--public-url ${opts.publicUrl}: not a URL`);
          }
        }
        const { createApp } = await import('../server/create-app.js');
        const { defaultServerConfig } = await import('../server/server-config.js');
        const stateDir = resolve(
          profile.stateDir && !process.env.DATANET_STATE_DIR && env.stateDir() === '.datanet' ? profile.stateDir : env.stateDir(),
        );
        const engine = await getEngine(
          { ...env, stateDir: () => stateDir },
          process.env.DATABASE_URL ?? profile.database?.url,
          profile.artifacts?.path,
        );
        const config = defaultServerConfig({
          host: opts.host,
          port: opts.port,
          publicUrl: opts.publicUrl,
          chainId: opts.chainId,
          trustProxy: Boolean(opts.trustProxy),
          stateDir,
          configRoot: process.cwd(),
          logLevel: process.env.DATANET_LOG_LEVEL ?? 'info',
          rateLimitPerMinute: opts.rateLimit,
          submissionsPerMinute: opts.submissionRateLimit,
        });
        const server = await createApp({ config, engine, profile, logger: !opts.openapi });
        if (opts.openapi) {
          const doc = `${JSON.stringify(server.app.swagger(), null, 2)}\n`;
          await server.close();
          if (opts.openapi === '-') process.stdout.write(doc);
          else writeFileSync(opts.openapi, doc);
          return;
        }
        // Kernel threads of the request path started and loaded: the first uploads do not wait ~1.5 s.
        await server.warm();
        const address = await server.app.listen({ host: opts.host, port: opts.port });
        if (!opts.publicUrl) server.ctx.config.publicUrl = new URL(address).origin;
        process.stderr.write(`datanet serve: listening on ${address} (store: ${engine.database.location}; docs at ${address}/docs)\n`);
        // Schedules and data triggers: an HTTP submission lands in the inbox and starts intake.
        const { startServerScheduling } = await import('../server/server-scheduling.js');
        const scheduling = opts.scheduler
          ? await startServerScheduling(engine, profile, process.cwd(), (l) => server.app.log.info(`scheduler: ${l}`))
          : undefined;
        if (scheduling)
          process.stderr.write(
            `datanet serve: scheduler: ${scheduling.names.join(', ') || 'no schedules or triggers; waking parked runs only'}\n`,
          );
        await new Promise<void>((done) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            done();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
          // Started through a launcher (npx, npm exec) that is stopped without passing the signal
          // on, the server would live on as an orphan holding the port: it stops with its launcher.
          // (Only under npm: a server started with nohup or by a supervisor may outlive its shell.)
          const launcher = process.ppid;
          if (launcher !== 1 && process.env.npm_command !== undefined) {
            const watch = setInterval(() => {
              if (process.ppid === launcher) return;
              clearInterval(watch);
              stop();
            }, 1000);
            watch.unref();
          }
        });
        process.stderr.write(
          'datanet serve: shutting down (requests in flight finish; runs started here are cancelled and stay resumable)\n',
        );
        await scheduling?.stop();
        await server.close();
      },
    );

  const token = program
    .command('token')
    .description('API tokens for automation (shown once, stored hashed); run while the server is stopped when the store is embedded');
  token
    .command('create')
    .description('create a token holding one role on one Datanet (or the deployment)')
    .option('--datanet <id>', 'the Datanet the role is on')
    .option('--deployment', 'the role is on the deployment (runs of no Datanet)')
    .requiredOption('--role <role>', 'owner, steward or reviewer')
    .option('--name <name>', 'what the token is for', 'automation')
    .option('--expires-in <duration>', 'e.g. 30d, 12h (default: no expiry)')
    .action(async (opts: { datanet?: string; deployment?: boolean; role: string; name: string; expiresIn?: string }) => {
      if (Boolean(opts.datanet) === Boolean(opts.deployment)) throw new UsageError('give one of --datanet ID or --deployment');
      if (!isRole(opts.role) || opts.role === 'contributor')
        throw new UsageError(`--role ${opts.role}: expected owner, steward or reviewer`);
      const expiresAt = opts.expiresIn ? Date.now() + durationMs(opts.expiresIn) : null;
      const { db } = await env.openDb();
      await migrateServerStore(db);
      const { token: secret, info } = await new ApiTokens(db).create({
        name: opts.name,
        scope: opts.datanet ?? DEPLOYMENT_SCOPE,
        role: opts.role,
        expiresAt,
      });
      if (env.json) env.result({ ...info, token: secret });
      else {
        env.say(
          `token ${info.id}: ${info.role} on ${info.scope === DEPLOYMENT_SCOPE ? 'the deployment' : `Datanet ${info.scope}`}${expiresAt ? `, expires ${new Date(expiresAt).toISOString()}` : ''}`,
        );
        env.say(`${secret}`);
        env.say('It is shown once and stored only as a hash: keep it now. Send it as "Authorization: Bearer <token>".');
      }
    });
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .action(async () => {
      const { db } = await env.openDb();
      await migrateServerStore(db);
      const tokens = await new ApiTokens(db).list();
      if (env.json) return env.result({ tokens });
      for (const t of tokens) {
        const state = t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= Date.now() ? 'expired' : 'active';
        env.say(`${t.id}  ${state.padEnd(7)}  ${t.role.padEnd(8)}  ${t.scope === DEPLOYMENT_SCOPE ? '(deployment)' : t.scope}  ${t.name}`);
      }
      if (tokens.length === 0) env.say('no tokens');
    });
  token
    .command('revoke')
    .description('revoke a token by id')
    .argument('<id>', 'token id (from token list)')
    .action(async (id: string) => {
      const { db } = await env.openDb();
      await migrateServerStore(db);
      if (!(await new ApiTokens(db).revoke(id))) throw new UsageError(`no token ${id}`);
      if (env.json) env.result({ id, revoked: true });
      else env.say(`token ${id} revoked`);
    });
}
