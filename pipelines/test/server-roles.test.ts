// Role management per Datanet and the private "my submissions" list, over HTTP on a real
// PostgreSQL store: owners grant and revoke (stewards cannot, a steward cannot make an owner), a
// role on one Datanet gives nothing on another, every change is recorded with who and when and
// stewards read the record; a contributor lists only their own submissions, a steward those of
// their Datanet.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokens } from '../src/server/auth/api-tokens.js';
import { SessionStore } from '../src/server/auth/sessions.js';
import { openTestServer } from './server-helpers.js';

const ADDR = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
const OWNER = ADDR(0xa1);
const STEWARD = ADDR(0xa2);
const BETA_OWNER = ADDR(0xb1);
const NEWCOMER = ADDR(0xc1);
const ALICE = ADDR(0xd1);
const BOB = ADDR(0xd2);

let root: string;
let server: Awaited<ReturnType<typeof openTestServer>>;
const as: Record<string, Record<string, string>> = {};

function datanetYaml(id: string, roles: string): string {
  return `apiVersion: datanet/v1\nkind: Datanet\nid: ${id}\ndomain: testing\nformats: [txt]\nlicences: [CC0-1.0]\nroles:\n${roles}\n`;
}

async function call(who: string | undefined, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
  const res = await server.app.inject({ method, url, headers: who ? as[who] : {}, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, any>) : {} };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'datanet-roles-'));
  mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
  writeFileSync(
    join(root, 'configs', 'datanets', 'alpha.yaml'),
    datanetYaml('alpha', `  owners: ["${OWNER}"]\n  stewards: ["${STEWARD}"]`),
  );
  writeFileSync(join(root, 'configs', 'datanets', 'beta.yaml'), datanetYaml('beta', `  owners: ["${BETA_OWNER}"]`));
  // gamma's only owner comes through the API (the last-owner rule); its roles routes need a definition.
  writeFileSync(join(root, 'configs', 'datanets', 'gamma.yaml'), datanetYaml('gamma', '  owners: []'));
  server = await openTestServer('postgres', root);
  const sessions = new SessionStore(server.ctx.db);
  for (const who of [OWNER, STEWARD, BETA_OWNER, NEWCOMER, ALICE, BOB]) {
    const s = await sessions.create(who, 31337, 3_600_000);
    as[who] = { cookie: `datanet_session=${s.sessionId}; datanet_csrf=${s.csrf}`, 'x-csrf-token': s.csrf };
  }
  const t = await new ApiTokens(server.ctx.db).create({ name: 'automation', scope: 'alpha', role: 'owner' });
  as.token = { authorization: `Bearer ${t.token}` };
}, 120_000);

