import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, TEST_DATABASE_URL, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { openRegistry } from '@datanet/datanet';
import { signSubmission, submitFiles, type SubmissionOutcome } from '../src/index.js';
import { MEDICAL_QA_YAML, medicalQa, qaJsonl, tempDir, utf8, wallet } from './fixtures.js';
import { pageTreePdf, rowBombParquet, textBombDocx, zipBombDocx } from './helpers/hostile-files.js';

const run = promisify(execFile);
const exec = promisify(execFile);
const def = medicalQa();
const TERMS = { licence: 'CC-BY-4.0', consent: ['training', 'attribution'] };
const GIB = 1024 * 1024 * 1024;
const sha = (b: Uint8Array) => `0x${createHash('sha256').update(b).digest('hex')}`;

interface ChildReport {
  maxRssKb: number;
  parsersStarted: number;
  intakeMs: number;
  decidedNow: SubmissionOutcome[];
  submissions: SubmissionOutcome[];
  accepted: { contributor: string; submission_id: string; source_file: string }[];
  rejections: { submission_id: string; file: string; reason_code: string; message: string }[];
}

/** Hostile entries, each beside a good submission from an honest contributor, and the reason each must get. */
const CASES = [
  { tag: 'zip-bomb', reason: 'decompression_limit', message: /maxDecompressedBytes \(67108864 bytes\)/ },
  { tag: 'page-tree', reason: 'too_many_pages', message: /1000000 pages, over limit maxPages \(2000\)/ },
  { tag: 'row-bomb', reason: 'too_many_records', message: /300000 rows, over limit maxRecordsPerFile \(100000\)/ },
  { tag: 'text-bomb', reason: 'decompression_limit', message: /maxDecompressedBytes/ },
  { tag: 'sparse', reason: 'file_too_large', message: /3221225472 bytes; the largest accepted file is 10485760/ },
  { tag: 'fifo', reason: 'not_regular_file', message: /"pipe.txt" is a FIFO \(named pipe\); only regular files are read/ },
  { tag: 'symlink', reason: 'not_regular_file', message: /"leak.txt" is a symbolic link; only regular files are read/ },
  {
    tag: 'huge-manifest',
    reason: 'manifest_too_large',
    message: /submission.json is \d+ bytes, over limit maxManifestBytes \(1048576\); it was not read/,
  },
] as const;

