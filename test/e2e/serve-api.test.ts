// `datanet serve` as people reach it: a real server process on 127.0.0.1, real HTTP, a temp state
// folder. Sign-in (SIWE), tokens and roles per Datanet, the runs API, and submissions over HTTP.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBMISSION_DOMAIN, SUBMISSION_TYPES, submissionDomain } from '@datanet/ingest';
import { ApiTokens, DEPLOYMENT_SCOPE } from '@datanet/pipelines/server';
import { openDatabase } from '../../pipelines/src/store/open-database.js';
import { datanet } from './cli.js';
import { startServe, type ServeProcess } from './serve-process.js';

/** A response's JSON, untyped: the tests check it field by field. */
const bodyOf = (r: Response): Promise<any> => r.json();

const steward = new Wallet(`0x${'11'.repeat(32)}`);
const contributor = new Wallet(`0x${'22'.repeat(32)}`);
const stranger = new Wallet(`0x${'33'.repeat(32)}`);
const viemKey = `0x${'44'.repeat(32)}` as const;
const viemAccount = privateKeyToAccount(viemKey);

let root: string;
let stateDir: string;
let server: ServeProcess;
let alphaToken: string;
let revokedToken: string;
const secrets: string[] = [];

function datanetYaml(id: string, extra: string): string {
  return `apiVersion: datanet/v1
kind: Datanet
id: ${id}
domain: testing
formats: [txt]
licences: [CC-BY-4.0]
consent: { required: [training] }
${extra}`;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'datanet-serve-'));
  stateDir = join(root, 'state');
  mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
  mkdirSync(join(root, 'configs', 'pipelines'), { recursive: true });
  writeFileSync(join(root, 'configs', 'datanets', 'alpha.yaml'), datanetYaml('alpha', `roles:\n  stewards: ["${steward.address}"]\n`));
  writeFileSync(
    join(root, 'configs', 'datanets', 'beta.yaml'),
    datanetYaml('beta', 'limits: { dailyBytesPerContributor: 200, filesPerSubmission: 20, resetTimezone: UTC }\n'),
  );
  writeFileSync(join(root, 'words.txt'), 'alpha beta\ngamma delta\nepsilon\n');
  writeFileSync(
    join(root, 'configs', 'pipelines', 'hello.yaml'),
    `apiVersion: datanet/v1\nkind: Pipeline\nmetadata: { name: hello }\nparameters:\n  datanet: alpha\nsteps:\n  read:\n    uses: table.read\n    with: { path: ${join(root, 'words.txt')}, format: text }\n`,
  );
  // Reads a file that appears only later: its first run fails, and a retry of the step succeeds.
  writeFileSync(
    join(root, 'configs', 'pipelines', 'late.yaml'),
    `apiVersion: datanet/v1\nkind: Pipeline\nmetadata: { name: late }\nparameters:\n  datanet: alpha\nsteps:\n  read:\n    uses: table.read\n    with: { path: ${join(root, 'late.txt')}, format: text }\n`,
  );
  writeFileSync(
    join(root, 'configs', 'pipelines', 'broken.yaml'),
    `apiVersion: datanet/v1\nkind: Pipeline\nmetadata: { name: broken }\nsteps:\n  read:\n    uses: table.nope\n`,
  );

  // Tokens are made with the CLI while no server holds the embedded store.
  const a = await datanet(stateDir, ['token', 'create', '--datanet', 'alpha', '--role', 'steward', '--name', 'ci'], {});
  alphaToken = a.token;
  // The revoked one through the library (a CLI process per command costs seconds on a busy machine).
  const db = await openDatabase({ stateDir });
  try {
    const tokens = new ApiTokens(db.db);
    const d = await tokens.create({ name: 'gone', scope: DEPLOYMENT_SCOPE, role: 'owner' });
    revokedToken = d.token;
    expect(await tokens.revoke(d.info.id)).toBe(true);
  } finally {
    await db.close();
  }
  secrets.push(alphaToken, revokedToken);
  server = await startServe({ stateDir, cwd: root });
}, 300_000);

