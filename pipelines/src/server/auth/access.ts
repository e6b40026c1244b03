import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hashSecret, sameSecret } from './secret-hash.js';
import { DEPLOYMENT_SCOPE, roleAtLeast, type Role, type RoleStore } from './roles.js';
import { TOKEN_PREFIX, type ApiTokens } from './api-tokens.js';
import type { SessionStore } from './sessions.js';

/** Who made a request: a signed-in address (SIWE session) or an API token with one grant. */
export type Principal = { kind: 'session'; address: string } | { kind: 'token'; tokenId: string; scope: string; role: Role };

/**
 * What a route requires, declared in its `config.access`. Every route must declare one: the server
 * refuses to start otherwise, so no route is reachable without a decision.
 * - 'public': anyone (health, docs, contributor reads; submissions carry their own signature).
 * - { role }: that role or stronger on the scope `scope(req)` names. 'contributor' is anyone
 *   signed in. A role on one scope gives nothing on another. The scope must be one Datanet id
 *   (SCOPE_ID) or the deployment ('*'); anything else (a repeated query parameter, a path) is
 *   answered 400 before any role is looked up, naming where the scope came from (`scopeFrom`, or
 *   the `source` a scope function carries, as scopeFromParam's do).
 */
export type Access =
  | 'public'
  | {
      role: Role;
      scope?: ScopeOf;
      /** Where the scope is read from, for error messages ('querystring datanet'). */
      scopeFrom?: string;
      why?: string;
    };

export type ScopeOf = ((req: FastifyRequest) => unknown) & { source?: string };

/** A Datanet id, as Datanet definitions name themselves (configs/datanets/<id>.yaml). */
export const SCOPE_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const SESSION_COOKIE = 'datanet_session';
export const CSRF_COOKIE = 'datanet_csrf';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface AccessDeps {
  sessions: SessionStore;
  tokens: ApiTokens;
  roles: RoleStore;
  /** Origins whose browsers may send state-changing cookie requests (the public origin). */
  allowedOrigins: () => string[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Installs the one access check every route goes through. */
export function installAccessControl(app: FastifyInstance, deps: AccessDeps): void {
  app.addHook('onRoute', (route) => {
    if (!route.config?.access)
      throw new Error(`route ${route.method} ${route.url} declares no config.access; every route must say who may call it`);
  });
  // After the body is parsed (a route may take its scope from it) and before it is validated, so an
  // unauthorised caller learns nothing from validation errors. Multipart bodies are not read yet.
  app.addHook('preValidation', async (req, reply) => {
    const access = req.routeOptions.config?.access;
    if (!access) {
      // 404s and other routes fastify adds itself.
      if (req.routeOptions.url === undefined) return;
      return deny(reply, 403, 'no_access_rule', 'this route declares no access rule');
    }
    // Public routes ignore credentials that do not verify: anyone may call them, so a stale token
    // or a foreign Authorization header must not turn a public answer into a 401.
    const p = await principalOf(req, reply, deps, access === 'public');
    if (p === 'refused') return reply;
    req.principal = p;
    if (access === 'public') return;
    if (!p) return deny(reply, 401, 'unauthenticated', 'sign in (SIWE) or send an API token as "Authorization: Bearer dnt_..."');
    if (access.role === 'contributor' && p.kind === 'session') return;
    const raw = access.scope ? await access.scope(req) : undefined;
    if (raw === undefined) {
      if (access.role === 'contributor') return;
      return deny(reply, 403, 'forbidden', `needs role ${access.role}`);
    }
    if (typeof raw !== 'string' || (raw !== DEPLOYMENT_SCOPE && !SCOPE_ID.test(raw))) {
      const from = access.scopeFrom ?? access.scope?.source ?? 'the Datanet of the request';
      return reply.code(400).send({
        error: 'bad_scope',
        message: `${from}: give one Datanet id (lower-case letters, digits, ".", "_" or "-", at most 64), got ${describe(raw)}`,
      });
    }
    const scope = raw;
    const held: Role = p.kind === 'token' ? (p.scope === scope ? p.role : 'contributor') : await deps.roles.roleOf(scope, p.address);
    if (!roleAtLeast(held, access.role)) {
      return deny(
        reply,
        403,
        'forbidden',
        `needs role ${access.role} on ${scope}; ${p.kind === 'token' ? `this token holds ${p.role} on ${p.scope}` : `you hold ${held} there`}`,
      );
    }
  });
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `${v.length} values`;
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 80)}...` : s;
}

async function principalOf(
  req: FastifyRequest,
  reply: FastifyReply,
  deps: AccessDeps,
  isPublic: boolean,
): Promise<Principal | undefined | 'refused'> {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m || !m[1].startsWith(TOKEN_PREFIX)) {
      // Not one of our tokens (Basic credentials, a JWT for another service): not looked up.
      if (isPublic) return sessionOf(req, reply, deps);
      deny(
        reply,
        401,
        'bad_authorization',
        `expected Authorization: Bearer ${TOKEN_PREFIX}... (an API token from \`datanet token create\`)`,
      );
      return 'refused';
    }
    const info = await deps.tokens.authenticate(m[1]);
    if (!info) {
      if (isPublic) return sessionOf(req, reply, deps);
      deny(reply, 401, 'bad_token', 'the API token is unknown, expired or revoked; create one with `datanet token create`');
      return 'refused';
    }
    return { kind: 'token', tokenId: info.id, scope: info.scope, role: info.role };
  }
  return sessionOf(req, reply, deps);
}

async function sessionOf(req: FastifyRequest, reply: FastifyReply, deps: AccessDeps): Promise<Principal | undefined | 'refused'> {
  const sid = req.cookies?.[SESSION_COOKIE];
  if (!sid) return undefined;
  const session = await deps.sessions.find(sid);
  if (!session) return undefined;
  if (!SAFE_METHODS.has(req.method)) {
    // Cookies ride along on cross-site requests: a state change must prove it came from our pages
    // (double submit: the CSRF cookie, readable only by our origin, echoed in a header) and, when
    // the browser says where it came from, from our origin.
    const origin = req.headers.origin;
    if (origin !== undefined && !deps.allowedOrigins().includes(origin)) {
      deny(reply, 403, 'csrf', `requests from origin ${origin} may not use the session cookie`);
      return 'refused';
    }
    const header = req.headers[CSRF_HEADER];
    const cookie = req.cookies?.[CSRF_COOKIE];
    if (typeof header !== 'string' || !cookie || !sameSecret(header, cookie) || !sameSecret(hashSecret(header), session.csrfHash)) {
      deny(
        reply,
        403,
        'csrf',
        `a state-changing request with the session cookie needs the ${CSRF_HEADER} header equal to the ${CSRF_COOKIE} cookie`,
      );
      return 'refused';
    }
  }
  return { kind: 'session', address: session.address };
}

function deny(reply: FastifyReply, status: 401 | 403, code: string, message: string) {
  return reply.code(status).send({ error: code, message });
}

/** Scope taken from a route parameter (e.g. a Datanet id in the path). */
export function scopeFromParam(name: string): ScopeOf {
  return Object.assign((req: FastifyRequest) => (req.params as Record<string, string | undefined>)[name], { source: `params/${name}` });
}
