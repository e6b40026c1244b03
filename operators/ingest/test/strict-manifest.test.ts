import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { intakeLimits } from '@datanet/datanet';
import { ParserWorker, parseManifest, processInbox, signSubmission, unsafeNameReason, writeEntry } from '../src/index.js';
import { medicalQa, qaJsonl, tempDir, utf8, wallet } from './fixtures.js';
import { textBombDocx } from './helpers/hostile-files.js';

const def = medicalQa();
const TERMS = { licence: 'CC-BY-4.0', consent: ['training', 'attribution'] };
const LIMITS = { maxNestingDepth: 64 };
const sha = (b: Uint8Array) => `0x${createHash('sha256').update(b).digest('hex')}`;

describe('strict manifests', () => {
  const file = { name: 'a.txt', size: 3, sha256: `0x${'ab'.repeat(32)}`, ...TERMS };
  const manifest = { datanet: 'medical-qa', contributor: `0x${'11'.repeat(20)}`, nonce: '1', timestamp: 1, files: [file] };
  const bytes = (text: string) => utf8(text);

  it('refuses a key given twice, naming it and its line', () => {
    const text = `{\n  "format": "datanet-submission/1",\n  "manifest": ${JSON.stringify(manifest)},\n  "signature": "0x01",\n  "signature": "0x02"\n}`;
    const r = parseManifest(bytes(text), LIMITS);
    expect(r).toEqual({
      ok: false,
      reasonCode: 'manifest_invalid',
      message: 'submission.json: line 5: key "signature" appears twice in one object',
    });
  });

  it('refuses a duplicate key inside a file entry, and one spelled with an escape', () => {
    const inner = JSON.stringify({ format: 'datanet-submission/1', manifest }).replace('"licence":', '"licence":"MIT","licenc\\u0065":');
    const r = parseManifest(bytes(inner), LIMITS);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain('key "licence" appears twice');
  });

  it('refuses unknown fields at every level, naming them', () => {
    const top = parseManifest(bytes(JSON.stringify({ format: 'datanet-submission/1', manifest, extra: 1 })), LIMITS);
    expect(!top.ok && top.message).toBe('submission.json: document: Unrecognized key: "extra" ("extra")');
    const deep = parseManifest(
      bytes(JSON.stringify({ format: 'datanet-submission/1', manifest: { ...manifest, files: [{ ...file, path: '/etc/passwd' }] } })),
      LIMITS,
    );
    expect(!deep.ok && deep.message).toMatch(/^submission.json: manifest.files.0: Unrecognized key: "path"/);
  });

  it('refuses a nonce past uint256 as a manifest field, not as a bad signature, and says why a copied domain is refused', () => {
    const big = parseManifest(
      bytes(JSON.stringify({ format: 'datanet-submission/1', manifest: { ...manifest, nonce: (2n ** 256n).toString() } })),
      LIMITS,
    );
    expect(big).toEqual({
      ok: false,
      reasonCode: 'manifest_invalid',
      message: 'submission.json: manifest.nonce: nonce must be below 2^256 (it is signed as a uint256)',
    });
    const top = parseManifest(
      bytes(JSON.stringify({ format: 'datanet-submission/1', manifest: { ...manifest, nonce: (2n ** 256n - 1n).toString() } })),
      LIMITS,
    );
    expect(top.ok).toBe(true);
    // The whole EIP-712 domain, as GET .../signing-domain shows it, where only chainId and salt go.
    const domain = { name: 'datanet-submission', version: '2', chainId: 31337, salt: `0x${'ab'.repeat(32)}` };
    const copied = parseManifest(bytes(JSON.stringify({ format: 'datanet-submission/2', domain, manifest })), LIMITS);
    expect(!copied.ok && copied.message).toBe(
      'submission.json: domain: give only chainId and salt (the EIP-712 domain\'s name and version follow from "format": datanet-submission/2 is name "datanet-submission", version "2") ("name", "version")',
    );
  });

  it('refuses nesting past maxNestingDepth before it can cost anything', () => {
    const r = parseManifest(bytes(`${'['.repeat(100)}${']'.repeat(100)}`), LIMITS);
    expect(!r.ok && r.message).toBe('submission.json: line 1: nesting deeper than limit maxNestingDepth (64)');
  });

  it('accepts a well-formed manifest unchanged', () => {
    const r = parseManifest(bytes(JSON.stringify({ format: 'datanet-submission/1', manifest, signature: '0x01' })), LIMITS);
    expect(r).toEqual({ ok: true, signed: { format: 'datanet-submission/1', manifest, signature: '0x01' } });
  });
});

