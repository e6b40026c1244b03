import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServeProcess, TestDb } from '@datanet/pipelines/testing';
import { unsafeNameReason } from '../src/index.js';
import { utf8, wallet } from './fixtures.js';
import { minimalDatanet, serveOnSchema, signedForm } from './helpers/serve-datanet.js';

// A file name of 255 characters or fewer can still be longer than the 255 bytes a file system takes
// for one name (100 CJK characters are 300 bytes of UTF-8). Over a real `datanet serve` on a fresh
// PostgreSQL schema: the upload and the preflight refuse such a name as unsafe_name (a 4xx, or the
// file rejected in the report), where writing the file failed with ENAMETOOLONG and answered 500.
const root = mkdtempSync(join(tmpdir(), 'datanet-long-names-'));
const stateDir = join(root, 'state');
const DATANET = 'names-net';
const LONG = `${'日'.repeat(100)}.txt`;
const signer = wallet('long-names');

describe('file names longer than 255 bytes (real `datanet serve`)', () => {
  let server: ServeProcess | undefined;
  let t: TestDb;

  beforeAll(async () => {
    t = await minimalDatanet(root, DATANET);
    server = await serveOnSchema(t, root, stateDir);
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('names the byte length as the reason', () => {
    expect(LONG.length).toBeLessThan(255);
    expect(unsafeNameReason(LONG)).toMatch(/255 bytes/);
    expect(unsafeNameReason(`${'a'.repeat(251)}.txt`)).toBeUndefined();
  });

  it('an upload naming one is refused as unsafe_name, not answered 500', async () => {
    const bytes = utf8('A plain line of text for the long name test.\n');
    const form = await signedForm(server!.url, DATANET, signer, '12345', { [LONG]: bytes });
    const res = await fetch(`${server!.url}/v1/datanets/${DATANET}/submissions`, { method: 'POST', body: form });
    const body = (await res.json()) as { error: string; message: string };
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body.error).toBe('unsafe_name');
    expect(body.message).toMatch(/255 bytes/);
  });

  it('a preflight of one says unsafe_name for that file, not 500', async () => {
    const form = new FormData();
    form.append('file', new Blob([utf8('Another plain line of text.\n')]), LONG);
    const res = await fetch(`${server!.url}/v1/datanets/${DATANET}/preflight`, { method: 'POST', body: form });
    const body = (await res.json()) as { files: { name: string; decision: string; reasonCode: string | null }[] };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.files).toEqual([expect.objectContaining({ name: LONG, decision: 'rejected', reasonCode: 'unsafe_name' })]);
  });
});
