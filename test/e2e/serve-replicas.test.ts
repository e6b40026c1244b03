// Two `datanet serve` replicas on one PostgreSQL schema and one Redis behind a round-robin proxy:
// a session made on one is honoured by the other, a SIWE nonce is single-use across both, a
// resent submission gets the first answer from either, concurrent uploads share one daily cap,
// and the rate limit is one budget for the pair (counted in Redis, not per process).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatanetClient, siweMessage, signIn, submitFiles } from '@datanet/client';
import { SUBMISSION_TYPES, submissionDomain } from '@datanet/ingest';
import { startServe, type ServeProcess } from './serve-process.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RATE = 40;

let root: string;
let schemaUrl: string;
let proxy: Server;
let url: string;
const replicas: ServeProcess[] = [];
const hits = [0, 0];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'datanet-serve-replicas-'));
  mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
  writeFileSync(
    join(root, 'configs', 'datanets', 'delta.yaml'),
    'apiVersion: datanet/v1\nkind: Datanet\nid: delta\ndomain: testing\nformats: [txt]\nlicences: [CC-BY-4.0]\nconsent: { required: [training] }\n' +
      'limits: { dailyBytesPerContributor: 1000, filesPerSubmission: 20, resetTimezone: UTC }\n',
  );
  const schema = `serve_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  await c.query(`create schema ${schema}`);
  await c.end();
  const db = `${DATABASE_URL}${DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  schemaUrl = db;
  writeFileSync(
    join(root, 'distributed.yaml'),
    `apiVersion: datanet/v1\nkind: Profile\nmetadata: { name: replicas }\nexecutor: distributed\ndatabase: { url: ${JSON.stringify(db)} }\nredis: { url: ${JSON.stringify(REDIS_URL)} }\nartifacts: { path: ${JSON.stringify(join(root, 'artifacts'))} }\n`,
  );
  // The proxy listens first: its origin is the public URL both replicas sign people in for.
  const targets: string[] = [];
  let next = 0;
  proxy = createServer((req, res) => {
    const i = next++ % targets.length;
    hits[i]++;
    const t = new URL(targets[i]);
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const { DATABASE_URL: _d, REDIS_URL: _r, ...env } = process.env;
  for (let k = 0; k < 2; k++) {
    // One state folder (the inbox is shared, as a shared mount would be), one store, one Redis prefix.
    replicas.push(
      await startServe({
        stateDir: join(root, 'state'),
        cwd: root,
        args: ['--profile', join(root, 'distributed.yaml'), '--public-url', url, '--no-scheduler', '--rate-limit', String(RATE)],
        env: { ...(env as Record<string, string>), DATANET_QUEUE_PREFIX: `rep${schema}` },
      }),
    );
    targets.push(replicas[k].url);
  }
}, 300_000);

afterAll(async () => {
  for (const r of replicas) await r.stop();
  proxy?.close();
  rmSync(root, { recursive: true, force: true });
});

/** A manifest for one file to Datanet delta, signed by `wallet` for the deployment's domain. */
async function signedFile(api: ReturnType<typeof createDatanetClient>, wallet: Wallet, name: string, bytes: Uint8Array) {
  const { data } = await api.GET('/v1/datanets/{id}/signing-domain', { params: { path: { id: 'delta' } } });
  const domain = { chainId: data!.domain.chainId, salt: data!.domain.salt };
  const manifest = {
    datanet: 'delta',
    contributor: wallet.address,
    nonce: BigInt(`0x${randomBytes(16).toString('hex')}`).toString(),
    timestamp: Date.now(),
    files: [
      {
        name,
        size: bytes.length,
        sha256: `0x${createHash('sha256').update(bytes).digest('hex')}`,
        licence: 'CC-BY-4.0',
        consent: ['training'],
      },
    ],
  };
  const signature = await wallet.signTypedData(submissionDomain(domain), SUBMISSION_TYPES, manifest);
  return { signed: { format: 'datanet-submission/2', domain, manifest, signature }, files: [{ name, data: bytes }] };
}

describe('two replicas behind a round-robin proxy', () => {
  it('sessions: signed in through one replica, known to both; a SIWE message is refused the second time on either', async () => {
    const wallet = new Wallet(`0x${randomBytes(32).toString('hex')}`);
    const api = createDatanetClient({ baseUrl: url, cookieJar: true });
    await signIn(api, wallet);
    const seen = [hits[0], hits[1]];
    for (let i = 0; i < 4; i++) expect((await api.GET('/auth/me')).data).toMatchObject({ address: wallet.address.toLowerCase() });
    expect(hits[0] - seen[0]).toBe(2);
    expect(hits[1] - seen[1]).toBe(2);
    // A nonce issued by one replica, a message verified (and replayed) at either.
    const other = createDatanetClient({ baseUrl: url, cookieJar: true });
    const n = (await other.GET('/auth/siwe/nonce')).data!;
    const message = siweMessage({ domain: n.domain, uri: n.uri, chainId: n.chainId, nonce: n.nonce, address: wallet.address });
    const signature = await wallet.signMessage(message);
    expect((await other.POST('/auth/siwe/verify', { body: { message, signature } })).response.status).toBe(200);
    const replay = await other.POST('/auth/siwe/verify', { body: { message, signature } });
    expect(replay.response.status).toBe(401);
    expect(replay.error).toMatchObject({ error: 'nonce_used' });
    // Logged out at one replica: the old session cookie is refused at both.
    const cookie = [...api.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    expect((await api.POST('/auth/logout')).response.status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await fetch(`${url}/auth/me`, { headers: { cookie } })).status).toBe(401);
  });

  it('submissions: a resend is answered by either replica with the first answer; concurrent uploads share the daily cap', async () => {
    const wallet = new Wallet(`0x${randomBytes(32).toString('hex')}`);
    const api = createDatanetClient({ baseUrl: url });
    const uploads = await Promise.all(
      Array.from({ length: 10 }, (_, i) => signedFile(api, wallet, `f${i}.txt`, new TextEncoder().encode(`${i} `.padEnd(300, 'z')))),
    );
    const results = await Promise.all(uploads.map((u) => submitFiles(api, 'delta', u.signed, u.files)));
    // 1000 bytes a day: three 300-byte files fit, whichever replica took them.
    expect(results.filter((r) => r.status === 202)).toHaveLength(3);
    expect(results.filter((r) => r.status === 429 && r.body.error === 'daily_limit')).toHaveLength(7);
    const first = uploads[results.findIndex((r) => r.status === 202)];
    const again = await Promise.all([
      submitFiles(api, 'delta', first.signed, first.files),
      submitFiles(api, 'delta', first.signed, first.files),
    ]);
    const original = results.find((r) => r.status === 202)!.body;
    for (const a of again) expect(a.body).toEqual(original);
  });

  it("status: a submission intake has begun deciding reads 'received' on both replicas until intake closes its receipt", async () => {
    // Intake writes the submission row when it starts deciding an entry and the accepted records at
    // the end; the store is put in that in-between state here, so the window is tested every run
    // rather than hit by chance on a loaded machine.
    const wallet = new Wallet(`0x${randomBytes(32).toString('hex')}`);
    const api = createDatanetClient({ baseUrl: url });
    const up = await signedFile(api, wallet, 'w.txt', new TextEncoder().encode('A record on its way through intake.\n'));
    const sent = await submitFiles(api, 'delta', up.signed, up.files);
    expect(sent.status).toBe(202);
    const { submissionId, entry } = sent.body as { submissionId: string; entry: string };
    const status = async () =>
      (await fetch(`${url}/v1/submissions/${submissionId}`)).json() as Promise<{ status: string; accepted: number }>;
    const c = new pg.Client({ connectionString: schemaUrl });
    await c.connect();
    try {
      const now = Date.now();
      await c.query(
        `insert into submissions (id, datanet, contributor, nonce, signed_at, received_at, inbox_entry, file_count)
         values ($1, 'delta', $2, $3, $4, $4, $5, 1)`,
        [submissionId, wallet.address.toLowerCase(), up.signed.manifest.nonce, now, entry],
      );
      // The upload took the entry's receipt (its place in arrival order); intake has not closed it.
      const open = await c.query(`select seq from intake_receipts where datanet = 'delta' and entry = $1 and decided_at is null`, [entry]);
      expect(open.rows).toHaveLength(1);
      // Each replica keeps a read for 1 s: wait that out, then read on both (the proxy alternates).
      await new Promise((r) => setTimeout(r, 1100));
      for (let i = 0; i < 2; i++) expect(await status()).toMatchObject({ status: 'received', accepted: 0 });
      await c.query(`update intake_receipts set decided_at = $2, outcome = 'decided' where datanet = 'delta' and entry = $1`, [
        entry,
        Date.now(),
      ]);
      await new Promise((r) => setTimeout(r, 1100));
      for (let i = 0; i < 2; i++) expect(await status()).toMatchObject({ status: 'decided' });
    } finally {
      await c.end();
    }
  });

  it('rate limits: one budget for both replicas (Redis), per caller', async () => {
    const codes: number[] = [];
    for (let i = 0; i < RATE + 10; i++) codes.push((await fetch(`${url}/v1/datanets`)).status);
    const ok = codes.filter((c) => c === 200).length;
    // Earlier tests spent some of this IP's budget in the same minute; never more than RATE in all.
    expect(ok).toBeLessThanOrEqual(RATE);
    expect(codes.slice(-10).every((c) => c === 429)).toBe(true);
    const refused = await (await fetch(`${url}/v1/datanets`)).json();
    expect(refused).toMatchObject({ error: 'rate_limited' });
  });
});
