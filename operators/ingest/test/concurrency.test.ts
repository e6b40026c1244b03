import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, TEST_DATABASE_URL, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { MIB, openRegistry, usage } from '@datanet/datanet';
import { submitFiles } from '../src/index.js';
import { MEDICAL_QA_YAML, medicalQa, tempDir, wallet } from './fixtures.js';

const run = promisify(execFile);
const def = medicalQa();
const DAY = Date.UTC(2026, 10, 24, 9);
const CHILDREN = 4;
const SUBMISSIONS_PER_CHILD = 2;
const FILES_PER_SUBMISSION = 10;
const FILE_BYTES = 512 * 1024;

describe('daily cap under concurrent intake processes (PostgreSQL)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('postgres');
    await openRegistry(t.db, 'postgres');
  }, 30_000);
  afterAll(async () => t?.close());

  it(`${CHILDREN} processes submitting ${(CHILDREN * SUBMISSIONS_PER_CHILD * FILES_PER_SUBMISSION * FILE_BYTES) / MIB} MiB for one contributor admit exactly 10 MiB`, async () => {
    const signer = wallet('concurrent-contributor');
    const inboxes: string[] = [];
    for (let c = 0; c < CHILDREN; c++) {
      const inbox = await tempDir(`concurrent-${c}-`);
      inboxes.push(inbox);
      for (let s = 0; s < SUBMISSIONS_PER_CHILD; s++) {
        const files = Array.from({ length: FILES_PER_SUBMISSION }, (_, f) => {
          const head = `child ${c} submission ${s} file ${f} `;
          return { name: `c${c}-s${s}-f${f}.txt`, bytes: new TextEncoder().encode(head + 'x'.repeat(FILE_BYTES - head.length)) };
        });
        await submitFiles({
          definition: def,
          inbox,
          signer,
          files,
          licence: 'CC-BY-4.0',
          consent: ['training', 'attribution'],
          timestamp: DAY + s,
        });
      }
    }
    const sync = await tempDir('concurrent-sync-');
    const script = join(REPO_ROOT, 'operators/ingest/test/helpers/concurrent-intake.ts');
    const children = Promise.all(
      inboxes.map((inbox) =>
        run(
          process.execPath,
          [join(REPO_ROOT, 'pipelines/bin/run-ts.mjs'), script, TEST_DATABASE_URL, t.schema!, MEDICAL_QA_YAML, inbox, sync, String(DAY)],
          {
            cwd: REPO_ROOT,
            timeout: 90_000,
          },
        ),
      ),
    );
    const deadline = Date.now() + 60_000;
    while (readdirSync(sync).length < CHILDREN && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(sync, 'go'), '');
    const outputs = await children;
    const results = outputs.map((o) => JSON.parse(o.stdout) as { accepted: number; rejected: string[] });
    const acceptedFiles = results.reduce((n, r) => n + r.accepted, 0);
    const rejected = results.flatMap((r) => r.rejected);
    const capFiles = (10 * MIB) / FILE_BYTES;
    expect(acceptedFiles).toBe(capFiles);
    expect(rejected).toHaveLength(CHILDREN * SUBMISSIONS_PER_CHILD * FILES_PER_SUBMISSION - capFiles);
    expect(new Set(rejected)).toEqual(new Set(['daily_bytes_limit']));
    // More than one process got files in: the cap was shared, not won by whoever started first.
    expect(results.filter((r) => r.accepted > 0).length).toBeGreaterThan(1);
    expect(await usage(t.db, def.id, signer.address, '2026-11-24')).toEqual({ bytes: 10 * MIB, files: capFiles });
    const stored = await t.db
      .selectFrom('submission_files')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', '=', 'accepted')
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(capFiles);
  }, 120_000);
});