describe('intake that no contributor can block (real hostile files, PostgreSQL, a spawned intake process)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('postgres');
    await openRegistry(t.db, 'postgres');
  }, 30_000);
  afterAll(async () => t?.close());

  /**
   * One intake run in its own process, under GNU time: its maximum resident set is the larger of
   * the intake process's and that of the largest parser child it reaped, so both are bounded.
   */
  async function intake(inbox: string): Promise<ChildReport & { treeMaxRssKb: number }> {
    const script = join(REPO_ROOT, 'operators/ingest/test/helpers/intake-child.ts');
    const timeFile = join(await tempDir('hostile-time-'), 'maxrss');
    const { stdout } = await run(
      '/usr/bin/time',
      [
        '-f',
        '%M',
        '-o',
        timeFile,
        process.execPath,
        join(REPO_ROOT, 'pipelines/bin/run-ts.mjs'),
        script,
        TEST_DATABASE_URL,
        t.schema!,
        MEDICAL_QA_YAML,
        inbox,
      ],
      {
        cwd: REPO_ROOT,
        timeout: 300_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { ...(JSON.parse(stdout) as ChildReport), treeMaxRssKb: Number((await readFile(timeFile, 'utf8')).trim().split('\n').pop()) };
  }

  /** Writes an entry by hand: a signed manifest over `files`, and whatever `place` puts in files/. */
  async function handMade(
    inbox: string,
    entry: string,
    tag: string,
    files: { name: string; size: number; sha256: string }[],
    place: (dir: string) => Promise<void>,
  ) {
    const signer = wallet(`attacker-${tag}`);
    const signed = await signSubmission(signer, {
      datanet: def.id,
      contributor: signer.address,
      nonce: '1',
      timestamp: Date.now(),
      files: files.map((f) => ({ ...f, ...TERMS })),
    });
    await mkdir(join(inbox, entry, 'files'), { recursive: true });
    await place(join(inbox, entry, 'files'));
    await writeFile(join(inbox, entry, 'submission.json'), JSON.stringify(signed));
  }

  it('rejects each hostile entry with a reason within the limits, accepts every good one, stays under 1 GB, and never reads a decided entry again', async () => {
    const stateDir = await tempDir('hostile-');
    const inbox = join(stateDir, 'inbox', def.id);
    await mkdir(inbox, { recursive: true });
    const secret = utf8('not for the inbox: the steward keeps this file outside it\n');
    await mkdir(join(stateDir, 'outside'));
    await writeFile(join(stateDir, 'outside', 'secret.txt'), secret);
    const attackers = new Map<string, string>();

    for (const [i, c] of CASES.entries()) {
      const entry = `${i}-a-${c.tag}`;
      attackers.set(c.tag, wallet(`attacker-${c.tag}`).address);
      const regular = async (name: string, bytes: Uint8Array) =>
        submitFiles({ definition: def, inbox, signer: wallet(`attacker-${c.tag}`), files: [{ name, bytes }], ...TERMS, entry });
      if (c.tag === 'zip-bomb') await regular('bomb.docx', zipBombDocx(340));
      else if (c.tag === 'page-tree') await regular('pages.pdf', pageTreePdf(1_000_000));
      else if (c.tag === 'row-bomb') await regular('rows.parquet', await rowBombParquet(300_000));
      else if (c.tag === 'text-bomb') await regular('text.docx', textBombDocx(200));
      else if (c.tag === 'sparse') {
        await handMade(inbox, entry, c.tag, [{ name: 'big.txt', size: 3 * GIB, sha256: `0x${'ab'.repeat(32)}` }], (dir) =>
          exec('truncate', ['-s', '3G', join(dir, 'big.txt')]).then(() => undefined),
        );
      } else if (c.tag === 'fifo') {
        await handMade(inbox, entry, c.tag, [{ name: 'pipe.txt', size: 100, sha256: `0x${'cd'.repeat(32)}` }], (dir) =>
          exec('mkfifo', [join(dir, 'pipe.txt')]).then(() => undefined),
        );
      } else if (c.tag === 'symlink') {
        // The link points out of the inbox, and the manifest has the target's true size and hash.
        await handMade(inbox, entry, c.tag, [{ name: 'leak.txt', size: secret.length, sha256: sha(secret) }], (dir) =>
          symlink(join(stateDir, 'outside', 'secret.txt'), join(dir, 'leak.txt')),
        );
      } else if (c.tag === 'huge-manifest') {
        const signer = wallet(`attacker-${c.tag}`);
        const files = Array.from({ length: 200_000 }, (_, k) => ({
          name: `f${k}.txt`,
          size: 10,
          sha256: `0x${'ef'.repeat(32)}`,
          ...TERMS,
        }));
        const manifest = {
          format: 'datanet-submission/1',
          manifest: { datanet: def.id, contributor: signer.address, nonce: '1', timestamp: Date.now(), files },
          signature: `0x${'00'.repeat(65)}`,
        };
        await mkdir(join(inbox, entry, 'files'), { recursive: true });
        await writeFile(join(inbox, entry, 'submission.json'), JSON.stringify(manifest));
      }
      await submitFiles({
        definition: def,
        inbox,
        signer: wallet(`honest-${c.tag}`),
        files: [{ name: 'qa.jsonl', bytes: qaJsonl(3, `honest-${c.tag}`) }],
        ...TERMS,
        entry: `${i}-b-${c.tag}`,
      });
    }
    expect((await lstat(join(inbox, '5-a-fifo', 'files', 'pipe.txt'))).isFIFO()).toBe(true);
    expect((await lstat(join(inbox, '4-a-sparse', 'files', 'big.txt'))).size).toBe(3 * GIB);

    const first = await intake(inbox);
    // Peak memory of the intake process, and of the largest parser child (each capped by parseMemoryMb).
    expect(first.maxRssKb).toBeLessThan(1024 * 1024);
    expect(first.treeMaxRssKb).toBeGreaterThan(0);
    expect(first.treeMaxRssKb).toBeLessThan(1024 * 1024);
    expect(first.decidedNow).toHaveLength(2 * CASES.length);
    for (const [i, c] of CASES.entries()) {
      const bad = first.submissions.find((s) => s.entry === `${i}-a-${c.tag}`)!;
      expect(bad.status, c.tag).toBe('rejected');
      const reasons = first.rejections.filter((r) => r.submission_id === bad.id);
      expect(
        reasons.map((r) => r.reason_code),
        c.tag,
      ).toEqual([c.reason]);
      expect(reasons[0].message, c.tag).toMatch(c.message);
      const good = first.submissions.find((s) => s.entry === `${i}-b-${c.tag}`)!;
      expect(good.status, c.tag).toBe('accepted');
      expect(first.accepted.filter((a) => a.submission_id === good.id)).toHaveLength(3);
    }
    expect(new Set(first.accepted.map((a) => a.contributor))).toEqual(new Set(CASES.map((c) => wallet(`honest-${c.tag}`).address)));
    // Nothing about the link's target leaks: neither its size nor its hash.
    const leak = first.rejections.find((r) => r.message.includes('leak.txt'))!;
    expect(leak.message).not.toContain(String(secret.length));
    expect(leak.message).not.toContain(sha(secret).slice(2, 12));

    // Every entry left the inbox: good ones to processed/, hostile ones to quarantine/ beside their decisions.
    expect(await readdir(inbox)).toEqual([]);
    const quarantine = join(stateDir, 'inbox', '.quarantine', def.id);
    const processed = join(stateDir, 'inbox', '.processed', def.id);
    const q = (await readdir(quarantine)).filter((n) => n !== '.decisions').sort();
    expect(q).toEqual(CASES.map((c, i) => `${i}-a-${c.tag}`).sort());
    expect(await readdir(join(quarantine, '.decisions'))).toHaveLength(CASES.length);
    expect((await readdir(processed)).filter((n) => n !== '.decisions').sort()).toEqual(CASES.map((c, i) => `${i}-b-${c.tag}`).sort());
    expect((await lstat(join(quarantine, '5-a-fifo', 'files', 'pipe.txt'))).isFIFO()).toBe(true);
    expect((await lstat(join(quarantine, '6-a-symlink', 'files', 'leak.txt'))).isSymbolicLink()).toBe(true);
    const receipts = async () =>
      Number(
        (
          await t.db
            .selectFrom('intake_receipts')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await receipts()).toBe(2 * CASES.length);
    const stamp = async () => Promise.all(q.map(async (n) => `${n}:${(await lstat(join(quarantine, n))).mtimeMs}`));
    const before = await stamp();

    // A second run decides nothing: it reads the stored decisions, not the entries.
    const second = await intake(inbox);
    expect(second.decidedNow).toEqual([]);
    expect(second.parsersStarted).toBe(0);
    expect(second.submissions.map((s) => s.entry)).toEqual(first.submissions.map((s) => s.entry));
    expect(second.rejections).toEqual(first.rejections);
    expect(second.accepted).toEqual(first.accepted);
    expect(await receipts()).toBe(2 * CASES.length);
    expect(await stamp()).toEqual(before);
    console.log(
      `hostile intake: first run ${Math.round(first.intakeMs)} ms, peak RSS ${Math.round(first.maxRssKb / 1024)} MiB (largest of it and its parser children ${Math.round(first.treeMaxRssKb / 1024)} MiB); second run ${Math.round(second.intakeMs)} ms`,
    );
  }, 600_000);
});
