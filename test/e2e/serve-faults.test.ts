// `datanet serve` under concurrency and faults, as real processes over real HTTP: 200 uploads at
// once for one contributor from several client processes admit at most the daily 10 MiB, and a
// server killed with SIGKILL mid-upload loses no accepted submission, leaves no half entry and,
// restarted, answers retried uploads idempotently; with SIGTERM, the upload in flight finishes whole.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatanetClient } from '@datanet/client';
import { SUBMISSION_TYPES, submissionDomain } from '@datanet/ingest';
import { startServe, type ServeProcess } from './serve-process.js';

const MIB = 1024 * 1024;
const contributor = new Wallet(`0x${'5c'.repeat(32)}`);
let root: string;
let stateDir: string;
let server: ServeProcess | undefined;

interface Upload {
  name: string;
  bytes: Buffer;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'datanet-serve-faults-'));
  stateDir = join(root, 'state');
  mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
  // The default limits: 10 MiB per contributor per day, 20 files per submission.
  writeFileSync(
    join(root, 'configs', 'datanets', 'gamma.yaml'),
    'apiVersion: datanet/v1\nkind: Datanet\nid: gamma\ndomain: testing\nformats: [txt]\nlicences: [CC-BY-4.0]\nconsent: { required: [training] }\n',
  );
});
afterAll(async () => {
  if (server?.child.exitCode === null) server.child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const serve = () =>
  startServe({ stateDir, cwd: root, args: ['--no-scheduler', '--rate-limit', '1000000', '--submission-rate-limit', '1000000'] });

async function signedFor(url: string, files: Upload[]) {
  const api = createDatanetClient({ baseUrl: url });
  const { data } = await api.GET('/v1/datanets/{id}/signing-domain', { params: { path: { id: 'gamma' } } });
  const domain = { chainId: data!.domain.chainId, salt: data!.domain.salt };
  const manifest = {
    datanet: 'gamma',
    contributor: contributor.address,
    nonce: BigInt(`0x${randomBytes(16).toString('hex')}`).toString(),
    timestamp: Date.now(),
    files: files.map((f) => ({
      name: f.name,
      size: f.bytes.length,
      sha256: `0x${createHash('sha256').update(f.bytes).digest('hex')}`,
      licence: 'CC-BY-4.0',
      consent: ['training'],
    })),
  };
  const signature = await contributor.signTypedData(submissionDomain(domain), SUBMISSION_TYPES, manifest);
  return JSON.stringify({ format: 'datanet-submission/2', domain, manifest, signature });
}

function runClient(url: string, share: unknown[]): Promise<{ status: number; error: string | null; submissionId: string | null }[]> {
  const file = join(root, `share-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(share));
  return new Promise((done, fail) => {
    const child = spawn('node', [join(import.meta.dirname, 'clients', 'upload-burst.mjs'), url, file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`client exited ${code}: ${err}`))));
  });
}

const entries = () => {
  const dir = join(stateDir, 'inbox', 'gamma');
  return existsSync(dir) ? readdirSync(dir) : [];
};

describe('datanet serve: concurrency and faults', () => {
  it('200 concurrent uploads of one contributor from 4 client processes admit at most 10 MiB for the day', async () => {
    server = await serve();
    const size = 64 * 1024; // 160 of them fill 10 MiB exactly; 200 ask for 12.5 MiB
    const uploads: { datanet: string; manifest: string; files: { name: string; base64: string }[] }[] = [];
    for (let i = 0; i < 200; i++) {
      const f = { name: `part-${i}.txt`, bytes: Buffer.from(`${i} `.padEnd(size, 'x')) };
      uploads.push({
        datanet: 'gamma',
        manifest: await signedFor(server.url, [f]),
        files: [{ name: f.name, base64: f.bytes.toString('base64') }],
      });
    }
    const shares = [0, 1, 2, 3].map((k) => uploads.filter((_, i) => i % 4 === k));
    const results = (await Promise.all(shares.map((s) => runClient(server!.url, s)))).flat();
    const admitted = results.filter((r) => r.status === 202);
    const refused = results.filter((r) => r.status !== 202);
    expect(admitted.length * size).toBeLessThanOrEqual(10 * MIB);
    // The reservation is exact: every upload that fit was admitted, and only the over-cap ones refused.
    expect(admitted.length).toBe(160);
    expect(new Set(refused.map((r) => `${r.status} ${r.error}`))).toEqual(new Set(['429 daily_limit']));
    // Exactly the admitted ones are in the inbox, whole; nothing half-written is left.
    const inbox = entries();
    expect(inbox.filter((e) => !e.startsWith('.'))).toHaveLength(160);
    expect(inbox.filter((e) => e.startsWith('.tmp'))).toEqual([]);
    const api = createDatanetClient({ baseUrl: server.url });
    const me = await api.GET('/v1/contributors/{address}', {
      params: { path: { address: contributor.address }, query: { datanet: 'gamma' } },
    });
    expect(me.data!.datanets[0].quota).toMatchObject({ bytesUsed: 10 * MIB, bytesLeft: 0 });
  });

  it('SIGKILL mid-upload: no accepted submission lost, no half entry; restarted, retries are answered idempotently', async () => {
    // The first test filled this contributor's day: this one signs with another key.
    await server?.stop();
    server = await serve();
    const other = new Wallet(`0x${'6d'.repeat(32)}`);
    const sign = async (files: Upload[]) => {
      const json = JSON.parse(await signedFor(server!.url, files));
      json.manifest.contributor = other.address;
      json.signature = await other.signTypedData(submissionDomain(json.domain), SUBMISSION_TYPES, json.manifest);
      return JSON.stringify(json);
    };
    const done = { name: 'kept.txt', bytes: Buffer.from('accepted before the crash\n') };
    const doneManifest = await sign([done]);
    const earlier = new Set(entries());
    const first = await postUpload(server.url, doneManifest, [done]);
    expect(first.status).toBe(202);

    // Half of a 4 MiB file is sent; the server is killed while it streams.
    const big = { name: 'big.txt', bytes: Buffer.alloc(4 * MIB, 'b') };
    const bigManifest = await sign([big]);
    const before = new Set(entries());
    // The connection dies with the server: that failure is expected.
    const halfSent = sendHalf(server.url, bigManifest, big).catch(() => {});
    await waitFor(() => entries().some((e) => e.startsWith('.tmp-http-') && !before.has(e)), 30_000);
    server.child.kill('SIGKILL');
    await new Promise((r) => server!.child.once('exit', r));
    await halfSent;
    const fresh = () => entries().filter((e) => !e.startsWith('.') && !earlier.has(e));
    // The accepted one is there, whole; the killed upload left no entry (only its temporary folder).
    expect(fresh()).toEqual([JSON.parse(first.body).entry]);

    server = await serve();
    const again = await postUpload(server.url, doneManifest, [done]);
    expect(again.status).toBe(202);
    expect(JSON.parse(again.body)).toEqual(JSON.parse(first.body));
    const retried = await postUpload(server.url, bigManifest, [big]);
    expect(retried.status).toBe(202);
    const twice = await postUpload(server.url, bigManifest, [big]);
    expect(JSON.parse(twice.body)).toEqual(JSON.parse(retried.body));
    expect(fresh()).toHaveLength(2);
    expect(readdirSync(join(stateDir, 'inbox', 'gamma', JSON.parse(retried.body).entry, 'files'))).toEqual(['big.txt']);
    expect(await server.stop()).toBe(0);
  });

  it('SIGTERM mid-upload: the upload in flight finishes whole, then the server exits 0', async () => {
    server = await serve();
    const other = new Wallet(`0x${'7f'.repeat(32)}`);
    const file = { name: 'late.txt', bytes: Buffer.alloc(2 * MIB, 'l') };
    const json = JSON.parse(await signedFor(server.url, [file]));
    json.manifest.contributor = other.address;
    json.signature = await other.signTypedData(submissionDomain(json.domain), SUBMISSION_TYPES, json.manifest);
    const before = new Set(entries());
    const upload = startUpload(server.url, JSON.stringify(json), file);
    await waitFor(() => entries().some((e) => e.startsWith('.tmp-http-') && !before.has(e)), 30_000);
    const exited = new Promise<number | null>((r) => server!.child.once('exit', (code) => r(code)));
    server.child.kill('SIGTERM');
    // Finish the upload only once the server has started shutting down, so the test really has an upload in flight then.
    await waitFor(() => server!.output().includes('shutting down'), 60_000);
    upload.finish();
    const answer = await upload.answer;
    expect(answer.status).toBe(202);
    const entry = JSON.parse(answer.body).entry;
    expect(readdirSync(join(stateDir, 'inbox', 'gamma', entry, 'files'))).toEqual(['late.txt']);
    expect(await exited).toBe(0);
    expect(server.output()).toContain('shutting down');
  });
});

async function postUpload(url: string, manifest: string, files: Upload[]): Promise<{ status: number; body: string }> {
  const form = new FormData();
  form.append('manifest', manifest);
  for (const f of files) form.append('file', new Blob([f.bytes]), f.name);
  const res = await fetch(`${url}/v1/datanets/gamma/submissions`, { method: 'POST', body: form });
  return { status: res.status, body: await res.text() };
}

/** Sends the manifest and the first half of the file, then keeps the request open. */
function sendHalf(url: string, manifest: string, file: Upload): Promise<void> {
  return startUpload(url, manifest, file).answer.then(() => undefined);
}

/**
 * An upload sent in two halves: the manifest and half the file now, the rest when `finish()` is
 * called. `answer` resolves with the status and body (or rejects if the connection dies).
 */
function startUpload(url: string, manifest: string, file: Upload) {
  const boundary = `----datanet${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="manifest"\r\n\r\n${manifest}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const u = new URL(url);
  let finish = () => {};
  const answer = new Promise<{ status: number; body: string }>((done, fail) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: '/v1/datanets/gamma/submissions',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => done({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', fail);
    req.write(head);
    req.write(file.bytes.subarray(0, file.bytes.length / 2));
    finish = () => {
      req.write(file.bytes.subarray(file.bytes.length / 2));
      req.end(`\r\n--${boundary}--\r\n`);
    };
  });
  return { answer, finish: () => finish() };
}

async function waitFor(cond: () => boolean, ms: number) {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
