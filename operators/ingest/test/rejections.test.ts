import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DB_ENGINES, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { MIB, usage, dailyWindow, contributorStats } from '@datanet/datanet';
import { processInbox, signSubmission, submitFiles, writeEntry, SubmitError, type FileToSubmit } from '../src/index.js';
import { medicalQa, pngBytes, qaJsonl, tempDir, utf8, wallet } from './fixtures.js';

const def = medicalQa();
const TERMS = { licence: 'CC-BY-4.0', consent: ['training', 'attribution'] };
const DAY = Date.UTC(2026, 10, 24, 12);

describe.each(DB_ENGINES)('rejections on %s', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
  }, 30_000);
  afterAll(async () => t?.close());

  async function intake(inbox: string, now = DAY) {
    return processInbox({ db: t.db, dialect: t.dialect, definition: def, inbox, now: () => now, runId: 'run-test' });
  }
  async function submit(inbox: string, seed: string, files: FileToSubmit[], extra: { nonce?: string; timestamp?: number } = {}) {
    return submitFiles({ definition: def, inbox, signer: wallet(seed), files, ...TERMS, timestamp: DAY, ...extra });
  }
  const good = (tag: string): FileToSubmit => ({ name: `${tag}.jsonl`, bytes: qaJsonl(3, tag) });
  const codes = (r: Awaited<ReturnType<typeof intake>>) => r.rejections.map((x) => `${x.file}:${x.reason_code}`);

  it('rejects a forged signature (signed by another key) and an unsigned manifest as a whole', async () => {
    const inbox = await tempDir();
    const victim = wallet(`victim-${engine}`);
    const forger = wallet(`forger-${engine}`);
    const files = [{ name: 'a.jsonl', bytes: qaJsonl(2, `forged-${engine}`) }];
    const manifest = {
      datanet: def.id,
      contributor: victim.address,
      nonce: '1',
      timestamp: DAY,
      files: [
        {
          name: 'a.jsonl',
          size: files[0].bytes.length,
          sha256: `0x${(await import('node:crypto')).createHash('sha256').update(files[0].bytes).digest('hex')}`,
          ...TERMS,
        },
      ],
    };
    await writeEntry(inbox, '1-forged', await signSubmission(forger, manifest), files);
    await writeEntry(inbox, '2-unsigned', { format: 'datanet-submission/1', manifest }, files);
    const r = await intake(inbox);
    expect(r.accepted).toHaveLength(0);
    expect(r.rejections.map((x) => x.reason_code)).toEqual(['bad_signature', 'unsigned']);
    expect(r.rejections[0].message).toContain(`signed by ${forger.address}`);
    // Nobody became the victim's contributor: no files are counted against (or for) the victim.
    const stats = await contributorStats(t.db, def.id);
    expect(stats.find((s) => s.contributor === victim.address)).toBeUndefined();
  });

  it('rejects a replayed nonce and a copied submission, keeping the first', async () => {
    const inbox = await tempDir();
    const seed = `replay-${engine}`;
    const first = await submit(inbox, seed, [good(`r1-${engine}`)], { nonce: '42' });
    await submit(inbox, seed, [good(`r2-${engine}`)], { nonce: '42', timestamp: DAY + 1000 });
    await cp(first.dir, join(inbox, `zz-copy-of-${first.entry}`), { recursive: true });
    const r = await intake(inbox);
    expect(r.accepted.map((a) => a.submission_id)).toEqual([first.submissionId, first.submissionId, first.submissionId]);
    expect(r.rejections.map((x) => x.reason_code)).toEqual(['replayed', 'replayed']);
    expect(r.rejections[0].message).toMatch(/nonce 42 .* already used/);
    expect(r.rejections[1].message).toContain('already received as inbox entry');
  });

  it('rejects a tampered file (changed after signing) as a whole', async () => {
    const inbox = await tempDir();
    const s = await submit(inbox, `tamper-${engine}`, [good(`t1-${engine}`), good(`t2-${engine}`)]);
    const path = join(s.dir, 'files', `t2-${engine}.jsonl`);
    await writeFile(path, (await readFile(path, 'utf8')).replace('made-up', 'MADE-UP'));
    const r = await intake(inbox);
    expect(r.accepted).toHaveLength(0);
    expect(codes(r)).toEqual([':tampered']);
    expect(r.rejections[0].message).toContain(`t2-${engine}.jsonl`);
  });

  it('rejects one bad file per reason and still accepts the good file of the same submission', async () => {
    const inbox = await tempDir();
    const signer = wallet(`mixed-${engine}`);
    const { createHash } = await import('node:crypto');
    const entry = (name: string, bytes: Uint8Array, terms = TERMS) => ({
      name,
      size: bytes.length,
      sha256: `0x${createHash('sha256').update(bytes).digest('hex')}`,
      ...terms,
    });
    const goodBytes = qaJsonl(4, `mixed-${engine}`);
    const files: { name: string; bytes: Uint8Array }[] = [
      { name: 'good.jsonl', bytes: goodBytes },
      { name: '../escape.txt', bytes: utf8('outside the inbox') },
      { name: 'latin1.txt', bytes: new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a]) },
      { name: 'photo.txt', bytes: pngBytes() },
      { name: 'empty.txt', bytes: new Uint8Array(0) },
      { name: 'copy.jsonl', bytes: goodBytes },
      { name: 'noanswer.jsonl', bytes: utf8('{"question":"What is a missing answer?"}\n') },
      { name: 'script.exe', bytes: utf8('MZ') },
    ];
    const manifest = {
      datanet: def.id,
      contributor: signer.address,
      nonce: '7',
      timestamp: DAY,
      files: [
        ...files.map((f) => entry(f.name, f.bytes)),
        entry('closed.txt', utf8('all rights reserved text'), { licence: 'proprietary', consent: TERMS.consent }),
      ],
    };
    files.push({ name: 'closed.txt', bytes: utf8('all rights reserved text') });
    await writeEntry(inbox, '1-mixed', await signSubmission(signer, manifest), files);
    const r = await intake(inbox);
    expect(codes(r)).toEqual([
      '"../escape.txt":unsafe_name',
      'latin1.txt:invalid_utf8',
      'photo.txt:content_mismatch',
      'empty.txt:empty_file',
      'copy.jsonl:duplicate_file',
      'noanswer.jsonl:schema_mismatch',
      'script.exe:unsupported_format',
      'closed.txt:licence_not_accepted',
    ]);
    expect(r.rejections.find((x) => x.reason_code === 'content_mismatch')!.message).toContain('PNG image');
    expect(r.rejections.find((x) => x.reason_code === 'invalid_utf8')!.message).toContain('byte 3');
    expect(r.rejections.find((x) => x.reason_code === 'schema_mismatch')!.message).toContain('line 1: field "answer" is missing');
    expect(r.accepted.map((a) => `${a.source_file}#${a.record_index}`)).toEqual([
      'good.jsonl#0',
      'good.jsonl#1',
      'good.jsonl#2',
      'good.jsonl#3',
    ]);
    expect(r.submissions[0].status).toBe('partial');
    const mine = (await contributorStats(t.db, def.id)).find((s) => s.contributor === signer.address)!;
    expect(mine.submittedFiles).toBe(9);
    expect(mine.acceptedFiles).toBe(1);
    expect(mine.acceptanceRate).toBeCloseTo(1 / 9);
  });

  it('refuses a 21-file submission as a whole, before anything is stored', async () => {
    const inbox = await tempDir();
    const files = Array.from({ length: 21 }, (_, i) => good(`many-${engine}-${i}`));
    await expect(submit(inbox, `many-${engine}`, files)).rejects.toThrow(SubmitError);
    await expect(submit(inbox, `many-${engine}`, files)).rejects.toThrow(/filesPerSubmission: 21 files .* at most 20/);
    expect((await import('node:fs')).readdirSync(inbox)).toEqual([]);
    // A client that skips the check gets the same answer from intake, and nothing is counted.
    const signer = wallet(`many-${engine}`);
    const { createHash } = await import('node:crypto');
    const manifest = {
      datanet: def.id,
      contributor: signer.address,
      nonce: '9',
      timestamp: DAY,
      files: files.map((f) => ({
        name: f.name!,
        size: f.bytes!.length,
        sha256: `0x${createHash('sha256').update(f.bytes!).digest('hex')}`,
        ...TERMS,
      })),
    };
    await writeEntry(
      inbox,
      '1-many',
      await signSubmission(signer, manifest),
      files.map((f) => ({ name: f.name!, bytes: f.bytes! })),
    );
    const r = await intake(inbox);
    expect(codes(r)).toEqual([':too_many_files']);
    expect(r.accepted).toHaveLength(0);
    expect(await usage(t.db, def.id, signer.address, dailyWindow(DAY).day)).toEqual({ bytes: 0, files: 0 });
    expect((await contributorStats(t.db, def.id)).find((s) => s.contributor === signer.address)).toBeUndefined();
  });

  it('accepts exactly 10 MiB a day and rejects the file with the byte one past it, keeping the files before it', async () => {
    const inbox = await tempDir();
    const seed = `cap-${engine}`;
    const text = (n: number, c: string) => ({ name: `${c}-${n}.txt`, bytes: utf8(`${c}`.repeat(n)) });
    await submit(inbox, seed, [text(6 * MIB, 'a'), text(4 * MIB - 1, 'b')]);
    await submit(inbox, seed, [text(2, 'c'), text(1, 'd')], { timestamp: DAY + 1 });
    const r = await intake(inbox);
    expect(codes(r)).toEqual(['c-2.txt:daily_bytes_limit']);
    const message = r.rejections[0].message;
    expect(message).toContain('dailyBytesPerContributor (10485760 bytes)');
    expect(message).toContain('10485759 bytes already accepted on 2026-11-24');
    expect(message).toContain('resets at 2026-11-25T00:00:00.000Z');
    expect(r.accepted.map((a) => a.source_file)).toEqual(['a-6291456.txt', 'b-4194303.txt', 'd-1.txt']);
    expect(await usage(t.db, def.id, wallet(seed).address, '2026-11-24')).toEqual({ bytes: 10 * MIB, files: 3 });
    // A re-run counts nothing twice; the next day the quota is fresh.
    const again = await intake(inbox);
    expect(again.accepted.map((a) => a.id)).toEqual(r.accepted.map((a) => a.id));
    expect(await usage(t.db, def.id, wallet(seed).address, '2026-11-24')).toEqual({ bytes: 10 * MIB, files: 3 });
    const inbox2 = await tempDir();
    await submit(inbox2, seed, [text(2, 'c')], { timestamp: DAY + 86_400_000 });
    const next = await intake(inbox2, DAY + 86_400_000);
    expect(next.rejections).toEqual([]);
    expect(next.accepted.map((a) => a.source_file)).toEqual(['c-2.txt']);
  }, 60_000);
});