afterAll(async () => {
  await server?.shutdown();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('role management', () => {
  it('an owner grants reviewer and steward; the grant counts on that Datanet only', async () => {
    expect(await server.ctx.roles.roleOf('alpha', NEWCOMER)).toBe('contributor');
    expect((await call(NEWCOMER, 'GET', '/v1/datanets/alpha/report')).status).toBe(403);
    const g = await call(OWNER, 'POST', '/v1/datanets/alpha/roles', { address: NEWCOMER, role: 'reviewer' });
    expect(g).toEqual({ status: 201, body: { granted: true } });
    expect(await server.ctx.roles.roleOf('alpha', NEWCOMER)).toBe('reviewer');
    // Granting again changes nothing and says so.
    const again = await call(OWNER, 'POST', '/v1/datanets/alpha/roles', {
      address: NEWCOMER.toUpperCase().replace('0X', '0x'),
      role: 'reviewer',
    });
    expect(again.status).toBe(200);
    expect(again.body.granted).toBe(false);
    // Reviewer on alpha: the runs of alpha, nothing on beta.
    expect((await call(NEWCOMER, 'GET', '/api/runs?datanet=alpha')).status).toBe(200);
    expect((await call(NEWCOMER, 'GET', '/api/runs?datanet=beta')).status).toBe(403);
    expect(await server.ctx.roles.roleOf('beta', NEWCOMER)).toBe('contributor');
    expect((await call(OWNER, 'POST', '/v1/datanets/alpha/roles', { address: NEWCOMER, role: 'steward' })).status).toBe(201);
    expect((await call(NEWCOMER, 'GET', '/v1/datanets/alpha/roles')).status).toBe(200);
    expect((await call(NEWCOMER, 'GET', '/v1/datanets/beta/roles')).status).toBe(403);
  });

  it('a steward cannot grant (not even reviewer, and never owner); an owner of one Datanet cannot grant on another', async () => {
    for (const role of ['reviewer', 'steward', 'owner']) {
      const r = await call(STEWARD, 'POST', '/v1/datanets/alpha/roles', { address: ALICE, role });
      expect(r.status, role).toBe(403);
      expect(r.body.message).toMatch(/needs role owner on alpha/);
    }
    expect((await call(BETA_OWNER, 'POST', '/v1/datanets/alpha/roles', { address: BETA_OWNER, role: 'owner' })).status).toBe(403);
    expect((await call(OWNER, 'POST', '/v1/datanets/beta/roles', { address: OWNER, role: 'reviewer' })).status).toBe(403);
    expect((await call(undefined, 'POST', '/v1/datanets/alpha/roles', { address: ALICE, role: 'reviewer' })).status).toBe(401);
    // Someone just made steward cannot grant either.
    expect((await call(NEWCOMER, 'POST', '/v1/datanets/alpha/roles', { address: ALICE, role: 'owner' })).status).toBe(403);
    expect(await server.ctx.roles.roleOf('alpha', ALICE)).toBe('contributor');
    // Bad input is a 4xx with its reason.
    const bad = await call(OWNER, 'POST', '/v1/datanets/alpha/roles', { address: 'nobody', role: 'contributor' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/address/);
    // Without the CSRF header a session cannot grant.
    const noCsrf = await server.app.inject({
      method: 'POST',
      url: '/v1/datanets/alpha/roles',
      headers: { cookie: as[OWNER].cookie },
      payload: { address: ALICE, role: 'reviewer' },
    });
    expect(noCsrf.statusCode).toBe(403);
  });

  it('every grant and revocation is recorded with who and when; stewards read it, reviewers and others do not', async () => {
    const before = Date.now();
    expect((await call('token', 'POST', '/v1/datanets/alpha/roles', { address: BOB, role: 'reviewer' })).status).toBe(201);
    const revoked = await call(OWNER, 'DELETE', `/v1/datanets/alpha/roles/${BOB}/reviewer`);
    expect(revoked).toEqual({ status: 200, body: { revoked: true } });
    expect(await server.ctx.roles.roleOf('alpha', BOB)).toBe('contributor');
    expect((await call(OWNER, 'DELETE', `/v1/datanets/alpha/roles/${BOB}/reviewer`)).status).toBe(404);
    // Grants from the YAML are changed there.
    const fromYaml = await call(OWNER, 'DELETE', `/v1/datanets/alpha/roles/${STEWARD}/steward`);
    expect(fromYaml.status).toBe(409);
    expect(fromYaml.body.error).toBe('from_config');
    // A steward cannot revoke.
    expect((await call(STEWARD, 'DELETE', `/v1/datanets/alpha/roles/${NEWCOMER}/reviewer`)).status).toBe(403);

    const read = await call(STEWARD, 'GET', '/v1/datanets/alpha/roles');
    expect(read.status).toBe(200);
    const events = read.body.events as { address: string; role: string; action: string; by: string; at: number }[];
    expect(events.map((e) => [e.action, e.role, e.address])).toEqual([
      ['revoke', 'reviewer', BOB],
      ['grant', 'reviewer', BOB],
      ['grant', 'steward', NEWCOMER],
      ['grant', 'reviewer', NEWCOMER],
    ]);
    expect(events[0].by).toBe(OWNER);
    expect(events[1].by).toMatch(/^token:/);
    expect(events[0].at).toBeGreaterThanOrEqual(before);
    const grants = read.body.grants as { address: string; role: string; source: string; grantedBy: string | null }[];
    expect(grants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ address: STEWARD, role: 'steward', source: 'datanet-yaml', grantedBy: null }),
        expect.objectContaining({ address: NEWCOMER, role: 'reviewer', source: 'grant', grantedBy: OWNER }),
      ]),
    );
    expect(grants.some((g) => g.address === BOB)).toBe(false);
    // Nothing recorded on beta; its record is its stewards' only.
    expect((await call(BETA_OWNER, 'GET', '/v1/datanets/beta/roles')).body.events).toEqual([]);
    expect((await call(STEWARD, 'GET', '/v1/datanets/beta/roles')).status).toBe(403);
    expect((await call(ALICE, 'GET', '/v1/datanets/alpha/roles')).status).toBe(403);
    expect((await call(undefined, 'GET', '/v1/datanets/alpha/roles')).status).toBe(401);
  });

  it('the last owner stays', async () => {
    expect((await call(BETA_OWNER, 'POST', '/v1/datanets/beta/roles', { address: ALICE, role: 'owner' })).status).toBe(201);
    // Alice (granted) can be revoked: the YAML's owner remains.
    expect((await call(ALICE, 'DELETE', `/v1/datanets/beta/roles/${ALICE}/owner`)).status).toBe(200);
    expect(await server.ctx.roles.roleOf('beta', ALICE)).toBe('contributor');
    // Make a scope whose only owner was granted: it cannot be revoked.
    await server.ctx.roles.grantBy('gamma', { principal: ALICE, role: 'owner' }, 'test');
    const last = await call(ALICE, 'DELETE', `/v1/datanets/gamma/roles/${ALICE}/owner`);
    expect(last.status).toBe(409);
    expect(last.body.error).toBe('last_owner');
  });
});