afterAll(async () => {
  await server?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

/** A run's detail in a few lines (its error, its steps' and attempts' errors, its error events): a failed assertion on its status says why. */
function runSummary(detail: any): string {
  if (!detail?.run) return `no run: ${JSON.stringify(detail)?.slice(0, 2000)}`;
  const pick = (o: any, keys: string[]) => Object.fromEntries(keys.filter((k) => o?.[k] != null).map((k) => [k, o[k]]));
  return JSON.stringify(
    {
      run: pick(detail.run, ['id', 'status', 'error']),
      steps: (detail.steps ?? []).map((s: any) => pick(s, ['stepId', 'partition', 'status', 'reason', 'error'])),
      attempts: (detail.attempts ?? []).map((a: any) => pick(a, ['stepId', 'attempt', 'status', 'error'])),
      errors: (detail.events ?? []).filter((e: any) => e.level === 'error' || /fail|error/i.test(e.type)),
    },
    null,
    1,
  ).slice(0, 6000);
}

async function siweMessage(wallet: Wallet, o: { domain?: string; chainId?: number; nonce?: string } = {}) {
  const n = await bodyOf(await get('/auth/siwe/nonce'));
  const message = new SiweMessage({
    domain: o.domain ?? n.domain,
    address: wallet.address,
    statement: 'Sign in to the Datanet service',
    uri: n.uri,
    version: '1',
    chainId: o.chainId ?? n.chainId,
    nonce: o.nonce ?? n.nonce,
    issuedAt: new Date().toISOString(),
    expirationTime: new Date(Date.now() + 600_000).toISOString(),
  }).prepareMessage();
  const signature = await wallet.signMessage(message);
  secrets.push(signature);
  return { message, signature };
}

async function signIn(wallet: Wallet) {
  const res = await post('/auth/siwe/verify', await siweMessage(wallet));
  expect(res.status).toBe(200);
  const body = await bodyOf(res);
  const cookies = res.headers.getSetCookie();
  const session = cookies.find((c) => c.startsWith('datanet_session='))!;
  expect(session).toMatch(/HttpOnly/i);
  expect(session).toMatch(/SameSite=Strict/i);
  const value = session.split(';')[0].split('=')[1];
  secrets.push(value, body.csrfToken);
  return { cookie: `datanet_session=${value}; datanet_csrf=${body.csrfToken}`, csrf: body.csrfToken as string };
}

describe('datanet serve: health, docs, metrics', () => {
  it('answers health, readiness, metrics and an OpenAPI 3.1 document', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect(await bodyOf(await get('/readyz'))).toEqual({ ok: true, store: 'pglite' });
    const doc = await bodyOf(await get('/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/datanets/{id}/submissions', '/api/runs', '/auth/siwe/verify', '/v1/contributors/{address}']),
    );
    expect(await (await get('/metrics')).text()).toContain('datanet_http_request_duration_seconds_bucket');
    expect((await get('/docs')).headers.get('content-type')).toContain('text/html');
  });

  it('bad input is a 4xx with its reason, never a 5xx', async () => {
    const res = await post('/auth/siwe/verify', { message: 5 });
    expect(res.status).toBe(400);
    expect((await bodyOf(res)).message).toContain('body/message');
    const broken = await fetch(`${server.url}/auth/siwe/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"message": ',
    });
    expect(broken.status).toBe(400);
    expect((await get('/nowhere')).status).toBe(404);
  });
});

describe('datanet serve: tokens and roles per Datanet', () => {
  it('refuses the unauthenticated and revoked tokens (401)', async () => {
    expect((await get('/api/runs')).status).toBe(401);
    expect((await get('/api/runs', bearer(revokedToken))).status).toBe(401);
    expect((await get('/api/runs', bearer('dnt_nope_nope'))).status).toBe(401);
  });

  it('a steward token of Datanet alpha works on alpha and gets 403 on beta and on the deployment', async () => {
    expect((await get('/api/runs?datanet=alpha', bearer(alphaToken))).status).toBe(200);
    const beta = await get('/api/runs?datanet=beta', bearer(alphaToken));
    expect(beta.status).toBe(403);
    expect((await bodyOf(beta)).message).toContain('needs role reviewer on beta');
    expect((await get('/api/runs', bearer(alphaToken))).status).toBe(403);
  });
});

describe('datanet serve: Sign-In with Ethereum', () => {
  it('signs in; the session carries the YAML-seeded role on alpha only', async () => {
    const s = await signIn(steward);
    const me = await bodyOf(await get('/auth/me', { cookie: s.cookie }));
    expect(me).toEqual({ kind: 'session', address: steward.address.toLowerCase() });
    expect((await get('/api/runs?datanet=alpha', { cookie: s.cookie })).status).toBe(200);
    expect((await get('/api/runs?datanet=beta', { cookie: s.cookie })).status).toBe(403);
    const other = await signIn(stranger);
    expect((await get('/api/runs?datanet=alpha', { cookie: other.cookie })).status).toBe(403);
  });

  it('refuses a replayed message, another domain and another chain', async () => {
    const signed = await siweMessage(contributor);
    expect((await post('/auth/siwe/verify', signed)).status).toBe(200);
    const replay = await post('/auth/siwe/verify', signed);
    expect(replay.status).toBe(401);
    expect((await bodyOf(replay)).error).toBe('nonce_used');
    const elsewhere = await post('/auth/siwe/verify', await siweMessage(contributor, { domain: 'evil.example' }));
    expect(elsewhere.status).toBe(401);
    expect((await bodyOf(elsewhere)).error).toBe('wrong_domain');
    const chain = await post('/auth/siwe/verify', await siweMessage(contributor, { chainId: 1 }));
    expect(chain.status).toBe(401);
    expect((await bodyOf(chain)).error).toBe('wrong_chain');
    const unknownNonce = await post('/auth/siwe/verify', await siweMessage(contributor, { nonce: 'madeUpNonce123' }));
    expect(unknownNonce.status).toBe(401);
  });

  it('a state change with the session cookie needs the CSRF header and our origin', async () => {
    const s = await signIn(steward);
    const body = { pipeline: 'hello', params: { datanet: 'alpha' } };
    const noCsrf = await post('/api/runs', body, { cookie: s.cookie });
    expect(noCsrf.status).toBe(403);
    expect((await bodyOf(noCsrf)).error).toBe('csrf');
    const foreign = await post('/api/runs', body, { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const ok = await post('/api/runs', body, { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: server.url });
    expect(ok.status).toBe(202);
  });
});

describe('datanet serve: runs API', () => {
  it('refuses an invalid pipeline with file:line:col, launches a valid one, streams its events', async () => {
    const bad = await post('/api/runs', { pipeline: 'broken', params: { datanet: 'alpha' } }, bearer(alphaToken));
    expect(bad.status).toBe(400);
    const refusal = await bodyOf(bad);
    expect(refusal.diagnostics.join('\n')).toMatch(/configs\/pipelines\/broken\.yaml:\d+:\d+: .*table\.nope/);
    expect((await post('/api/runs', { pipeline: '../../etc/passwd' }, bearer(alphaToken))).status).toBe(403);

    const launched = await post('/api/runs', { pipeline: 'hello', params: { datanet: 'alpha' } }, bearer(alphaToken));
    expect(launched.status).toBe(202);
    const { runId } = await bodyOf(launched);
    let detail: any;
    for (let i = 0; i < 600; i++) {
      detail = await bodyOf(await get(`/api/runs/${runId}`, bearer(alphaToken)));
      if (['succeeded', 'failed', 'cancelled'].includes(detail.run?.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(detail.run.status, runSummary(detail)).toBe('succeeded');
    expect(detail.run.datanet).toBe('alpha');
    expect(detail.steps.map((s: any) => s.stepId)).toEqual(['read']);
    expect(detail.attempts.length).toBeGreaterThan(0);
    const list = await bodyOf(await get('/api/runs?datanet=alpha&pipeline=hello&status=succeeded', bearer(alphaToken)));
    expect(list.runs.map((r: any) => r.id)).toContain(runId);

    const sse = await get(`/api/runs/${runId}/events`, bearer(alphaToken));
    expect(sse.headers.get('content-type')).toContain('text/event-stream');
    const text = await sse.text();
    expect(text).toMatch(/^id: \d+$/m);
    expect(text).toContain('event: end');
    expect(text).toContain('"status":"succeeded"');
  });

  it('retries a failed step of a run; a step that did not fail is refused', async () => {
    const waitEnd = async (runId: string) => {
      for (let i = 0; i < 600; i++) {
        const d = await bodyOf(await get(`/api/runs/${runId}`, bearer(alphaToken)));
        if (['succeeded', 'failed', 'cancelled'].includes(d.run?.status)) return d;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`run ${runId} did not end`);
    };
    const { runId } = await bodyOf(await post('/api/runs', { pipeline: 'late', params: { datanet: 'alpha' } }, bearer(alphaToken)));
    const first = await waitEnd(runId);
    expect(first.run.status, runSummary(first)).toBe('failed');
    expect((await post(`/api/runs/${runId}/steps/nope/retry`, {}, bearer(alphaToken))).status).toBe(404);
    writeFileSync(join(root, 'late.txt'), 'now it is here\n');
    const retried = await post(`/api/runs/${runId}/steps/read/retry`, {}, bearer(alphaToken));
    expect(retried.status).toBe(202);
    const after = await waitEnd(runId);
    expect(after.run.status, runSummary(after)).toBe('succeeded');
    const again = await post(`/api/runs/${runId}/steps/read/retry`, {}, bearer(alphaToken));
    expect(again.status).toBe(409);
    expect((await bodyOf(again)).error).toBe('step_not_failed');
  });
});

interface Upload {
  name: string;
  bytes: Uint8Array;
}

function manifestOf(
  address: string,
  datanetId: string,
  files: Upload[],
  nonce = BigInt(`0x${randomBytes(16).toString('hex')}`).toString(),
) {
  return {
    datanet: datanetId,
    contributor: address,
    nonce,
    timestamp: Date.now(),
    files: files.map((f) => ({
      name: f.name,
      size: f.bytes.length,
      sha256: `0x${createHash('sha256').update(f.bytes).digest('hex')}`,
      licence: 'CC-BY-4.0',
      consent: ['training'],
    })),
  };
}

/** The EIP-712 domain (version 2) this deployment publishes for a Datanet. */
const domains = new Map<string, { chainId: number; salt: string }>();
async function deploymentOf(datanetId: string) {
  if (!domains.has(datanetId)) {
    const d = await bodyOf(await get(`/v1/datanets/${datanetId}/signing-domain`));
    expect(d.domain).toMatchObject({ name: 'datanet-submission', version: '2' });
    domains.set(datanetId, { chainId: d.domain.chainId, salt: d.domain.salt });
  }
  return domains.get(datanetId)!;
}

async function signed(wallet: Wallet, datanetId: string, files: Upload[], nonce?: string) {
  const manifest = manifestOf(wallet.address, datanetId, files, nonce);
  const domain = await deploymentOf(datanetId);
  const signature = await wallet.signTypedData(submissionDomain(domain), SUBMISSION_TYPES, manifest);
  secrets.push(signature);
  return { format: 'datanet-submission/2', domain, manifest, signature };
}

function upload(datanetId: string, submission: unknown, files: Upload[]) {
  const form = new FormData();
  form.append('manifest', JSON.stringify(submission));
  for (const f of files) form.append('file', new Blob([f.bytes]), f.name);
  return fetch(`${server.url}/v1/datanets/${datanetId}/submissions`, { method: 'POST', body: form });
}

const text = (name: string, body: string): Upload => ({ name, bytes: new TextEncoder().encode(body) });
const inboxEntries = (id: string) => (existsSync(join(stateDir, 'inbox', id)) ? readdirSync(join(stateDir, 'inbox', id)) : []);

describe('datanet serve: submissions over HTTP', () => {
  it('accepts a signed submission (202) into the inbox, whole, and answers a resend with the first answer', async () => {
    const files = [
      text('notes.txt', 'A first contribution with enough words in it.\n'),
      text('more.txt', 'Another file of the same submission.\n'),
    ];
    const sub = await signed(contributor, 'alpha', files);
    const res = await upload('alpha', sub, files);
    expect(res.status).toBe(202);
    const receipt = await bodyOf(res);
    expect(receipt.submissionId).toMatch(/^[0-9a-f]{64}$/);
    expect(receipt.contributor).toBe(contributor.address);
    const again = await upload('alpha', sub, files);
    expect(again.status).toBe(202);
    expect(await bodyOf(again)).toEqual(receipt);
    const entries = inboxEntries('alpha').filter((e) => !e.startsWith('.'));
    expect(entries).toContain(receipt.entry);
    expect(readdirSync(join(stateDir, 'inbox', 'alpha', receipt.entry, 'files')).sort()).toEqual(['more.txt', 'notes.txt']);
    const status = await bodyOf(await get(`/v1/submissions/${receipt.submissionId}`));
    expect(status.status).toBe('received');
  });

  it('accepts a manifest signed by viem (an independent EIP-712 implementation)', async () => {
    const files = [text('viem.txt', 'Signed the way a browser wallet signs.\n')];
    const manifest = manifestOf(viemAccount.address, 'alpha', files);
    const deployment = await deploymentOf('alpha');
    const signature = await viemAccount.signTypedData({
      domain: { ...submissionDomain(deployment), salt: deployment.salt as `0x${string}` },
      types: SUBMISSION_TYPES,
      primaryType: 'Submission',
      message: {
        ...manifest,
        contributor: manifest.contributor as `0x${string}`,
        nonce: BigInt(manifest.nonce),
        timestamp: BigInt(manifest.timestamp),
        files: manifest.files.map((f) => ({ ...f, size: BigInt(f.size), sha256: f.sha256 as `0x${string}` })),
      },
    });
    secrets.push(signature);
    const res = await upload('alpha', { format: 'datanet-submission/2', domain: deployment, manifest, signature }, files);
    expect(res.status).toBe(202);
  });

  it('refuses a manifest signed for another deployment, or under the version-1 domain that names none', async () => {
    const files = [text('elsewhere.txt', 'Signed for a deployment that is not this one.\n')];
    const manifest = manifestOf(contributor.address, 'alpha', files);
    const here = await deploymentOf('alpha');
    const there = { chainId: here.chainId, salt: `0x${'ab'.repeat(32)}` };
    const foreign = await contributor.signTypedData(submissionDomain(there), SUBMISSION_TYPES, manifest);
    secrets.push(foreign);
    const r1 = await upload('alpha', { format: 'datanet-submission/2', domain: there, manifest, signature: foreign }, files);
    expect(r1.status).toBe(403);
    expect(await bodyOf(r1)).toMatchObject({ error: 'wrong_deployment' });
    // Claiming this deployment in the file does not help: the signature was made over the other domain.
    const r2 = await upload('alpha', { format: 'datanet-submission/2', domain: here, manifest, signature: foreign }, files);
    expect(r2.status).toBe(403);
    expect((await bodyOf(r2)).error).toBe('bad_signature');
    const otherChain = { chainId: here.chainId + 1, salt: here.salt };
    const sigChain = await contributor.signTypedData(submissionDomain(otherChain), SUBMISSION_TYPES, manifest);
    secrets.push(sigChain);
    const r3 = await upload('alpha', { format: 'datanet-submission/2', domain: otherChain, manifest, signature: sigChain }, files);
    expect(r3.status).toBe(403);
    expect((await bodyOf(r3)).message).toContain(`chain ${here.chainId + 1}`);
    const v1 = await contributor.signTypedData(SUBMISSION_DOMAIN, SUBMISSION_TYPES, manifest);
    secrets.push(v1);
    const r4 = await upload('alpha', { format: 'datanet-submission/1', manifest, signature: v1 }, files);
    expect(r4.status).toBe(403);
    expect((await bodyOf(r4)).error).toBe('unbound_domain');
  });

  it('refuses forged, tampered, replayed, ../ names, 21 files, over the daily limit, with reasons; nothing is stored', async () => {
    const before = inboxEntries('alpha').length;
    const files = [text('a.txt', 'Some text for the Datanet.\n')];

    const forgedManifest = manifestOf(contributor.address, 'alpha', files);
    const alphaDomain = await deploymentOf('alpha');
    const forged = {
      format: 'datanet-submission/2',
      domain: alphaDomain,
      manifest: forgedManifest,
      signature: await stranger.signTypedData(submissionDomain(alphaDomain), SUBMISSION_TYPES, forgedManifest),
    };
    const r1 = await upload('alpha', forged, files);
    expect(r1.status).toBe(403);
    expect((await bodyOf(r1)).error).toBe('bad_signature');

    const sub = await signed(contributor, 'alpha', files);
    const r2 = await upload('alpha', sub, [text('a.txt', 'Some text for the Datanet!\n')]);
    expect(r2.status).toBe(400);
    expect((await bodyOf(r2)).error).toBe('tampered');

    const first = await signed(contributor, 'alpha', [text('b.txt', 'First use of a nonce.\n')]);
    expect((await upload('alpha', first, [text('b.txt', 'First use of a nonce.\n')])).status).toBe(202);
    const replay = await signed(contributor, 'alpha', files, first.manifest.nonce);
    const r3 = await upload('alpha', replay, files);
    expect(r3.status).toBe(409);
    expect((await bodyOf(r3)).error).toBe('replayed');

    const dotdot = [text('../escape.txt', 'out of the inbox\n')];
    const r4 = await upload('alpha', await signed(contributor, 'alpha', dotdot), dotdot);
    expect(r4.status).toBe(400);
    expect((await bodyOf(r4)).error).toBe('unsafe_name');

    const backdated = manifestOf(contributor.address, 'alpha', files);
    backdated.timestamp = Date.now() - 3 * 86_400_000;
    const oldSig = await contributor.signTypedData(submissionDomain(alphaDomain), SUBMISSION_TYPES, backdated);
    secrets.push(oldSig);
    const r9 = await upload(
      'alpha',
      { format: 'datanet-submission/2', domain: alphaDomain, manifest: backdated, signature: oldSig },
      files,
    );
    expect(r9.status).toBe(400);
    expect((await bodyOf(r9)).error).toBe('stale_timestamp');

    const many = Array.from({ length: 21 }, (_, i) => text(`f${i}.txt`, `file ${i}\n`));
    const r5 = await upload('alpha', await signed(contributor, 'alpha', many), many);
    expect(r5.status).toBe(413);
    const tooMany = await bodyOf(r5);
    expect(tooMany.error).toBe('too_many_files');
    expect(tooMany.message).toContain('filesPerSubmission');

    const big = [text('big1.txt', 'x'.repeat(150)), text('big2.txt', 'y'.repeat(150))];
    const r6 = await upload('beta', await signed(contributor, 'beta', big), big);
    expect(r6.status).toBe(429);
    const limit = await bodyOf(r6);
    expect(limit).toMatchObject({ error: 'daily_limit', limit: 'dailyBytesPerContributor', cap: 200, used: 0, requested: 300 });
    expect(Date.parse(limit.resetsAt)).toBeGreaterThan(Date.now());
    expect(Number(r6.headers.get('retry-after'))).toBeGreaterThan(0);

    const r7 = await fetch(`${server.url}/v1/datanets/alpha/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(r7.status).toBe(415);
    const form = new FormData();
    form.append('manifest', '{not json');
    const r8 = await fetch(`${server.url}/v1/datanets/alpha/submissions`, { method: 'POST', body: form });
    expect(r8.status).toBe(400);
    expect((await bodyOf(r8)).error).toBe('manifest_invalid');
    expect((await upload('nope', sub, files)).status).toBe(404);

    // Only the one good submission above was added; no temporary folder was left behind.
    const after = inboxEntries('alpha');
    expect(after.length).toBe(before + 1);
    expect(after.filter((e) => e.startsWith('.tmp'))).toEqual([]);
    expect(inboxEntries('beta')).toEqual([]);
  });

  it('refuses bad UTF-8, wrong magic bytes and an empty file with 400 and the reason; a mixed submission keeps its good file', async () => {
    const before = inboxEntries('alpha').filter((e) => !e.startsWith('.')).length;
    const cases: [Upload, string][] = [
      [{ name: 'latin1.txt', bytes: new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a]) }, 'invalid_utf8'],
      [{ name: 'image.txt', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]) }, 'content_mismatch'],
      [{ name: 'empty.txt', bytes: new Uint8Array(0) }, 'empty_file'],
    ];
    for (const [file, reason] of cases) {
      const res = await upload('alpha', await signed(contributor, 'alpha', [file]), [file]);
      expect(res.status, file.name).toBe(400);
      const body = await bodyOf(res);
      expect(body.error).toBe(reason);
      expect(body.message).toContain(file.name);
    }
    expect(inboxEntries('alpha').filter((e) => !e.startsWith('.'))).toHaveLength(before);
    const mixed = [text('fine.txt', 'A good file beside a bad one.\n'), cases[0][0]];
    const res = await upload('alpha', await signed(contributor, 'alpha', mixed), mixed);
    expect(res.status).toBe(202);
    const receipt = await bodyOf(res);
    expect(receipt.rejectedFiles).toEqual([expect.objectContaining({ file: 'latin1.txt', reasonCode: 'invalid_utf8' })]);
    expect(readdirSync(join(stateDir, 'inbox', 'alpha', receipt.entry, 'files')).sort()).toEqual(['fine.txt', 'latin1.txt']);
  });

  it("serves the Datanets' rules and a contributor's quota", async () => {
    const list = await bodyOf(await get('/v1/datanets'));
    expect(list.datanets.map((d: any) => d.id)).toEqual(['alpha', 'beta']);
    const beta = await bodyOf(await get('/v1/datanets/beta'));
    expect(beta.limits.dailyBytesPerContributor).toBe(200);
    expect((await get('/v1/datanets/nope')).status).toBe(404);
    const me = await bodyOf(await get(`/v1/contributors/${contributor.address.toLowerCase()}?datanet=beta`));
    expect(me.address).toBe(contributor.address);
    expect(me.datanets[0].quota.bytesLeft).toBe(200);
    expect(Date.parse(me.datanets[0].quota.resetsAt)).toBeGreaterThan(Date.now());
    expect((await get('/v1/contributors/0x123')).status).toBe(400);
  });
});

describe('datanet serve: logs', () => {
  it('no secret (token, session cookie, CSRF token, signature) appears in the server output', async () => {
    const code = await server.stop();
    expect(code).toBe(0);
    const out = server.output();
    expect(out).toContain('request completed');
    for (const s of secrets) expect(out.includes(s), `a secret starting ${s.slice(0, 6)} is in the server log`).toBe(false);
  });
});
