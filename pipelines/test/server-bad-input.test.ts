// Malformed requests get a 4xx naming what was wrong, never a 5xx: broken multipart, truncated and
// type-confused JSON, wrong content types, oversized fields. A bounded property run over the
// routes that take bodies (fast-check, fixed seed so a failure replays).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestServer } from './server-helpers.js';

let server: Awaited<ReturnType<typeof openTestServer>>;

beforeAll(async () => {
  // Rate limits high enough that every generated request reaches its route.
  server = await openTestServer('pglite', undefined, { rateLimitPerMinute: 100_000, submissionsPerMinute: 100_000 });
}, 120_000);
afterAll(async () => {
  await server?.shutdown();
});

const BODY_ROUTES = [
  '/auth/siwe/verify',
  '/v1/datanets/medical-qa/submissions',
  '/v1/datanets/medical-qa/preflight',
  '/api/runs',
  '/auth/logout',
];
const CONTENT_TYPES = [
  'application/json',
  'multipart/form-data; boundary=XyZ',
  'multipart/form-data',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'image/png',
  '',
];

const jsonish = fc.oneof(
  fc.json(),
  fc.string(),
  fc.jsonValue().map((v) => JSON.stringify({ message: v, signature: v })),
  fc.jsonValue().map((v) => JSON.stringify({ pipeline: v, params: v })),
  fc.json().map((s) => s.slice(0, Math.max(0, s.length - 3))),
);
const multipartish = fc
  .record({
    name: fc.oneof(fc.constant('manifest'), fc.string({ maxLength: 20 })),
    filename: fc.option(fc.oneof(fc.constant('../x.txt'), fc.constant('a.txt'), fc.string({ maxLength: 30 }))),
    value: fc.oneof(jsonish, fc.string({ maxLength: 200 })),
    cut: fc.nat(400),
    close: fc.boolean(),
  })
  .map(({ name, filename, value, cut, close }) => {
    const disp = `form-data; name="${name}"${filename === null ? '' : `; filename="${filename}"`}`;
    const body = `--XyZ\r\nContent-Disposition: ${disp}\r\n\r\n${value}\r\n${close ? '--XyZ--\r\n' : ''}`;
    return body.slice(0, Math.max(1, body.length - (cut % 40)));
  });

describe('bad input over HTTP', () => {
  it('no malformed request gets a 5xx', async () => {
    const fives: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...BODY_ROUTES),
        fc.constantFrom(...CONTENT_TYPES),
        fc.oneof(jsonish, multipartish),
        async (url, type, payload) => {
          const res = await server.app.inject({ method: 'POST', url, headers: type ? { 'content-type': type } : {}, payload });
          if (res.statusCode >= 500)
            fives.push(`${url} [${type}] ${JSON.stringify(payload).slice(0, 120)} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
          return res.statusCode < 500;
        },
      ),
      { numRuns: 2000, seed: 20261130 },
    );
    expect(fives).toEqual([]);
  });

  it('rate limits answer 429, not 5xx', async () => {
    const limited = await openTestServer('pglite', undefined, { rateLimitPerMinute: 3 });
    try {
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push((await limited.app.inject({ method: 'GET', url: '/v1/datanets' })).statusCode);
      expect(codes).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await limited.shutdown();
    }
  });

  it('names what was wrong', async () => {
    const verify = await server.app.inject({ method: 'POST', url: '/auth/siwe/verify', payload: { message: ['x'], signature: 7 } });
    expect(verify.statusCode).toBe(400);
    expect(verify.json().message).toMatch(/body\/message.*body\/signature/);
    const runs = await server.app.inject({ method: 'GET', url: '/api/runs?limit=abc' });
    expect(runs.statusCode).toBe(401); // access is decided before the query is validated
    const huge = await server.app.inject({
      method: 'POST',
      url: '/auth/siwe/verify',
      payload: { message: 'x'.repeat(2 * 1024 * 1024), signature: '0x' },
    });
    expect(huge.statusCode).toBe(413);
    const noFiles = await server.app.inject({
      method: 'POST',
      url: '/v1/datanets/medical-qa/submissions',
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      payload: '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello\r\n--XyZ--\r\n',
    });
    expect(noFiles.statusCode).toBe(400);
    expect(noFiles.json().error).toBe('manifest_first');
    const badId = await server.app.inject({ method: 'GET', url: '/v1/submissions/not-an-id' });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().message).toContain('params/id');
  });

  it('a NUL character (which PostgreSQL text cannot hold) in a path, query or JSON field is a 400 naming it, on every route', async () => {
    // Each reached the store and came back a 500 "invalid byte sequence for encoding UTF8: 0x00".
    for (const [url, at] of [
      ['/v1/models/a%00b', 'params/model'],
      ['/v1/datanets/medical-qa/audit?kind=%00', 'querystring/kind'],
      ['/v1/datanets/medical-qa/settlements/2026-11-24@UTC/inferences/a%00b', 'params/inference'],
    ]) {
      const res = await server.app.inject({ method: 'GET', url });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      expect(res.json()).toEqual({
        error: 'invalid_request',
        message: `${at}: must not contain the NUL character (\\u0000)`,
        issues: [{ at, message: 'must not contain the NUL character (\\u0000)' }],
      });
    }
    // Nested JSON fields are named by their path; the access check still comes first.
    const body = { message: 'x', signature: '0x', nested: [{ deep: 'a\u0000' }] };
    const verify = await server.app.inject({ method: 'POST', url: '/auth/siwe/verify', payload: body });
    expect(verify.statusCode).toBe(400);
    expect(verify.json().message).toBe('body/nested/0/deep: must not contain the NUL character (\\u0000)');
    const runs = await server.app.inject({ method: 'GET', url: '/api/runs?pipeline=%00' });
    expect(runs.statusCode).toBe(401);
  });
});