describe('my submissions (private list)', () => {
  beforeAll(async () => {
    const now = Date.now();
    // Alice: one received over HTTP (pending) and one decided; Bob: one decided on beta.
    await server.ctx.idempotency.put(`submission:${'a1'.repeat(32)}`, 'submission', `alpha:${ALICE}:2026-11-30`, 202, { fileCount: 2 });
    await server.ctx.db
      .insertInto('submissions')
      .values([
        {
          id: 'a2'.repeat(32),
          datanet: 'alpha',
          contributor: ALICE.toUpperCase().replace('0X', '0x'),
          nonce: 'n1',
          signed_at: now - 5000,
          received_at: now - 5000,
          inbox_entry: 'e1',
          file_count: 1,
        },
        {
          id: 'b1'.repeat(32),
          datanet: 'beta',
          contributor: BOB,
          nonce: 'n2',
          signed_at: now,
          received_at: now,
          inbox_entry: 'e2',
          file_count: 3,
        },
      ])
      .execute();
  });

  it('a contributor lists their own, newest first, paged; not anyone else’s', async () => {
    const mine = await call(ALICE, 'GET', `/v1/contributors/${ALICE}/submissions`);
    expect(mine.status).toBe(200);
    expect(mine.body.total).toBe(2);
    expect(mine.body.items.map((s: { id: string; status: string; datanet: string }) => [s.id.slice(0, 2), s.status, s.datanet])).toEqual([
      ['a1', 'received', 'alpha'],
      ['a2', 'decided', 'alpha'],
    ]);
    const paged = await call(ALICE, 'GET', `/v1/contributors/${ALICE}/submissions?datanet=alpha&page=2&pageSize=1`);
    expect(paged.body.items.map((s: { id: string }) => s.id.slice(0, 2))).toEqual(['a2']);
    expect((await call(ALICE, 'GET', `/v1/contributors/${ALICE}/submissions?datanet=beta`)).body.total).toBe(0);

    const other = await call(ALICE, 'GET', `/v1/contributors/${BOB}/submissions`);
    expect(other.status).toBe(403);
    expect(JSON.stringify(other.body)).not.toContain('b1b1');
    expect((await call(ALICE, 'GET', `/v1/contributors/${BOB}/submissions?datanet=beta`)).status).toBe(403);
    expect((await call(undefined, 'GET', `/v1/contributors/${BOB}/submissions`)).status).toBe(401);
    // Bad input from the address itself is a 400 with its reason.
    expect((await call(ALICE, 'GET', `/v1/contributors/${ALICE}/submissions?pageSize=1000`)).status).toBe(400);
  });

  it("stewards of a Datanet list its contributors' submissions there, and only there", async () => {
    const r = await call(STEWARD, 'GET', `/v1/contributors/${ALICE}/submissions?datanet=alpha`);
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(2);
    expect((await call(STEWARD, 'GET', `/v1/contributors/${BOB}/submissions?datanet=beta`)).status).toBe(403);
    expect((await call(STEWARD, 'GET', `/v1/contributors/${ALICE}/submissions`)).status).toBe(403);
    expect((await call(BETA_OWNER, 'GET', `/v1/contributors/${BOB}/submissions?datanet=beta`)).body.items).toHaveLength(1);
    expect((await call('token', 'GET', `/v1/contributors/${ALICE}/submissions?datanet=alpha`)).status).toBe(200);
    expect((await call('token', 'GET', `/v1/contributors/${BOB}/submissions?datanet=beta`)).status).toBe(403);
  });
});
