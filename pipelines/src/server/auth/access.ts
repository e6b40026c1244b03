import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hashSecret, sameSecret } from './secret-hash.js';
import { roleAtLeast, type Role, type RoleStore } from './roles.js';
import type { ApiTokens } from './api-tokens.js';
import type { SessionStore } from './sessions.js';

/** Who made a request: a signed-in address (SIWE session) or an API token with one grant. */
export type Principal = { kind: 'session'; address: string } | { kind: 'token'; tokenId: string; scope: string; role: Role };

/**
 * What a route requires, declared in its `config.access`. Every route must declare one: the server
 * refuses to start otherwise, so no route is reachable without a decision.
 * - 'public': anyone (health, docs, contributor reads; submissions carry their own signature).
 * - { role }: that role or stronger on the scope `scope(req)` names. 'contributor' is anyone
 *   signed in. A role on one scope gives nothing on another.
 */
export type Access =
  'public' | { role: Role; scope?: (req: FastifyRequest) => string | undefined | Promise<string | undefined>; why?: string };

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
    const p = await principalOf(req, reply, deps);
    if (p === 'refused') return reply;
    req.principal = p;
    if (access === 'public') return;
    if (!p) return deny(reply, 401, 'unauthenticated', 'sign in (SIWE) or send an API token as "Authorization: Bearer dnt_..."');
    if (access.role === 'contributor' && p.kind === 'session') return;
    const scope = access.scope ? await access.scope(req) : undefined;
    if (scope === undefined) {
      if (access.role === 'contributor') return;
      return deny(reply, 403, 'forbidden', `needs role ${access.role}`);
    }
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

async function principalOf(req: FastifyRequest, reply: FastifyReply, deps: AccessDeps): Promise<Principal | undefined | 'refused'> {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const info = m ? await deps.tokens.authenticate(m[1]) : undefined;
    if (!info) {
      deny(reply, 401, 'bad_token', 'the API token is unknown, expired or revoked');
      return 'refused';
    }
    return { kind: 'token', tokenId: info.id, scope: info.scope, role: info.role };
  }
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
export function scopeFromParam(name: string) {
  return (req: FastifyRequest) => (req.params as Record<string, string | undefined>)[name];
}
