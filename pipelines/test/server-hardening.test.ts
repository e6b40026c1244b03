// Defects found probing a real server, each pinned here: path parameters from Datanet stewards,
// repeated scope parameters, refused requests outside the rate limit, the deployment's run list
// against its run detail, foreign Authorization headers on public routes, unknown paging cursors,
// inherited property names as outputs, and fastify's own router errors in the service's shape.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokens } from '../src/server/auth/api-tokens.js';
import { DEPLOYMENT_SCOPE, type Role } from '../src/server/auth/roles.js';
import { SessionStore } from '../src/server/auth/sessions.js';
import { isPathLike } from '../src/server/runs/run-launcher.js';
import type { DbEngine } from '../src/testing/test-db.js';
import { openTestServer } from './server-helpers.js';

const ADDR = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
const ALPHA_REVIEWER = ADDR(3);

/** A configs folder with Datanet alpha and a pipeline whose `corpus` parameter is a path. */
function configRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'datanet-hardening-'));
  mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
  mkdirSync(join(root, 'configs', 'pipelines'), { recursive: true });
  writeFileSync(
    join(root, 'configs', 'datanets', 'alpha.yaml'),
    `apiVersion: datanet/v1\nkind: Datanet\nid: alpha\ndomain: testing\nformats: [txt]\nlicences: [CC0-1.0]\nroles:\n  reviewers: ["${ALPHA_REVIEWER}"]\n`,
  );
  // Its step's operator does not exist: a launch that passes the parameter check is refused by
  // validation (400 invalid_pipeline) and never runs.
  writeFileSync(
    join(root, 'configs', 'pipelines', 'reads-a-file.yaml'),
    [
      'apiVersion: datanet/v1',
      'kind: Pipeline',
      'metadata: { name: reads-a-file }',
      'parameters:',
      '  corpus: { type: string, default: ../../corpora/x.jsonl }',
      '  datanet: { type: string, default: alpha }',
      'steps:',
      '  read:',
      '    uses: no.such-operator',
      "    with: { path: '${{ params.corpus }}' }",
      '',
    ].join('\n'),
  );
  return root;
}

type Server = Awaited<ReturnType<typeof openTestServer>>;

async function token(server: Server, scope: string, role: Role): Promise<Record<string, string>> {
  const t = await new ApiTokens(server.ctx.db).create({ name: 't', scope, role });
  return { authorization: `Bearer ${t.token}` };
}

async function session(server: Server, address: string): Promise<Record<string, string>> {
  const s = await new SessionStore(server.ctx.db).create(address, 31337, 3_600_000);
  return { cookie: `datanet_session=${s.sessionId}; datanet_csrf=${s.csrf}`, 'x-csrf-token': s.csrf };
}

async function addRun(server: Server, id: string, params: Record<string, unknown>, createdAt: number, steps: string[] = []) {
  await server.ctx.engine.store.createRun(
    {
      id,
      pipeline: 'p',
      file: 'p.yaml',
      spec_yaml: '',
      params,
      options: {},
      status: 'succeeded',
      executor: 'in-process',
      created_at: createdAt,
    },
    steps.map((step_id) => ({ step_id, pool: 'default' })),
  );
}

