import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PGliteDialect } from 'kysely';
import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDatanetCli, startServe, type ServeProcess } from '@datanet/pipelines/testing';
import { DisputePolicySchema } from '@datanet/datanet';
import { openDispute } from '@datanet/accountability';
import { advanceSettlement, computeReceipt } from '../src/index.js';
import { DATANET, STEWARD, TERMS, seedEpoch, seedRegistry } from './accountability-fixture.js';
import { address } from './fixtures.js';

// A real `datanet serve` over a store holding a final epoch and an open dispute: who may read and
// change what, over HTTP.
const root = mkdtempSync(join(tmpdir(), 'datanet-acct-routes-'));
const stateDir = join(root, 'state');
const env = { ...process.env, DATABASE_URL: '', DATANET_RPC_URL: '' };
const stewardWallet = new Wallet(Wallet.createRandom().privateKey);
const contributorWallet = new Wallet(Wallet.createRandom().privateKey);

function token(role: string): string {
  const out = runDatanetCli(['--state-dir', stateDir, '--json', 'token', 'create', '--datanet', DATANET, '--role', role, '--name', role], {
    cwd: root,
    env,
  });
  if (out.code !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout).token;
}

describe('accountability routes on a real `datanet serve`', () => {
  let server: ServeProcess | undefined;
  let url: string;
  let epoch: string;
  let disputeId: string;
  let steward: string;
  let reviewer: string;
  let receipt: unknown;
  const call = (path: string, init: RequestInit = {}, auth?: string) =>
    fetch(url + path, {
      ...init,
      headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    });

  beforeAll(async () => {
    mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
    writeFileSync(
      join(root, 'configs', 'datanets', `${DATANET}.yaml`),
      `apiVersion: datanet/v1\nkind: Datanet\nid: ${DATANET}\ndomain: test\nformats: [txt]\nlicences: [CC-BY-4.0]\nchallengeWindow: 0\nroles:\n  stewards: ['${stewardWallet.address}']\n`,
    );
    mkdirSync(join(stateDir, 'db'), { recursive: true });
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite: new PGlite(join(stateDir, 'db')) }) });
    try {
      await seedRegistry(db, 'pglite', 4, 4);
      const e = await seedEpoch(db, '2026-11-24', 20, 4, 4, 5);
      epoch = e.id;
      expect((await advanceSettlement(db, { datanet: DATANET, epoch, terms: TERMS, windowMs: 0, now: e.endMs + 1 })).state).toBe('final');
      receipt = await computeReceipt(db, { datanet: DATANET, epoch, account: address(1) });
      disputeId = (
        await openDispute(db, {
          datanet: DATANET,
          contributionId: 'c2-1',
          filer: STEWARD,
          role: 'steward',
          reason: 'consent',
          evidence: 'the contributor withdrew consent for this record',
          policy: DisputePolicySchema.parse({}),
        })
      ).dispute.id;
    } finally {
      await db.destroy();
    }
    steward = token('steward');
    reviewer = token('reviewer');
    server = await startServe({ stateDir, cwd: root, env: { DATABASE_URL: '', DATANET_RPC_URL: '' } });
    url = server.url;
  }, 600_000);
  afterAll(async () => {
    if (server) {
      await server.stop();
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('publishes settlements, receipts (JSON and HTML) and inference views; bad input is a 4xx', async () => {
    const list = (await (await call(`/v1/datanets/${DATANET}/settlements`)).json()) as any;
    expect(list.settlements).toEqual([expect.objectContaining({ epoch, status: 'final', version: 1 })]);
    const r = await call(`/v1/datanets/${DATANET}/settlements/${epoch}/receipts/${address(1)}`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual(JSON.parse(JSON.stringify(receipt)));
    const html = await call(`/v1/datanets/${DATANET}/settlements/${epoch}/receipts/${address(1)}/html`);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(await html.text()).toContain('<mark');
    const inf = (receipt as { lines: { inferenceId: string }[] }).lines[0].inferenceId;
    expect((await call(`/v1/datanets/${DATANET}/settlements/${epoch}/inferences/${inf}`)).status).toBe(200);
    expect((await call(`/v1/datanets/${DATANET}/settlements/${epoch}/receipts/0x${'9'.repeat(40)}`)).status).toBe(404);
    expect((await call(`/v1/datanets/${DATANET}/settlements/yesterday/receipts/${address(1)}`)).status).toBe(400);
    expect((await call(`/v1/datanets/${DATANET}/settlements/${epoch}/receipts/not-an-address`)).status).toBe(400);
    // Another spelling of the epoch's zone names the same epoch; a zone that is no IANA name is a 400 saying so.
    for (const zone of ['utc', 'Etc/UTC', 'GMT']) {
      const again = await call(
        `/v1/datanets/${DATANET}/settlements/${encodeURIComponent(epoch.replace('@UTC', `@${zone}`))}/receipts/${address(1)}`,
      );
      expect(again.status, zone).toBe(200);
      expect(await again.json()).toEqual(JSON.parse(JSON.stringify(receipt)));
    }
    const noZone = await call(`/v1/datanets/${DATANET}/settlements/${encodeURIComponent(epoch.replace('@UTC', '@Mars/Olympus'))}`);
    expect(noZone.status).toBe(400);
    expect(((await noZone.json()) as { message: string }).message).toMatch(
      /params\/epoch: time zone "Mars\/Olympus" is not an IANA zone name/,
    );
  });

  it('disputes: anonymous callers get 401, a token cannot file, a reviewer cannot resolve, a steward resolves once', async () => {
    const body = JSON.stringify({ contribution: 'c1-1', reason: 'incorrect', evidence: 'the answer is wrong about dosing' });
    expect((await call(`/v1/datanets/${DATANET}/disputes`, { method: 'POST', body })).status).toBe(401);
    expect((await call(`/v1/datanets/${DATANET}/disputes`, { method: 'POST', body }, steward)).status).toBe(403);
    expect((await call(`/v1/datanets/${DATANET}/disputes`)).status).toBe(401);
    const open = (await (await call(`/v1/datanets/${DATANET}/disputes?status=open`, {}, reviewer)).json()) as any;
    expect(open.disputes.map((d: { id: string }) => d.id)).toEqual([disputeId]);
    const decision = JSON.stringify({ decision: 'upheld', note: 'consent withdrawn in writing' });
    const path = `/v1/datanets/${DATANET}/disputes/${disputeId}/resolution`;
    expect((await call(path, { method: 'POST', body: decision })).status).toBe(401);
    expect((await call(path, { method: 'POST', body: decision }, reviewer)).status).toBe(403);
    expect((await call(path, { method: 'POST', body: JSON.stringify({ decision: 'maybe' }) }, steward)).status).toBe(400);
    const first = await call(path, { method: 'POST', body: decision }, steward);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      resolved: true,
      dispute: { status: 'upheld', resolvedVia: 'steward' },
      revocation: { contribution: 'c2-1' },
    });
    const again = await (await call(path, { method: 'POST', body: JSON.stringify({ decision: 'dismissed' }) }, steward)).json();
    expect(again).toMatchObject({ resolved: false, dispute: { status: 'upheld' } });
    expect(
      (await call(`/v1/datanets/${DATANET}/disputes/dsp_${'0'.repeat(24)}/resolution`, { method: 'POST', body: decision }, steward)).status,
    ).toBe(404);
  });

  /** Signs in with SIWE; returns the cookie and CSRF headers a browser would send. */
  async function signIn(wallet: Wallet): Promise<Record<string, string>> {
    const n = (await (await call('/auth/siwe/nonce')).json()) as any;
    const message = new SiweMessage({
      domain: n.domain,
      address: wallet.address,
      statement: 'Sign in to the Datanet service',
      uri: n.uri,
      version: '1',
      chainId: n.chainId,
      nonce: n.nonce,
      issuedAt: new Date().toISOString(),
      expirationTime: new Date(Date.now() + 600_000).toISOString(),
    }).prepareMessage();
    const res = await call('/auth/siwe/verify', {
      method: 'POST',
      body: JSON.stringify({ message, signature: await wallet.signMessage(message) }),
    });
    expect(res.status).toBe(200);
    const csrf = ((await res.json()) as any).csrfToken as string;
    const session = res.headers
      .getSetCookie()
      .find((c) => c.startsWith('datanet_session='))!
      .split(';')[0];
    return { cookie: `${session}; datanet_csrf=${csrf}`, 'x-csrf-token': csrf, origin: url, 'content-type': 'application/json' };
  }

  it('a signed-in steward files a dispute (once); a plain contributor may not under this policy; weak evidence is a 400', async () => {
    const body = (contribution: string, evidence = 'the record repeats a copyrighted leaflet word for word') =>
      JSON.stringify({ contribution, reason: 'licence', evidence });
    const s = await signIn(stewardWallet);
    const first = await fetch(`${url}/v1/datanets/${DATANET}/disputes`, { method: 'POST', headers: s, body: body('c3-0') });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({
      created: true,
      queued: false,
      dispute: { filer: stewardWallet.address.toLowerCase(), filerRole: 'steward', status: 'open' },
    });
    const again = await fetch(`${url}/v1/datanets/${DATANET}/disputes`, { method: 'POST', headers: s, body: body('c3-0') });
    expect(again.status).toBe(200);
    expect(((await again.json()) as any).created).toBe(false);
    expect((await fetch(`${url}/v1/datanets/${DATANET}/disputes`, { method: 'POST', headers: s, body: body('c3-1', 'bad') })).status).toBe(
      400,
    );
    expect(
      (await fetch(`${url}/v1/datanets/${DATANET}/disputes`, { method: 'POST', headers: s, body: body('no-such-contribution') })).status,
    ).toBe(404);
    const c = await signIn(contributorWallet);
    const refused = await fetch(`${url}/v1/datanets/${DATANET}/disputes`, { method: 'POST', headers: c, body: body('c3-1') });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as any).message).toMatch(/only steward, reviewer may open disputes/);
  });

  it('the audit log is public and verifies', async () => {
    const log = (await (await call(`/v1/datanets/${DATANET}/audit`)).json()) as any;
    const kinds = log.entries.map((e: { kind: string }) => e.kind);
    expect(kinds.filter((k: string) => k !== 'role.changed')).toEqual([
      'settlement.proposed',
      'settlement.finalised',
      'dispute.opened',
      'dispute.upheld',
      'contribution.revoked',
      'standing.changed',
      'dispute.opened',
    ]);
    // The public log commits to each dispute's evidence by hash; the text itself is for signed-in members.
    const opened = log.entries.filter((e: { kind: string }) => e.kind === 'dispute.opened');
    expect(JSON.stringify(log.entries)).not.toContain('copyrighted leaflet');
    expect(JSON.stringify(log.entries)).not.toContain('withdrew consent');
    for (const e of opened) expect(e.payload.evidenceSha256).toMatch(/^[0-9a-f]{64}$/);
    const leaflet = createHash('sha256').update('the record repeats a copyrighted leaflet word for word').digest('hex');
    expect(opened.map((e: { payload: { evidenceSha256: string } }) => e.payload.evidenceSha256)).toContain(leaflet);
    // The steward role the Datanet's YAML grants is in the log once, however often the log caught up.
    const roles = log.entries.filter((e: { kind: string }) => e.kind === 'role.changed');
    expect(roles.map((e: { payload: unknown }) => e.payload)).toEqual([
      // by: who granted it; a role the YAML grants was granted by no one over the API.
      { principal: stewardWallet.address.toLowerCase(), role: 'steward', change: 'granted', source: 'datanet-yaml', by: null },
    ]);
    const v = await (await call(`/v1/datanets/${DATANET}/audit/verify`)).json();
    expect(v).toMatchObject({ ok: true, entries: 8, firstBad: null });
  });
});
