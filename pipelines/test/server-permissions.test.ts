// Walks the permission matrix (README "Service"): every route, every kind of caller, allowed or
// 401/403, on a real PostgreSQL store. Roles come from Datanet YAML; a role on one Datanet gives
// nothing on another. A route missing from the matrix below fails the test.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokens } from '../src/server/auth/api-tokens.js';
import { DEPLOYMENT_SCOPE, roleAtLeast, type Role } from '../src/server/auth/roles.js';
import { SessionStore } from '../src/server/auth/sessions.js';
import { openTestServer } from './server-helpers.js';

const ADDR = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
const OWNER = ADDR(1);
const STEWARD = ADDR(2);
const REVIEWER = ADDR(3);
const BETA_STEWARD = ADDR(4);
const SOMEONE = ADDR(5);

/** 'public', anyone signed in, a role on a scope, or (a private read) one address itself or a role on a scope. */
type Need = 'public' | 'signed-in' | { role: Role; scope: string } | { self: string; or: { role: Role; scope: string } };
interface Caller {
  name: string;
  headers: Record<string, string>;
  /** The signed-in address (sessions). */
  address?: string;
  /** Role held per scope; undefined: not signed in. */
  roleOn?: (scope: string) => Role;
}

let root: string;
let server: Awaited<ReturnType<typeof openTestServer>>;
const callers: Caller[] = [];
const RUN = 'run-alpha-1';
const ORPHAN_RUN = 'run-deployment-1';