describe.each<DbEngine>(['pglite', 'postgres'])('server hardening on %s', (engine) => {
  let root: string;
  let server: Server;
  let alphaSteward: Record<string, string>;
  let deploymentSteward: Record<string, string>;
  let deploymentReviewer: Record<string, string>;
  let alphaReviewerToken: Record<string, string>;
  let alphaReviewerSession: Record<string, string>;
  const t0 = Date.now() - 60_000;

  beforeAll(async () => {
    root = configRoot();
    server = await openTestServer(engine, root, { rateLimitPerMinute: 100_000 });
    alphaSteward = await token(server, 'alpha', 'steward');
    deploymentSteward = await token(server, DEPLOYMENT_SCOPE, 'steward');
    deploymentReviewer = await token(server, DEPLOYMENT_SCOPE, 'reviewer');
    alphaReviewerToken = await token(server, 'alpha', 'reviewer');
    alphaReviewerSession = await session(server, ALPHA_REVIEWER);
    await addRun(server, 'run-alpha-1', { datanet: 'alpha' }, t0 + 1, ['submit']);
    await addRun(server, 'run-alpha-2', { datanet: 'alpha' }, t0 + 2);
    await addRun(server, 'run-beta-1', { datanet: 'beta' }, t0 + 3);
    await addRun(server, 'run-deploy-1', {}, t0 + 4);
    await addRun(server, 'run-deploy-2', { datanet: 7 }, t0 + 5);
    await addRun(server, 'run-deploy-3', { datanet: '../etc' }, t0 + 6);
  }, 120_000);
  afterAll(async () => {
    await server?.shutdown();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const launch = (headers: Record<string, string>, params: Record<string, string>) =>
    server.app.inject({ method: 'POST', url: '/api/runs', headers, payload: { pipeline: 'reads-a-file', params } });

  it("refuses a Datanet steward's path-like parameter values, naming the parameter and who may", async () => {
    const corpora = join(root, '..', 'shared', 'corpora');
    for (const corpus of [
      '/etc/hostname',
      '../../../etc/hostname',
      '../../.env',
      'data/../../../../x',
      `${corpora}/../../etc/hostname`,
      `${corpora}-x/a`,
      '~/secrets',
      '~root/x',
      'file:///etc/hostname',
    ]) {
      const res = await launch(alphaSteward, { datanet: 'alpha', corpus });
      expect(res.statusCode, corpus).toBe(403);
      expect(res.json().error).toBe('path_parameter');
      expect(res.json().message).toContain('parameter corpus');
      expect(res.json().message).toContain("steward of the deployment ('*')");
    }
    // A relative path without ".." is not path-like, and the public corpora may be named: the check
    // passes and validation decides (the pipeline's operator does not exist).
    for (const corpus of ['corpora/x.jsonl', `${corpora}/medquad/x.jsonl.gz`, '../../../shared/corpora/medquad/x.jsonl.gz']) {
      const allowed = await launch(alphaSteward, { datanet: 'alpha', corpus });
      expect(allowed.statusCode, corpus).toBe(400);
      expect(allowed.json().error).toBe('invalid_pipeline');
    }
    // Deployment stewards may name files (a token holds one scope: this launch is the deployment's).
    const staff = await launch(deploymentSteward, { corpus: '/etc/hostname' });
    expect(staff.statusCode).toBe(400);
    expect(staff.json().error).toBe('invalid_pipeline');
    expect(isPathLike('C:\\Windows\\x')).toBe(true);
    expect(isPathLike('\\\\host\\share')).toBe(true);
    expect(isPathLike('sha256:abc')).toBe(false);
    expect(isPathLike('medical-qa')).toBe(false);
    expect(isPathLike('a..b')).toBe(false);
  });

  it('answers 400 naming the parameter when a scope is not one Datanet id, before any role lookup', async () => {
    for (const headers of [alphaReviewerSession, alphaReviewerToken]) {
      const twice = await server.app.inject({ method: 'GET', url: '/api/runs?datanet=alpha&datanet=beta', headers });
      expect(twice.statusCode).toBe(400);
      expect(twice.json()).toMatchObject({ error: 'bad_scope' });
      expect(twice.json().message).toMatch(/^querystring datanet: give one Datanet id/);
      const odd = await server.app.inject({ method: 'GET', url: '/api/runs?datanet=Alpha%20Q', headers });
      expect(odd.statusCode).toBe(400);
    }
    const launched = await launch(deploymentSteward, { datanet: '../alpha' });
    expect(launched.statusCode).toBe(400);
    expect(launched.json().message).toMatch(/^body params\.datanet: give one Datanet id/);
    const param = await server.app.inject({ method: 'GET', url: '/v1/datanets/ALPHA/roles', headers: alphaReviewerSession });
    expect(param.statusCode).toBe(400);
    expect(param.json().message).toMatch(/^params\/id: give one Datanet id/);
    // Anonymous callers still learn nothing past 401.
    expect((await server.app.inject({ method: 'GET', url: '/api/runs?datanet=a&datanet=b' })).statusCode).toBe(401);
  });

  it("lists the deployment's own runs without `datanet`, and every run it lists can be read", async () => {
    const list = await server.app.inject({ method: 'GET', url: '/api/runs', headers: deploymentReviewer });
    expect(list.statusCode).toBe(200);
    const ids = (list.json().runs as { id: string; datanet: string | null }[]).map((r) => r.id);
    expect(ids).toEqual(['run-deploy-3', 'run-deploy-2', 'run-deploy-1']);
    for (const id of ids)
      expect((await server.app.inject({ method: 'GET', url: `/api/runs/${id}`, headers: deploymentReviewer })).statusCode).toBe(200);
    expect((await server.app.inject({ method: 'GET', url: '/api/runs/run-alpha-1', headers: deploymentReviewer })).statusCode).toBe(403);
    const alpha = await server.app.inject({ method: 'GET', url: '/api/runs?datanet=alpha', headers: alphaReviewerSession });
    expect((alpha.json().runs as { id: string }[]).map((r) => r.id)).toEqual(['run-alpha-2', 'run-alpha-1']);
    for (const id of ['run-alpha-1', 'run-alpha-2'])
      expect((await server.app.inject({ method: 'GET', url: `/api/runs/${id}`, headers: alphaReviewerSession })).statusCode).toBe(200);
  });

  it('ignores credentials that do not verify on public routes; names the expected header elsewhere', async () => {
    for (const authorization of ['Bearer x', 'Bearer dnt_nope_nope', 'Basic abc']) {
      expect((await server.app.inject({ method: 'GET', url: '/healthz', headers: { authorization } })).statusCode, authorization).toBe(200);
      expect((await server.app.inject({ method: 'GET', url: '/auth/siwe/nonce', headers: { authorization } })).statusCode).toBe(200);
    }
    const basic = await server.app.inject({ method: 'GET', url: '/api/runs', headers: { authorization: 'Basic abc' } });
    expect(basic.statusCode).toBe(401);
    expect(basic.json().error).toBe('bad_authorization');
    expect(basic.json().message).toContain('expected Authorization: Bearer dnt_... (an API token');
    const stale = await server.app.inject({ method: 'GET', url: '/api/runs', headers: { authorization: 'Bearer dnt_nope_nope' } });
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error).toBe('bad_token');
  });

  it('answers 400 unknown_cursor for a `before` that names no run of the scope listed', async () => {
    for (const before of ['bogus', 'run-beta-1', 'run-deploy-1']) {
      const res = await server.app.inject({ method: 'GET', url: `/api/runs?datanet=alpha&before=${before}`, headers: alphaReviewerToken });
      expect(res.statusCode, before).toBe(400);
      expect(res.json().error).toBe('unknown_cursor');
      expect(res.json().message).toMatch(/^before: no run/);
    }
    const page = await server.app.inject({ method: 'GET', url: '/api/runs?datanet=alpha&before=run-alpha-2', headers: alphaReviewerToken });
    expect(page.statusCode).toBe(200);
    expect((page.json().runs as { id: string }[]).map((r) => r.id)).toEqual(['run-alpha-1']);
  });

  it('answers 404 for an output named like an inherited property', async () => {
    for (const output of ['constructor', 'toString', 'hasOwnProperty']) {
      const res = await server.app.inject({
        method: 'GET',
        url: `/api/runs/run-alpha-1/steps/submit/outputs/${output}/preview`,
        headers: alphaReviewerToken,
      });
      expect(res.statusCode, output).toBe(404);
      expect(res.json()).toEqual({ error: 'unknown_output', message: `step submit has no output ${output} (yet)` });
    }
  });

  it("gives fastify's router errors the service's { error, message } shape", async () => {
    const bad = await server.app.inject({ method: 'GET', url: '/api/runs/%E0%A4%A' });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json()).sort()).toEqual(['error', 'message']);
    expect(bad.json().error).toBe('bad_url');
    const long = await server.app.inject({ method: 'GET', url: `/api/runs/${'a'.repeat(300)}` });
    expect(long.statusCode).toBe(414);
    expect(Object.keys(long.json()).sort()).toEqual(['error', 'message']);
    expect(long.json().message).toContain('longer than 200 characters');
  });
});

