import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileExists, sha256File, sha256Hex, writeFileAtomic } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-conn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('file digests', () => {
  it('streams a multi-chunk file to the same sha256 as hashing it whole', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    data.write('datanet', 1000);
    const path = join(dir, 'big.bin');
    writeFileSync(path, data);
    const d = await sha256File(path);
    expect(d.bytes).toBe(data.length);
    expect(d.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(sha256Hex(data)).toBe(d.sha256);
  });

  it('writes atomically and leaves no temporary file', async () => {
    const path = join(dir, 'a.json');
    await writeFileAtomic(path, '{"a":1}');
    await writeFileAtomic(path, '{"a":2}');
    expect(readFileSync(path, 'utf8')).toBe('{"a":2}');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await fileExists(path)).toBe(true);
    expect(await fileExists(join(dir, 'missing'))).toBe(false);
  });
});