// What each route needs. The request is a sample that passes validation, so only access decides
// between allowed (anything else) and refused (401/403).
const MATRIX: { method: 'GET' | 'POST' | 'DELETE'; url: string; route: string; need: Need; payload?: unknown }[] = [
  { method: 'GET', url: '/healthz', route: '/healthz', need: 'public' },
  { method: 'GET', url: '/readyz', route: '/readyz', need: 'public' },
  { method: 'GET', url: '/metrics', route: '/metrics', need: 'public' },
  { method: 'GET', url: '/auth/siwe/nonce', route: '/auth/siwe/nonce', need: 'public' },
  {
    method: 'POST',
    url: '/auth/siwe/verify',
    route: '/auth/siwe/verify',
    need: 'public',
    payload: { message: 'not siwe', signature: `0x${'1'.repeat(130)}` },
  },
  { method: 'GET', url: '/auth/me', route: '/auth/me', need: 'signed-in' },
  { method: 'GET', url: '/api/runs?datanet=alpha', route: '/api/runs', need: { role: 'reviewer', scope: 'alpha' } },
  { method: 'GET', url: '/api/runs?datanet=beta', route: '/api/runs', need: { role: 'reviewer', scope: 'beta' } },
  { method: 'GET', url: '/api/runs', route: '/api/runs', need: { role: 'reviewer', scope: DEPLOYMENT_SCOPE } },
  { method: 'GET', url: `/api/runs/${RUN}`, route: '/api/runs/{id}', need: { role: 'reviewer', scope: 'alpha' } },
  { method: 'GET', url: `/api/runs/${ORPHAN_RUN}`, route: '/api/runs/{id}', need: { role: 'reviewer', scope: DEPLOYMENT_SCOPE } },
  { method: 'GET', url: `/api/runs/${RUN}/events`, route: '/api/runs/{id}/events', need: { role: 'reviewer', scope: 'alpha' } },
  {
    method: 'POST',
    url: '/api/runs',
    route: '/api/runs',
    need: { role: 'steward', scope: 'alpha' },
    payload: { pipeline: 'no-such-pipeline', params: { datanet: 'alpha' } },
  },
  {
    method: 'POST',
    url: '/api/runs',
    route: '/api/runs',
    need: { role: 'steward', scope: DEPLOYMENT_SCOPE },
    payload: { pipeline: 'no-such-pipeline' },
  },
  { method: 'POST', url: `/api/runs/${RUN}/cancel`, route: '/api/runs/{id}/cancel', need: { role: 'steward', scope: 'alpha' } },
  { method: 'POST', url: `/api/runs/${RUN}/resume`, route: '/api/runs/{id}/resume', need: { role: 'steward', scope: 'alpha' } },
  {
    method: 'POST',
    url: `/api/runs/${RUN}/steps/read/retry`,
    route: '/api/runs/{id}/steps/{step}/retry',
    need: { role: 'steward', scope: 'alpha' },
  },
  { method: 'GET', url: '/auth/roles', route: '/auth/roles', need: 'signed-in' },
  { method: 'GET', url: '/api/pipelines', route: '/api/pipelines', need: 'signed-in' },
  { method: 'GET', url: `/api/runs/${RUN}/graph`, route: '/api/runs/{id}/graph', need: { role: 'reviewer', scope: 'alpha' } },
  {
    method: 'GET',
    url: `/api/runs/${ORPHAN_RUN}/steps/s/outputs/o/preview`,
    route: '/api/runs/{id}/steps/{step}/outputs/{output}/preview',
    need: { role: 'reviewer', scope: DEPLOYMENT_SCOPE },
  },
  { method: 'GET', url: '/v1/datanets/alpha/report', route: '/v1/datanets/{id}/report', need: { role: 'steward', scope: 'alpha' } },
  { method: 'GET', url: '/v1/datanets', route: '/v1/datanets', need: 'public' },
  { method: 'GET', url: '/v1/datanets/alpha', route: '/v1/datanets/{id}', need: 'public' },
  { method: 'GET', url: `/v1/contributors/${SOMEONE}`, route: '/v1/contributors/{address}', need: 'public' },
  {
    method: 'POST',
    url: '/v1/datanets/alpha/submissions',
    route: '/v1/datanets/{id}/submissions',
    need: 'public',
    payload: { not: 'multipart' },
  },
  { method: 'GET', url: `/v1/submissions/${'a'.repeat(64)}`, route: '/v1/submissions/{id}', need: 'public' },
  { method: 'GET', url: '/v1/datanets/alpha/signing-domain', route: '/v1/datanets/{id}/signing-domain', need: 'public' },
  {
    method: 'POST',
    url: '/v1/datanets/alpha/preflight',
    route: '/v1/datanets/{id}/preflight',
    need: 'public',
    payload: { not: 'multipart' },
  },
  { method: 'GET', url: '/v1/datanets/alpha/datasets', route: '/v1/datanets/{id}/datasets', need: 'public' },
  { method: 'GET', url: '/v1/datanets/alpha/datasets/1', route: '/v1/datanets/{id}/datasets/{version}', need: 'public' },
  {
    method: 'GET',
    url: `/v1/datanets/alpha/datasets/1/proofs/${'ab'.repeat(32)}`,
    route: '/v1/datanets/{id}/datasets/{version}/proofs/{contribution}',
    need: 'public',
  },
  { method: 'GET', url: '/v1/models', route: '/v1/models', need: 'public' },
  { method: 'GET', url: '/v1/models/nope', route: '/v1/models/{model}', need: 'public' },
  {
    method: 'POST',
    url: '/v1/datanets/alpha/datasets/1/query',
    route: '/v1/datanets/{id}/datasets/{version}/query',
    need: 'signed-in',
    payload: { sql: 'SELECT 1' },
  },
  {
    method: 'POST',
    url: '/v1/models/nope/generate',
    route: '/v1/models/{model}/generate',
    need: 'signed-in',
    payload: { prompt: 'hello' },
  },
  { method: 'GET', url: `/v1/contributors/${SOMEONE}/rewards`, route: '/v1/contributors/{address}/rewards', need: 'public' },
  { method: 'GET', url: '/v1/datanets/alpha/commits', route: '/v1/datanets/{id}/commits', need: 'public' },
  {
    method: 'POST',
    url: '/rpc',
    route: '/rpc',
    need: 'public',
    payload: { jsonrpc: '2.0', id: 1, method: 'eth_chainId' },
  },
  { method: 'POST', url: '/v1/chain/faucet', route: '/v1/chain/faucet', need: 'signed-in' },
  // Routes of other packages (review, accountability, settlement), as their OpenAPI entries declare.
  { method: 'GET', url: '/v1/datanets/alpha/audit', route: '/v1/datanets/{id}/audit', need: 'public' },
  { method: 'GET', url: '/v1/datanets/alpha/audit/verify', route: '/v1/datanets/{id}/audit/verify', need: 'public' },
  { method: 'GET', url: '/v1/datanets/alpha/disputes', route: '/v1/datanets/{id}/disputes', need: 'signed-in' },
  { method: 'POST', url: '/v1/datanets/alpha/disputes', route: '/v1/datanets/{id}/disputes', need: 'signed-in', payload: {} },
  {
    method: 'POST',
    url: '/v1/datanets/alpha/disputes/d1/resolution',
    route: '/v1/datanets/{id}/disputes/{dispute}/resolution',
    need: { role: 'steward', scope: 'alpha' },
    payload: {},
  },
  { method: 'GET', url: '/v1/datanets/alpha/review/next', route: '/v1/datanets/{id}/review/next', need: 'signed-in' },
  {
    method: 'POST',
    url: '/v1/datanets/alpha/review/items/i1/decision',
    route: '/v1/datanets/{id}/review/items/{item}/decision',
    need: 'signed-in',
    payload: {},
  },
  {
    method: 'POST',
    url: '/v1/datanets/alpha/review/items/i1/override',
    route: '/v1/datanets/{id}/review/items/{item}/override',
    need: { role: 'steward', scope: 'alpha' },
    payload: {},
  },
  { method: 'GET', url: '/v1/datanets/alpha/review/me', route: '/v1/datanets/{id}/review/me', need: 'signed-in' },
  {
    method: 'GET',
    url: '/v1/datanets/alpha/review/stats',
    route: '/v1/datanets/{id}/review/stats',
    need: { role: 'steward', scope: 'alpha' },
  },
  { method: 'GET', url: '/v1/datanets/alpha/settlements', route: '/v1/datanets/{id}/settlements', need: 'public' },
  { method: 'GET', url: '/v1/datanets/alpha/settlements/2026-11-30', route: '/v1/datanets/{id}/settlements/{epoch}', need: 'public' },
  {
    method: 'GET',
    url: `/v1/datanets/alpha/settlements/2026-11-30/receipts/${SOMEONE}`,
    route: '/v1/datanets/{id}/settlements/{epoch}/receipts/{account}',
    need: 'public',
  },
  {
    method: 'GET',
    url: `/v1/datanets/alpha/settlements/2026-11-30/receipts/${SOMEONE}/html`,
    route: '/v1/datanets/{id}/settlements/{epoch}/receipts/{account}/html',
    need: 'public',
  },
  {
    method: 'GET',
    url: '/v1/datanets/alpha/settlements/2026-11-30/inferences/x',
    route: '/v1/datanets/{id}/settlements/{epoch}/inferences/{inference}',
    need: 'public',
  },
  {
    method: 'GET',
    url: '/v1/datanets/alpha/settlements/2026-11-30/inferences/x/html',
    route: '/v1/datanets/{id}/settlements/{epoch}/inferences/{inference}/html',
    need: 'public',
  },
  // Roles per Datanet: stewards read the grants and their record; owners grant and revoke.
  { method: 'GET', url: '/v1/datanets/alpha/roles', route: '/v1/datanets/{id}/roles', need: { role: 'steward', scope: 'alpha' } },
  {
    method: 'POST',
    url: '/v1/datanets/alpha/roles',
    route: '/v1/datanets/{id}/roles',
    need: { role: 'owner', scope: 'alpha' },
    payload: { address: ADDR(9), role: 'reviewer' },
  },
  {
    method: 'DELETE',
    url: `/v1/datanets/alpha/roles/${ADDR(9)}/reviewer`,
    route: '/v1/datanets/{id}/roles/{address}/{role}',
    need: { role: 'owner', scope: 'alpha' },
  },
  // Private: the address itself (tested in server-roles.test.ts) or stewards of the Datanet named.
  {
    method: 'GET',
    url: `/v1/contributors/${ADDR(9)}/submissions?datanet=alpha`,
    route: '/v1/contributors/{address}/submissions',
    need: { role: 'steward', scope: 'alpha' },
  },
  {
    method: 'GET',
    url: `/v1/contributors/${SOMEONE}/submissions?datanet=alpha`,
    route: '/v1/contributors/{address}/submissions',
    need: { self: SOMEONE, or: { role: 'steward', scope: 'alpha' } },
  },
  // Signed in: they cost CPU. Sample bodies fail validation after the access check.
  { method: 'POST', url: '/v1/models/nope/generate', route: '/v1/models/{model}/generate', need: 'signed-in', payload: {} },
  {
    method: 'POST',
    url: '/v1/datanets/alpha/datasets/1/query',
    route: '/v1/datanets/{id}/datasets/{version}/query',
    need: 'signed-in',
    payload: {},
  },
  // Last: it ends each caller's session.
  { method: 'POST', url: '/auth/logout', route: '/auth/logout', need: 'signed-in' },
];