describe('refused requests are rate-limited', () => {
  it('counts 400, 401 and 403 per client IP and answers 429 before the access check', async () => {
    const limited = await openTestServer('pglite', undefined, { rateLimitPerMinute: 3 });
    try {
      const steward = await token(limited, 'medical-qa', 'steward');
      const codes = [];
      codes.push((await limited.app.inject({ method: 'GET', url: '/api/runs', headers: { authorization: 'Bearer dnt_x_y' } })).statusCode);
      codes.push((await limited.app.inject({ method: 'GET', url: '/api/runs', headers: steward })).statusCode);
      codes.push((await limited.app.inject({ method: 'GET', url: '/api/runs?datanet=medical-qa&limit=abc', headers: steward })).statusCode);
      expect(codes).toEqual([401, 403, 400]);
      // Answered before the token is looked up: a bad token gets 429, not 401; so does a good one.
      const flood = await limited.app.inject({ method: 'GET', url: '/api/runs', headers: { authorization: 'Bearer dnt_x_y' } });
      expect(flood.statusCode).toBe(429);
      expect(flood.json().error).toBe('rate_limited');
      expect(flood.json().message).toContain('refused or invalid requests');
      expect((await limited.app.inject({ method: 'GET', url: '/api/runs?datanet=medical-qa', headers: steward })).statusCode).toBe(429);
      // Health checks are never limited.
      expect((await limited.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await limited.shutdown();
    }
  }, 60_000);
});
