import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, TEST_DATABASE_URL, type ServeProcess, type TestDb } from '@datanet/pipelines/testing';
import { utf8, wallet } from './fixtures.js';
import { minimalDatanet, serveOnSchema, signedForm } from './helpers/serve-datanet.js';

// A real `datanet serve` on a fresh PostgreSQL schema, with intake run as `datanet run` runs it (in
// its own process). An upload's reservation stopped counting when intake wrote the submission row,
// while its files were counted only as intake decided each: an upload sent while intake ran was
// admitted (202) and then refused by intake. Intake is held in that window by a real row lock on
// the registry row of the upload's second file, then killed there (a crash mid-intake), then run
// again: at every step the upload check counts the first upload's bytes exactly once.
const root = mkdtempSync(join(tmpdir(), 'datanet-upload-during-intake-'));
const stateDir = join(root, 'state');
const DATANET = 'window-net';
const signer = wallet('upload-during-intake');

/** Text of exactly `n` bytes, distinct per tag. */
const text = (tag: string, n: number) => utf8(`${tag} `.padEnd(n - 1, 'x') + '\n');

describe('an upload sent while intake decides another (real `datanet serve`, PostgreSQL)', () => {
  let server: ServeProcess | undefined;
  let t: TestDb;
  let nonce = 1000;

  beforeAll(async () => {
    t = await minimalDatanet(root, DATANET, '{ dailyBytesPerContributor: 1000, filesPerSubmission: 20, resetTimezone: UTC }');
    server = await serveOnSchema(t, root, stateDir);
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function upload(files: Record<string, Uint8Array>) {
    const form = await signedForm(server!.url, DATANET, signer, String(nonce++), files);
    const res = await fetch(`${server!.url}/v1/datanets/${DATANET}/submissions`, { method: 'POST', body: form });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  function intake(): { child: ChildProcess; done: Promise<number | null> } {
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'pipelines/bin/run-ts.mjs'),
        join(REPO_ROOT, 'operators/ingest/test/helpers/intake-child.ts'),
        TEST_DATABASE_URL,
        t.schema!,
        join(root, 'configs', 'datanets', `${DATANET}.yaml`),
        join(stateDir, 'inbox', DATANET),
      ],
      { cwd: REPO_ROOT, stdio: 'ignore' },
    );
    return { child, done: new Promise((done) => child.on('exit', (code) => done(code))) };
  }

  async function until(check: () => Promise<boolean>, what: string) {
    for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (await check()) return;
    throw new Error(`timed out waiting for ${what}`);
  }

  it('is refused at upload with the limit, the amount used and the reset, also across a crash of intake', async () => {
    const first = await upload({ 'a1.txt': text('first-a1', 300), 'a2.txt': text('first-a2', 300) });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const id = first.body.submissionId as string;

    // Hold intake on the second file: an uncommitted registry row with that key makes its insert wait.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const holds = new Promise<void>((r) => (holding = r));
    const holder = t.db
      .transaction()
      .execute(async (trx) => {
        await trx
          .insertInto('submission_files')
          .values({
            submission_id: id,
            name: 'a2.txt',
            datanet: DATANET,
            contributor: signer.address,
            size: 300,
            sha256: '0x',
            status: 'pending',
            decided_at: 0,
          })
          .execute();
        holding();
        await held;
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await holds;
    const run = intake();
    // Intake has written the submission and decided the first file; the second waits.
    await until(async () => {
      const row = await t.db
        .selectFrom('submission_files')
        .select('status')
        .where('submission_id', '=', id)
        .where('name', '=', 'a1.txt')
        .executeTakeFirst();
      return row?.status === 'accepted';
    }, 'intake to decide a1.txt');

    // 300 bytes accepted, 300 still in flight: 500 more would cross 1000.
    const second = await upload({ 'b.txt': text('second', 500) });
    expect(second.status, JSON.stringify(second.body)).toBe(429);
    expect(second.body).toMatchObject({ error: 'daily_limit', limit: 'dailyBytesPerContributor', cap: 1000, used: 600, requested: 500 });
    expect(second.body.message).toMatch(/600 bytes used on \d{4}-\d{2}-\d{2}.*resets at/);
    expect(typeof second.body.resetsAt).toBe('string');

    // The intake process dies mid-entry; its open transaction goes with it.
    run.child.kill('SIGKILL');
    await run.done;
    release();
    await holder;
    const afterCrash = await upload({ 'b.txt': text('second-again', 500) });
    expect(afterCrash.status, JSON.stringify(afterCrash.body)).toBe(429);
    expect(afterCrash.body).toMatchObject({ used: 600 });

    // Intake runs again: the second file is decided, nothing counted twice, nothing left reserved.
    expect(await intake().done).toBe(0);
    const usage = await t.db.selectFrom('daily_usage').select(['bytes', 'files']).where('datanet', '=', DATANET).execute();
    expect(usage.map((u) => [Number(u.bytes), Number(u.files)])).toEqual([[600, 2]]);
    const reservation = await t.db.selectFrom('upload_reservations').select('state').where('submission_id', '=', id).executeTakeFirst();
    expect(reservation?.state).toBe('decided');
    expect((await upload({ 'c.txt': text('third', 400) })).status).toBe(202);
    const over = await upload({ 'd.txt': text('fourth', 10) });
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ used: 1000, requested: 10 });
  }, 180_000);
});