function datanetYaml(id: string, roles: string): string {
  return `apiVersion: datanet/v1\nkind: Datanet\nid: ${id}\ndomain: testing\nformats: [txt]\nlicences: [CC0-1.0]\nroles:\n${roles}\n`;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'datanet-perm-'));
  mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
  writeFileSync(
    join(root, 'configs', 'datanets', 'alpha.yaml'),
    datanetYaml('alpha', `  owners: ["${OWNER}"]\n  stewards: ["${STEWARD}"]\n  reviewers: ["${REVIEWER}"]`),
  );
  writeFileSync(join(root, 'configs', 'datanets', 'beta.yaml'), datanetYaml('beta', `  stewards: ["${BETA_STEWARD}"]`));
  server = await openTestServer('postgres', root);
  const { db } = server.ctx;
  for (const [id, datanet] of [
    [RUN, 'alpha'],
    [ORPHAN_RUN, undefined],
  ] as const) {
    await server.ctx.engine.store.createRun(
      {
        id,
        pipeline: 'p',
        file: 'p.yaml',
        spec_yaml: '',
        params: datanet ? { datanet } : {},
        options: {},
        status: 'succeeded',
        executor: 'in-process',
        created_at: Date.now(),
      },
      [],
    );
  }
  const sessions = new SessionStore(db);
  const held: Record<string, Record<string, Role>> = {
    [OWNER]: { alpha: 'owner' },
    [STEWARD]: { alpha: 'steward' },
    [REVIEWER]: { alpha: 'reviewer' },
    [BETA_STEWARD]: { beta: 'steward' },
    [SOMEONE]: {},
  };
  callers.push({ name: 'anonymous', headers: {} });
  for (const [address, roles] of Object.entries(held)) {
    const s = await sessions.create(address, 31337, 3_600_000);
    callers.push({
      address,
      name: `session ${
        Object.entries(roles)
          .map(([k, v]) => `${v}@${k}`)
          .join(',') || 'contributor'
      }`,
      headers: { cookie: `datanet_session=${s.sessionId}; datanet_csrf=${s.csrf}`, 'x-csrf-token': s.csrf },
      roleOn: (scope) => roles[scope] ?? 'contributor',
    });
  }
  const tokens = new ApiTokens(db);
  for (const [scope, role] of [
    ['alpha', 'steward'],
    ['beta', 'reviewer'],
    [DEPLOYMENT_SCOPE, 'owner'],
  ] as const) {
    const t = await tokens.create({ name: 't', scope, role });
    callers.push({
      name: `token ${role}@${scope}`,
      headers: { authorization: `Bearer ${t.token}` },
      roleOn: (s) => (s === scope ? role : 'contributor'),
    });
  }
}, 120_000);

