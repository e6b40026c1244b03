import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Engine } from '../exec/engine.js';
import type { Profile } from '../spec/profile.js';
import { installAccessControl, type Access } from './auth/access.js';
import { ApiTokens } from './auth/api-tokens.js';
import { RoleStore } from './auth/roles.js';
import { SessionStore } from './auth/sessions.js';
import { frameworkErrors, installErrorHandler } from './error-handler.js';
import { storeIdempotency } from './idempotency.js';
import { loggerOptions } from './logging.js';
import { installMetrics } from './metrics.js';
import { installNulGuard } from './nul-guard.js';
import { installRateLimits } from './rate-limits.js';
import { findContributedRoutes } from './route-packages.js';
import { authRoutes } from './routes/auth-routes.js';
import { consoleRoutes } from './routes/console-routes.js';
import { docsRoutes } from './routes/docs-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { rolesRoutes } from './routes/roles-routes.js';
import { runViewRoutes } from './routes/run-view-routes.js';
import { runsRoutes } from './routes/runs-routes.js';
import { closeServicePool } from '../compute/kernel-pool.js';
import { RunLauncher } from './runs/run-launcher.js';
import { RunReader } from './runs/run-reader.js';
import type { ServerConfig } from './server-config.js';
import type { RegisterRoutes, ServerContext, ZodApp } from './server-context.js';
import { migrateServerStore } from './store/server-store.js';

export interface CreateAppOptions {
  config: ServerConfig;
  engine: Engine;
  profile: Profile;
  /** Route modules to add; default: those contributed by installed datanet packages. */
  routes?: RegisterRoutes[];
  /** false: no log output (OpenAPI generation). */
  logger?: boolean;
}

export interface DatanetServer {
  app: ZodApp;
  ctx: ServerContext;
  launcher: RunLauncher;
  /** Runs the route modules' warm-ups (ServerContext.warmUps); `datanet serve` calls it before it listens. */
  warm(): Promise<void>;
  /** Stops taking requests, lets those in flight finish, cancels runs started here (resumable). */
  close(): Promise<void>;
}

/** Builds the service on an open engine: the API, sign-in, roles, runs and contributed routes. */
export async function createApp(o: CreateAppOptions): Promise<DatanetServer> {
  const { config, engine } = o;
  await migrateServerStore(engine.database.db);
  const app = Fastify({
    logger: o.logger === false ? false : loggerOptions(config.logLevel),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    // Request lines and headers past 16 KiB get 431 from Node before any of our code runs.
    http: { maxHeaderSize: 16 * 1024 },
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>() as unknown as ZodApp;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Datanet API',
        version: '0.1.0',
        description: 'Contributors, reviewers and stewards of Datanets, over HTTP. See README "Service".',
      },
      components: {
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'datanet_session',
            description: 'SIWE session; state-changing requests also send x-csrf-token',
          },
          token: { type: 'http', scheme: 'bearer', description: 'API token from `datanet token create`' },
        },
      },
    },
    transform: describeAccess,
  });
  await app.register(cookie);
  await app.register(multipart, {
    limits: { fileSize: config.fileLimitBytes, files: 64, fields: 8, fieldSize: 1024 * 1024, parts: 80, headerPairs: 50 },
  });
  const limits = await installRateLimits(app as never, config, o.profile);

  installErrorHandler(app as never);
  const metrics = installMetrics(app as never);
  const sessions = new SessionStore(engine.database.db);
  const tokens = new ApiTokens(engine.database.db);
  const roles = new RoleStore(engine.database.db);
  installAccessControl(app as never, { sessions, tokens, roles, allowedOrigins: () => [new URL(config.publicUrl).origin] });
  installNulGuard(app as never);

  const ctx: ServerContext = {
    config,
    engine,
    db: engine.database.db,
    dialect: engine.database.dialect,
    executor: o.profile.executor,
    roles,
    idempotency: storeIdempotency(engine.database.db),
    warmUps: [],
  };
  const reader = new RunReader(engine.store.db);
  const launcher = new RunLauncher(engine, o.profile, config.configRoot, app.log);
  let closing = false;

  healthRoutes(app, ctx, metrics, () => closing);
  docsRoutes(app);
  authRoutes(app, ctx, sessions);
  runsRoutes(app, reader, launcher, roles, () => closing);
  rolesRoutes(app, ctx);
  runViewRoutes(app, ctx, reader);
  await consoleRoutes(app);

  const modules: RegisterRoutes[] = o.routes ?? (await loadContributedRoutes());
  for (const register of modules) await app.register(async (child) => register(child as ZodApp, ctx));
  await app.ready();

  return {
    app,
    ctx,
    launcher,
    async warm() {
      await Promise.all(ctx.warmUps.map((w) => w()));
    },
    async close() {
      closing = true;
      await app.close();
      await launcher.stop();
      await limits.close();
      await closeServicePool();
    },
  };
}

/** The zod transform, plus who may call each operation (security schemes and x-datanet-access). */
const describeAccess: typeof jsonSchemaTransform = (args) => {
  const out = jsonSchemaTransform(args) as { schema: Record<string, unknown>; url: string };
  const access = (args.route as { config?: { access?: Access } } | undefined)?.config?.access;
  if (access && access !== 'public') {
    out.schema = {
      ...out.schema,
      security: [{ session: [] }, { token: [] }],
      'x-datanet-access':
        access.role === 'contributor' ? 'signed in' : `${access.role}${access.scope ? ' of the scope (Datanet) of the request' : ''}`,
    };
  } else if (access === 'public') out.schema = { ...out.schema, 'x-datanet-access': 'public' };
  return out as never;
};

async function loadContributedRoutes(): Promise<RegisterRoutes[]> {
  const out: RegisterRoutes[] = [];
  for (const { pkg, file } of findContributedRoutes()) {
    const mod = (await import(pathToFileURL(file).href)) as { default?: RegisterRoutes };
    if (typeof mod.default !== 'function') throw new Error(`${pkg}: ${file} must default-export a function that registers its routes`);
    out.push(mod.default);
  }
  return out;
}
