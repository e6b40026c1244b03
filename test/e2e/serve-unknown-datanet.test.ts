// Every /v1/datanets/:id/... route the operator packages contribute, on a real `datanet serve` over
// the repository's Datanets: an id with no configs/datanets/<id>.yaml is 404 unknown_datanet before
// the route does any work (no empty lists, no audit chain "ok"). The 404 comes after the access
// check: a route that needs a role refuses an unknown Datanet as it refuses a known one, so the
// 404 tells nothing a 401/403 would have hidden.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet } from 'ethers';
import { REPO_ROOT, runDatanetCli, signInOverHttp, startServe, type ServeProcess } from '@datanet/pipelines/testing';

const KNOWN = 'medical-qa';
const UNKNOWN = 'nope';
const EPOCH = '2026-01-01@UTC';
const ACCOUNT = `0x${'ab'.repeat(20)}`;

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** After /v1/datanets/ID. */
  path: string;
  body?: unknown;
  multipart?: boolean;
  /** Who may call it: anyone, anyone signed in, or the Datanet's stewards. */
  access: 'public' | 'signed-in' | 'steward';
  /** The status for the demo's Datanet with its owner's token, where the route answers one without other data. */
  known?: number;
}

const ROUTES: Route[] = [
  // datanet, ingest (already 404 before this test was written; kept so every route is here)
  { method: 'GET', path: '', access: 'public', known: 200 },
  { method: 'GET', path: '/signing-domain', access: 'public', known: 200 },
  { method: 'POST', path: '/submissions', multipart: true, access: 'public' },
  { method: 'POST', path: '/preflight', multipart: true, access: 'public' },
  // dataset
  { method: 'GET', path: '/datasets', access: 'public', known: 200 },
  { method: 'GET', path: '/datasets/1', access: 'public' },
  { method: 'GET', path: `/datasets/1/proofs/${'0'.repeat(64)}`, access: 'public' },
  { method: 'POST', path: '/datasets/1/query', body: { sql: 'select 1' }, access: 'signed-in' },
  // provenance
  { method: 'GET', path: '/commits', access: 'public', known: 200 },
  // settlement
  { method: 'GET', path: '/settlements', access: 'public', known: 200 },
  { method: 'GET', path: `/settlements/${EPOCH}`, access: 'public' },
  { method: 'GET', path: `/settlements/${EPOCH}/receipts/${ACCOUNT}`, access: 'public' },
  { method: 'GET', path: `/settlements/${EPOCH}/receipts/${ACCOUNT}/html`, access: 'public' },
  { method: 'GET', path: `/settlements/${EPOCH}/inferences/inf-1`, access: 'public' },
  { method: 'GET', path: `/settlements/${EPOCH}/inferences/inf-1/html`, access: 'public' },
  // accountability
  { method: 'GET', path: '/audit', access: 'public', known: 200 },
  { method: 'GET', path: '/audit/verify', access: 'public', known: 200 },
  { method: 'GET', path: '/disputes', access: 'signed-in', known: 200 },
  { method: 'POST', path: '/disputes', body: { contribution: 'c1', reason: 'incorrect', evidence: 'wrong' }, access: 'signed-in' },
  { method: 'POST', path: `/disputes/dsp_${'0'.repeat(24)}/resolution`, body: { decision: 'dismissed' }, access: 'steward' },
  // review (an API token names no person and reviews nothing: 403 token_cannot_review for the owner's token)
  { method: 'GET', path: '/review/next', access: 'signed-in', known: 403 },
  { method: 'GET', path: '/review/me', access: 'signed-in', known: 403 },
  { method: 'POST', path: `/review/items/${'0'.repeat(32)}/decision`, body: { verdict: 'approve' }, access: 'signed-in' },
  { method: 'POST', path: `/review/items/${'0'.repeat(32)}/override`, body: { verdict: 'approve' }, access: 'steward' },
  { method: 'GET', path: '/review/stats', access: 'steward', known: 200 },
  // report
  { method: 'GET', path: '/report', access: 'steward' },
  // roles (the server's own routes, not an operator package's)
  { method: 'GET', path: '/roles', access: 'steward', known: 200 },
  { method: 'POST', path: '/roles', body: { address: ACCOUNT, role: 'reviewer' }, access: 'steward', known: 201 },
  { method: 'DELETE', path: `/roles/${ACCOUNT}/reviewer`, access: 'steward', known: 200 },
];

const root = mkdtempSync(join(tmpdir(), 'datanet-unknown-'));
const stateDir = join(root, 'state');
const env = { DATABASE_URL: '', DATANET_RPC_URL: '' };

function token(scope: string): string {
  const out = runDatanetCli(
    ['--state-dir', stateDir, '--json', 'token', 'create', '--datanet', scope, '--role', 'owner', '--name', scope],
    {
      cwd: root,
      env: { ...process.env, ...env },
    },
  );
  if (out.code !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout).token;
}