afterAll(async () => {
  await server?.shutdown();
  if (root) rmSync(root, { recursive: true, force: true });
});

function allowed(need: Need, caller: Caller): boolean {
  if (need === 'public') return true;
  if (!caller.roleOn) return false;
  if (need === 'signed-in') return true;
  if ('self' in need) return caller.address === need.self || roleAtLeast(caller.roleOn(need.or.scope), need.or.role);
  return roleAtLeast(caller.roleOn(need.scope), need.role);
}

/** How the README's matrix names a need: its "needs" cell begins with this. */
function readmeSays(cell: string | undefined, need: Need): boolean {
  if (cell === undefined) return false;
  if (need === 'public') return cell.startsWith('public');
  if (need === 'signed-in') return cell.startsWith('signed in');
  if ('self' in need) return cell.startsWith('the address itself') && cell.includes(`or a ${need.or.role} of`);
  return cell.startsWith(`${need.role} of`) || cell.includes(`or a ${need.role} of`);
}

/** The README's permission matrix (section Service): `METHOD /path` -> its "needs" cell. */
function readmeMatrix(): Map<string, string> {
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const start = text.indexOf('**Roles and the permission matrix.**');
  expect(start, 'README.md has the paragraph "Roles and the permission matrix"').toBeGreaterThan(0);
  const rows = new Map<string, string>();
  for (const line of text.slice(start).split('\n').slice(1)) {
    if (rows.size > 0 && !line.startsWith('|')) break;
    const m = /^\| `(GET|POST|PUT|PATCH|DELETE) ([^`]+)` +\| (.+?) *\|$/.exec(line);
    if (m) {
      expect(rows.has(`${m[1]} ${m[2]}`), `README matrix names ${m[1]} ${m[2]} once`).toBe(false);
      rows.set(`${m[1]} ${m[2]}`, m[3]);
    }
  }
  return rows;
}

describe('permission matrix', () => {
  it('covers every route the server has', () => {
    const doc = server.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    const covered = new Set(MATRIX.map((m) => `${m.method} ${m.route}`));
    expect(routes.filter((r) => !covered.has(r))).toEqual([]);
  });

  it("is the README's matrix: every route the server has, each with the need it is walked with", () => {
    const doc = server.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    // Routes the OpenAPI document does not list (the document itself and its page), public.
    const hidden = ['GET /openapi.json', 'GET /docs'];
    const readme = readmeMatrix();
    expect(routes.filter((r) => !readme.has(r)).map((r) => `${r} is missing from the README matrix`)).toEqual([]);
    expect(
      [...readme.keys()].filter((r) => !routes.includes(r) && !hidden.includes(r)).map((r) => `${r} is in the README but not served`),
    ).toEqual([]);
    for (const r of hidden) expect(readme.get(r), r).toMatch(/^public/);
    const mismatched = MATRIX.filter((m) => !readmeSays(readme.get(`${m.method} ${m.route}`), m.need)).map(
      (m) => `${m.method} ${m.route}: README says "${readme.get(`${m.method} ${m.route}`)}", walked as ${JSON.stringify(m.need)}`,
    );
    expect(mismatched).toEqual([]);
  });

  it('allows exactly the callers the matrix names; others get 401 (not signed in) or 403', async () => {
    const wrong: string[] = [];
    for (const m of MATRIX) {
      for (const c of callers) {
        const res = await server.app.inject({
          method: m.method,
          url: m.url,
          headers: c.headers,
          ...(m.payload !== undefined ? { payload: m.payload as object } : {}),
        });
        const expectAllowed = allowed(m.need, c);
        const refused = res.statusCode === 401 || res.statusCode === 403;
        if (expectAllowed === refused || res.statusCode >= 500)
          wrong.push(`${m.method} ${m.url} as ${c.name}: ${res.statusCode} ${res.body.slice(0, 160)}`);
        if (!expectAllowed && res.statusCode !== (c.roleOn ? 403 : 401))
          wrong.push(`${m.method} ${m.url} as ${c.name}: expected ${c.roleOn ? 403 : 401}, got ${res.statusCode}`);
      }
    }
    expect(wrong).toEqual([]);
    // Some 600 requests: over vitest's 5 s default on a busy machine.
  }, 60_000);
});
