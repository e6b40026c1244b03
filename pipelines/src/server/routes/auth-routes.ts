import { SiweMessage } from 'siwe';
import { z } from 'zod';
import { CSRF_COOKIE, SESSION_COOKIE } from '../auth/access.js';
import type { SessionStore } from '../auth/sessions.js';
import type { ServerContext, ZodApp } from '../server-context.js';

const Refusal = z.object({ error: z.string(), message: z.string() });

/** Sign-In with Ethereum (EIP-4361): a nonce from the store, a signed message, a session cookie. */
export function authRoutes(app: ZodApp, ctx: ServerContext, sessions: SessionStore): void {
  // Read per request: with --port 0 the public origin is known only once the server listens.
  const publicOrigin = () => new URL(ctx.config.publicUrl);
  app.get(
    '/auth/siwe/nonce',
    {
      config: { access: 'public' },
      schema: {
        tags: ['sign-in'],
        summary: 'A single-use nonce for a SIWE message',
        response: { 200: z.object({ nonce: z.string(), expiresAt: z.string(), domain: z.string(), uri: z.string(), chainId: z.number() }) },
      },
    },
    async (_req, reply) => {
      const origin = publicOrigin();
      const { nonce, expiresAt } = await sessions.issueNonce(ctx.config.nonceTtlMs);
      reply.header('cache-control', 'no-store');
      return { nonce, expiresAt: new Date(expiresAt).toISOString(), domain: origin.host, uri: origin.origin, chainId: ctx.config.chainId };
    },
  );

  app.post(
    '/auth/siwe/verify',
    {
      config: { access: 'public' },
      schema: {
        tags: ['sign-in'],
        summary: 'Verify a signed SIWE message and start a session (HttpOnly cookie)',
        body: z.object({
          message: z.string().min(1).max(4096),
          signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'a 65-byte 0x-hex signature'),
        }),
        response: { 200: z.object({ address: z.string(), expiresAt: z.string(), csrfToken: z.string() }), 400: Refusal, 401: Refusal },
      },
    },
    async (req, reply) => {
      const origin = publicOrigin();
      let msg: SiweMessage;
      try {
        msg = new SiweMessage(req.body.message);
      } catch (e) {
        return reply.code(400).send({
          error: 'bad_message',
          message: `not an EIP-4361 message: ${String((e as Error).message ?? e)
            .split('\n')[0]
            .slice(0, 200)}`,
        });
      }
      const refuse = (error: string, message: string) => reply.code(401).send({ error, message });
      if (msg.domain !== origin.host) return refuse('wrong_domain', `the message is for ${msg.domain}; this server is ${origin.host}`);
      let uriOrigin = '';
      try {
        uriOrigin = new URL(msg.uri).origin;
      } catch {
        /* refused below */
      }
      if (uriOrigin !== origin.origin) return refuse('wrong_uri', `the message's URI must be on ${origin.origin}`);
      if (msg.chainId !== ctx.config.chainId)
        return refuse('wrong_chain', `the message is for chain ${msg.chainId}; this server takes chain ${ctx.config.chainId}`);
      const result = await msg.verify(
        { signature: req.body.signature, domain: origin.host, nonce: msg.nonce, time: new Date().toISOString() },
        { suppressExceptions: true },
      );
      if (!result.success)
        return refuse(
          `siwe_${String(result.error?.type ?? 'invalid')
            .replace(/\W+/g, '_')
            .toLowerCase()}`,
          `the message does not verify: ${result.error?.type ?? 'invalid'}`,
        );
      // Single use: the nonce is deleted as it is taken, so a replayed message finds nothing.
      if (!(await sessions.consumeNonce(msg.nonce)))
        return refuse('nonce_used', 'the nonce is unknown, expired or already used; ask for a new one');
      const until = msg.expirationTime
        ? Math.min(Date.parse(msg.expirationTime), Date.now() + ctx.config.sessionTtlMs)
        : Date.now() + ctx.config.sessionTtlMs;
      const { sessionId, csrf, expiresAt } = await sessions.create(msg.address, msg.chainId, until - Date.now());
      const secure = req.protocol === 'https' || origin.protocol === 'https:';
      const cookie = { path: '/', sameSite: 'strict' as const, secure, expires: new Date(expiresAt) };
      reply.setCookie(SESSION_COOKIE, sessionId, { ...cookie, httpOnly: true });
      reply.setCookie(CSRF_COOKIE, csrf, { ...cookie, httpOnly: false });
      return { address: msg.address.toLowerCase(), expiresAt: new Date(expiresAt).toISOString(), csrfToken: csrf };
    },
  );

  app.get(
    '/auth/me',
    {
      config: { access: { role: 'contributor' } },
      schema: {
        tags: ['sign-in'],
        summary: 'Who is signed in',
        response: {
          200: z.object({ kind: z.string(), address: z.string().optional(), scope: z.string().optional(), role: z.string().optional() }),
        },
      },
    },
    async (req) => {
      const p = req.principal!;
      return p.kind === 'session' ? { kind: p.kind, address: p.address } : { kind: p.kind, scope: p.scope, role: p.role };
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: { role: 'contributor' } },
      schema: { tags: ['sign-in'], summary: 'End the session', response: { 200: z.object({ ok: z.literal(true) }) } },
    },
    async (req, reply) => {
      const sid = req.cookies[SESSION_COOKIE];
      if (sid) await sessions.revoke(sid);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      reply.clearCookie(CSRF_COOKIE, { path: '/' });
      return { ok: true as const };
    },
  );
}
