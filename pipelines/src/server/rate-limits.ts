import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { distributedSettings } from '../distributed/distributed-config.js';
import { redisConnection } from '../distributed/job-transport.js';
import type { Profile } from '../spec/profile.js';
import type { ServerConfig } from './server-config.js';

const UNLIMITED = new Set(['/healthz', '/readyz', '/metrics']);

/** Answers that count against a client IP's budget of refused requests. */
const REFUSED = new Set([400, 401, 403]);

/**
 * Requests per minute, counted per caller: per signed-in address, per API token, and per client IP
 * for everyone else (a route may set its own, lower limit, as submissions do). Counted after the
 * access check so the caller is known. The access check and validation answer before that, so
 * refused and invalid requests (400, 401, 403) are counted apart, per client IP: once an IP has had
 * `rateLimitPerMinute` of them in a minute, its requests get 429 at onRequest, before any token is
 * hashed and looked up or any body parsed. Only refusals count there, so callers sharing an IP
 * (a NAT, an office) keep their own budgets while they make valid requests. Under the distributed
 * profile the counters live in Redis, so every replica behind a load balancer counts against the
 * same budget; embedded, in memory.
 */
export async function installRateLimits(app: FastifyInstance, config: ServerConfig, profile: Profile): Promise<{ close(): Promise<void> }> {
  let redis: Redis | undefined;
  let nameSpace = 'datanet-rl:';
  if (profile.executor === 'distributed') {
    const settings = distributedSettings(profile);
    redis = await redisConnection(settings.redisUrl);
    nameSpace = `${settings.prefix}:rl:`;
  }
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: config.rateLimitPerMinute,
    timeWindow: '1 minute',
    keyGenerator: rateKey,
    allowList: (req) => UNLIMITED.has(req.url),
    ...(redis ? { redis, nameSpace, skipOnError: false } : {}),
    // Thrown to the error handler, which answers { error: 'rate_limited', message } with 429.
    errorResponseBuilder: (_req, ctx) =>
      Object.assign(
        new Error(`more than ${ctx.max} requests in ${ctx.after} from this caller; retry after ${Math.ceil(ctx.ttl / 1000)} s`),
        {
          statusCode: ctx.statusCode,
          code: 'RATE_LIMITED',
        },
      ),
  });
  // A second counter on the same store: refusals per client IP (read before auth, counted after the answer).
  const refusals = app.createRateLimit({ keyGenerator: (req) => `refused-ip:${req.ip}` });
  app.addHook('onRequest', async (req) => {
    const r = await refusals(req, { increment: false });
    if (!r.isAllowed && r.remaining === 0) {
      throw Object.assign(
        new Error(
          `more than ${r.max} refused or invalid requests (400, 401, 403) in 1 minute from this address; retry after ${r.ttlInSeconds} s, and check the credentials and the request`,
        ),
        { statusCode: 429, code: 'RATE_LIMITED' },
      );
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    if (!REFUSED.has(reply.statusCode)) return;
    await refusals(req).catch((e: Error) => req.log.warn({ err: { message: e.message } }, 'could not count a refused request'));
  });
  return {
    async close() {
      await redis?.quit().catch(() => {});
    },
  };
}

/** The caller a limit counts against (never a secret: a token by its id, not its value). */
function rateKey(req: FastifyRequest): string {
  const p = req.principal;
  if (p?.kind === 'session') return `addr:${p.address.toLowerCase()}`;
  if (p?.kind === 'token') return `token:${p.tokenId}`;
  return `ip:${req.ip}`;
}
