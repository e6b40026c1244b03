import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServeProcess, TestDb } from '@datanet/pipelines/testing';
import { utf8, wallet } from './fixtures.js';
import { minimalDatanet, serveOnSchema, signedForm } from './helpers/serve-datanet.js';

// A real `datanet serve` on PostgreSQL with reservations going stale after 1.5 s
// (DATANET_UPLOAD_STALE_MS) instead of 10 minutes. An upload still streaming past that time was
// never refreshed: its reservation went stale and stopped counting, so a second upload took the
// room it held (202) and the two passed the daily cap together. The route now refreshes it while
// it streams.
const root = mkdtempSync(join(tmpdir(), 'datanet-long-upload-'));
const stateDir = join(root, 'state');
const DATANET = 'long-net';
const signer = wallet('long-upload');
const STALE_MS = 1500;

const text = (tag: string, n: number) => utf8(`${tag} `.padEnd(n - 1, 'x') + '\n');

describe('an upload streaming longer than the stale time (real `datanet serve`, PostgreSQL)', () => {
  let server: ServeProcess | undefined;
  let t: TestDb;
  let nonce = 1;

  beforeAll(async () => {
    t = await minimalDatanet(root, DATANET, '{ dailyBytesPerContributor: 1000, filesPerSubmission: 20, resetTimezone: UTC }');
    server = await serveOnSchema(t, root, stateDir, { DATANET_UPLOAD_STALE_MS: String(STALE_MS) });
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** The multipart body of a signed upload of `files`, and its content type. */
  async function body(files: Record<string, Uint8Array>) {
    const form = await signedForm(server!.url, DATANET, signer, String(nonce++), files);
    const res = new Response(form);
    return { type: res.headers.get('content-type')!, bytes: new Uint8Array(await res.arrayBuffer()) };
  }

  /** Sends the body, holding back its last `holdBack` bytes until `go` resolves. */
  async function send(b: { type: string; bytes: Uint8Array }, holdBack = 0, go: Promise<void> = Promise.resolve()) {
    const cut = b.bytes.length - holdBack;
    const stream = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(b.bytes.slice(0, cut));
        await go;
        c.enqueue(b.bytes.slice(cut));
        c.close();
      },
    });
    const res = await fetch(`${server!.url}/v1/datanets/${DATANET}/submissions`, {
      method: 'POST',
      headers: { 'content-type': b.type },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('keeps its room while it streams: another upload meanwhile is refused (429), and it completes (202)', async () => {
    const long = await body({ 'long.txt': text('long', 600) });
    let finish!: () => void;
    const go = new Promise<void>((r) => (finish = r));
    // The manifest and most of the file arrive; the last 100 bytes wait three stale times.
    const first = send(long, 100, go);
    const live = async () =>
      (await t.db.selectFrom('upload_reservations').select(['state', 'updated_at']).where('datanet', '=', DATANET).execute()).length;
    for (const end = Date.now() + 30_000; (await live()) === 0; await new Promise((r) => setTimeout(r, 50)))
      if (Date.now() > end) throw new Error('the long upload never reserved');
    await new Promise((r) => setTimeout(r, 3 * STALE_MS));

    // 600 bytes still in flight: 500 more would cross 1000.
    const second = await send(await body({ 'second.txt': text('second', 500) }));
    expect(second.status, JSON.stringify(second.body)).toBe(429);
    expect(second.body).toMatchObject({ error: 'daily_limit', limit: 'dailyBytesPerContributor', cap: 1000, used: 600, requested: 500 });

    finish();
    const done = await first;
    expect(done.status, JSON.stringify(done.body)).toBe(202);
    const rows = await t.db.selectFrom('upload_reservations').select(['state', 'bytes']).where('datanet', '=', DATANET).execute();
    expect(rows.map((r) => [r.state, Number(r.bytes)])).toEqual([['received', 600]]);
    // Received, it counts without refreshes: room for 400 more, not 401.
    await new Promise((r) => setTimeout(r, 2 * STALE_MS));
    expect((await send(await body({ 'over.txt': text('over', 401) }))).status).toBe(429);
    expect((await send(await body({ 'fits.txt': text('fits', 400) }))).status).toBe(202);
  }, 180_000);
});