describe('file names', () => {
  it('refuses bidi controls and invisible characters', () => {
    expect(unsafeNameReason('invoice\u202Etxt.exe')).toMatch(/bidirectional control/);
    expect(unsafeNameReason('a\u2066b.txt')).toMatch(/bidirectional control/);
    expect(unsafeNameReason('a\u200Bb.txt')).toMatch(/invisible/);
    expect(unsafeNameReason('\uFEFFa.txt')).toMatch(/invisible/);
    expect(unsafeNameReason('a\u0085b.txt')).toMatch(/control characters/);
    expect(unsafeNameReason('caf\u00e9.txt')).toBeUndefined();
  });

  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
  }, 60_000);
  afterAll(async () => t?.close());

  it('at intake: NFC and NFD forms are one name, case-only differences collide, bidi and zero-width names are refused unread', async () => {
    const inbox = await tempDir();
    const signer = wallet('names');
    const files = [
      { name: 'caf\u00e9.jsonl', bytes: qaJsonl(1, 'nfc') },
      { name: 'cafe\u0301.jsonl', bytes: qaJsonl(1, 'nfd') },
      { name: 'Notes.txt', bytes: utf8('upper case notes') },
      { name: 'notes.txt', bytes: utf8('lower case notes') },
      { name: 'report\u202Etxt.md', bytes: utf8('bidi') },
      { name: 'zero\u200Bwidth.txt', bytes: utf8('zero width') },
    ];
    const signed = await signSubmission(signer, {
      datanet: def.id,
      contributor: signer.address,
      nonce: '5',
      timestamp: Date.now(),
      files: files.map((f) => ({ name: f.name, size: f.bytes.length, sha256: sha(f.bytes), ...TERMS })),
    });
    await writeEntry(inbox, 'names', signed, files);
    const r = await processInbox({ db: t.db, dialect: t.dialect, definition: def, inbox });
    expect(r.rejections.map((x) => `${x.file}:${x.reason_code}`)).toEqual([
      'café.jsonl:duplicate_file',
      'notes.txt:name_collision',
      '"report\\u202etxt.md":unsafe_name',
      '"zero\\u200bwidth.txt":unsafe_name',
    ]);
    expect(r.rejections[1].message).toBe('"notes.txt" and "Notes.txt" differ only by case or Unicode form; the first is kept');
    // The accepted name is stored in NFC.
    expect(r.accepted.map((a) => a.source_file)).toEqual(['caf\u00e9.jsonl', 'Notes.txt']);
  }, 60_000);
});

describe('the parser worker', () => {
  it('is stopped past its heap cap and past its time limit, with a reason, and the next file gets a fresh worker', async () => {
    const docx = textBombDocx(40); // 40 MiB of XML: under maxDecompressedBytes, far over a 32 MB heap once parsed
    const small = new ParserWorker({ ...intakeLimits(undefined), parseMemoryMb: 32, maxTextBytes: 1024 * 1024 * 1024 });
    try {
      const oom = await small.parse('docx', docx);
      expect(oom).toEqual({
        ok: false,
        reasonCode: 'parse_memory',
        message: 'parsing the .docx needed more than limit parseMemoryMb (32 MB); the parser was stopped',
      });
      const slow = new ParserWorker({
        ...intakeLimits(undefined),
        parseTimeoutMs: 100,
        parseMemoryMb: 2048,
        maxTextBytes: 1024 * 1024 * 1024,
      });
      try {
        const late = await slow.parse('docx', docx);
        expect(late).toEqual({
          ok: false,
          reasonCode: 'parse_timeout',
          message: 'parsing the .docx took longer than limit parseTimeoutMs (100 ms); the parser was stopped',
        });
        expect(slow.killed).toBe(1);
      } finally {
        await slow.close();
      }
      const { docxBytes } = await import('./fixtures.js');
      const after = await small.parse('docx', await docxBytes('Still working after a kill.'));
      expect(after).toMatchObject({ ok: true, text: expect.stringContaining('Still working after a kill.') });
    } finally {
      await small.close();
    }
  }, 120_000);
});
