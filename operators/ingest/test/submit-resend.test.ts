import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type ServeProcess, type TestDb } from '@datanet/pipelines/testing';
import { minimalDatanet, serveOnSchema } from './helpers/serve-datanet.js';
import { qaJsonl, wallet } from './fixtures.js';

// `datanet submit --server` (the real CLI, in its own process) to a real `datanet serve` on a fresh
// PostgreSQL schema, through a TCP relay that cuts the connection of the first upload as soon as the
// server starts answering it: the server has stored the submission and the CLI never hears so. The
// CLI sends the same signed submission again and gets the first receipt: one submission, one
// entry in the inbox, one charge against the daily quota.
const root = mkdtempSync(join(tmpdir(), 'datanet-submit-resend-'));
const stateDir = join(root, 'state');
const DATANET = 'resend-net';
const signer = wallet('submit-resend');

/** Relays TCP to `port`; the first response to a POST of a submission is cut (both sockets destroyed). */
function cuttingRelay(port: number): Promise<{ server: Server; port: number; cut: () => number }> {
  let cut = 0;
  const server = createServer((client: Socket) => {
    const upstream = connect(port, '127.0.0.1');
    let posting = false;
    client.on('data', (chunk: Buffer) => {
      if (chunk.includes('POST /v1/datanets/')) posting = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (posting && cut === 0) {
        cut++;
        client.destroy();
        upstream.destroy();
        return;
      }
      posting = false;
      client.write(chunk);
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.end());
    upstream.on('close', () => client.end());
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done({ server, port: (server.address() as { port: number }).port, cut: () => cut })),
  );
}

function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'pipelines/bin/datanet.mjs'), '--state-dir', join(root, 'cli-state'), ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => done({ code, out }));
  });
}

describe('datanet submit --server resends the same signed submission when the answer is lost', () => {
  let serve: ServeProcess | undefined;
  let relay: Awaited<ReturnType<typeof cuttingRelay>> | undefined;
  let t: TestDb;

  beforeAll(async () => {
    t = await minimalDatanet(root, DATANET);
    writeFileSync(join(root, 'key.hex'), `${signer.privateKey}\n`, { mode: 0o600 });
    writeFileSync(join(root, 'answers.txt'), qaJsonl(3, 'resend'));
    serve = await serveOnSchema(t, root, stateDir);
    relay = await cuttingRelay(Number(new URL(serve.url).port));
  }, 240_000);

  afterAll(async () => {
    relay?.server.close();
    await serve?.stop();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('gets the first receipt: one submission stored, charged once', async () => {
    const r = await cli(['submit', '--datanet', DATANET, '--key', 'key.hex', '--server', `http://127.0.0.1:${relay!.port}`, 'answers.txt']);
    expect(r.code, r.out).toBe(0);
    expect(relay!.cut(), r.out).toBe(1);
    const id = /submission ([0-9a-f]{64}): follow it/.exec(r.out)?.[1];
    expect(id, r.out).toBeDefined();
    const answers = await t.db.selectFrom('server_idempotency').select(['key']).where('kind', '=', 'submission').execute();
    expect(answers.map((a) => a.key)).toEqual([`submission:${id}`]);
    const reserved = await t.db.selectFrom('upload_reservations').select(['submission_id', 'bytes']).execute();
    expect(reserved.map((x) => x.submission_id)).toEqual([id]);
    const entries = readdirSync(join(stateDir, 'inbox', DATANET)).filter((n) => !n.startsWith('.'));
    expect(entries).toHaveLength(1);
    expect(entries[0].endsWith(id!.slice(0, 16))).toBe(true);
  });
});