describe('routes of a Datanet this server has no definition of', () => {
  let server: ServeProcess | undefined;
  /** Owner of the demo's Datanet; a contributor anywhere else. */
  let knownOwner: string;
  /** Owner of the id no definition names: passes every access check there, so only the 404 is left. */
  let unknownOwner: string;

  const call = async (id: string, r: Route, auth?: string) => {
    const headers: Record<string, string> = auth ? { authorization: `Bearer ${auth}` } : {};
    let body: FormData | string | undefined;
    if (r.multipart) body = new FormData();
    else if (r.body !== undefined) {
      body = JSON.stringify(r.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(`${server!.url}/v1/datanets/${id}${r.path}`, { method: r.method, headers, body });
    const text = await res.text();
    let json: { error?: string; message?: string } = {};
    try {
      json = JSON.parse(text);
    } catch {
      // HTML pages and the like: no error code
    }
    return { status: res.status, error: json.error, message: json.message };
  };

  beforeAll(async () => {
    mkdirSync(join(root, 'configs'), { recursive: true });
    cpSync(join(REPO_ROOT, 'configs', 'datanets'), join(root, 'configs', 'datanets'), { recursive: true });
    knownOwner = token(KNOWN);
    unknownOwner = token(UNKNOWN);
    server = await startServe({ stateDir, cwd: root, env });
  }, 600_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it.each(ROUTES.map((r) => [`${r.method} /v1/datanets/:id${r.path}`, r] as const))('%s', async (_name, r) => {
    const where = `${r.method} ${r.path || '/'}`;
    const unknown = { status: 404, error: 'unknown_datanet', message: `no Datanet ${UNKNOWN} on this server` };
    if (r.access === 'public') {
      expect(await call(UNKNOWN, r), where).toEqual(unknown);
    } else {
      // Refused as for a Datanet that exists: nothing said about which ids name one.
      expect((await call(UNKNOWN, r)).status, `${where} anonymous`).toBe(401);
      expect((await call(KNOWN, r)).status, `${where} anonymous, known`).toBe(401);
      if (r.access === 'steward') {
        expect((await call(UNKNOWN, r, knownOwner)).status, `${where} no role on it`).toBe(403);
        expect((await call('package-docs', r, knownOwner)).status, `${where} no role on it, known`).toBe(403);
      }
    }
    expect(await call(UNKNOWN, r, unknownOwner), `${where} with a role on the id`).toEqual(unknown);

    const known = await call(KNOWN, r, knownOwner);
    if (r.known !== undefined) expect(known, where).toMatchObject({ status: r.known });
    expect(known.error, where).not.toBe('unknown_datanet');
  });

  it("the embedded demo's Datanet (package-docs) answers its public lists", async () => {
    for (const r of ROUTES.filter((x) => x.access === 'public' && x.known === 200))
      expect((await call('package-docs', r)).status, `${r.method} ${r.path || '/'}`).toBe(200);
  });

  it('a made-up id that is not a Datanet id at all is still a 400 of the params', async () => {
    expect(
      (
        await call(
          'Not_An_Id',
          ROUTES.find((r) => r.path === '/datasets')!,
        )
      ).status,
    ).toBe(400);
  });
});

describe('a Datanet whose YAML is removed', () => {
  it("is gone from its former steward's roles once the server restarts, and its roles routes answer them 404", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'datanet-removed-'));
    const state = join(dir, 'state');
    const steward = Wallet.createRandom();
    const yaml = join(dir, 'configs', 'datanets', 'gone.yaml');
    mkdirSync(join(dir, 'configs', 'datanets'), { recursive: true });
    writeFileSync(
      yaml,
      `apiVersion: datanet/v1\nkind: Datanet\nid: gone\ndomain: testing\nformats: [txt]\nlicences: [CC0-1.0]\nroles: { stewards: ['${steward.address}'] }\n`,
    );
    writeFileSync(
      join(dir, 'configs', 'datanets', 'kept.yaml'),
      `apiVersion: datanet/v1\nkind: Datanet\nid: kept\ndomain: testing\nformats: [txt]\nlicences: [CC0-1.0]\nroles: { reviewers: ['${steward.address}'] }\n`,
    );
    const rolesOf = async (url: string) => {
      const headers = await signInOverHttp(url, steward);
      const res = await fetch(`${url}/auth/roles`, { headers });
      return ((await res.json()) as { roles: { scope: string; role: string }[] }).roles.map((r) => `${r.scope}:${r.role}`).sort();
    };
    let s: ServeProcess | undefined;
    try {
      s = await startServe({ stateDir: state, cwd: dir, env });
      expect(await rolesOf(s.url)).toEqual(['gone:steward', 'kept:reviewer']);
      await s.stop();
      rmSync(yaml);
      s = await startServe({ stateDir: state, cwd: dir, env });
      expect(await rolesOf(s.url)).toEqual(['kept:reviewer']);
      const headers = await signInOverHttp(s.url, steward);
      const res = await fetch(`${s.url}/v1/datanets/gone/roles`, { headers });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'unknown_datanet', message: 'no Datanet gone on this server' });
    } finally {
      await s?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
