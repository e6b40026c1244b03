import { appendFileSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArtifactStore, ArtifactTamperedError } from '../src/artifact/artifact-store.js';
import { tableToParquet } from '../src/artifact/table-io.js';
import { exportArtifact, previewArtifact } from '../src/cli/inspect-artifact.js';
import type { ArtifactRef } from '../src/operator/operator-context.js';
import { tempDir } from './helpers.js';

let dir: string;
let store: ArtifactStore;
let ref: ArtifactRef;

async function putTable(rows: string[]): Promise<ArtifactRef> {
  const t = new Table({ id: vectorFromArray(rows, new Utf8()) });
  return store.putBytes('table', await tableToParquet(t), { rows: rows.length });
}

beforeAll(async () => {
  dir = tempDir();
  store = new ArtifactStore(join(dir, 'artifacts'));
  ref = await putTable(['a', 'b', 'c']);
});

describe('inspect --out writes that do not surprise', () => {
  it('exports to a new file as csv and parquet', async () => {
    expect(await exportArtifact(ref, join(dir, 'new.csv'), { store })).toBe(3);
    expect(readFileSync(join(dir, 'new.csv'), 'utf8').trim().split('\n')).toEqual(['id', 'a', 'b', 'c']);
    await exportArtifact(ref, join(dir, 'new.parquet'), { store });
    expect(readFileSync(join(dir, 'new.parquet')).equals(readFileSync(ref.path))).toBe(true);
  });

  it('refuses an existing file without --force and replaces it with --force', async () => {
    const target = join(dir, 'existing.csv');
    writeFileSync(target, 'keep me');
    await expect(exportArtifact(ref, target, { store })).rejects.toThrow(/existing\.csv exists; pass --force to replace it/);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    await exportArtifact(ref, target, { store, force: true });
    expect(readFileSync(target, 'utf8')).toContain('id');
  });

  it('never writes through a symbolic link, even with --force', async () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    const link = join(dir, 'link.csv');
    symlinkSync(victim, link);
    await expect(exportArtifact(ref, link, { store })).rejects.toThrow(/link\.csv is a symbolic link; refusing to write through it/);
    await expect(exportArtifact(ref, link, { store, force: true })).rejects.toThrow(/symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    const dangling = join(dir, 'dangling.csv');
    symlinkSync(join(dir, 'not-there.txt'), dangling);
    await expect(exportArtifact(ref, dangling, { store })).rejects.toThrow(/symbolic link/);
    expect(existsSync(join(dir, 'not-there.txt'))).toBe(false);
  });

  it('never writes into the artifact store, even over a stored artifact with --force', async () => {
    const other = await putTable(['x']);
    const before = readFileSync(other.path);
    await expect(exportArtifact(ref, other.path.replace(/\.parquet$/, '.csv'), { store })).rejects.toThrow(/is inside the artifact store/);
    await expect(exportArtifact(ref, other.path, { store, force: true })).rejects.toThrow(/is inside the artifact store/);
    expect(readFileSync(other.path).equals(before)).toBe(true);
  });
});

describe('reading an artifact verifies its digest', () => {
  it('detects a tampered artifact on preview, export and readBytes', async () => {
    const victim = await putTable(['tamper', 'me']);
    expect((await previewArtifact(victim, 5)).numRows).toBe(2);
    appendFileSync(victim.path, 'extra bytes');
    await expect(previewArtifact(victim, 5)).rejects.toThrow(ArtifactTamperedError);
    await expect(previewArtifact(victim, 5)).rejects.toThrow(/does not match its digest .* it was changed after it was written/);
    await expect(exportArtifact(victim, join(dir, 'tampered.csv'), { store })).rejects.toThrow(ArtifactTamperedError);
    expect(existsSync(join(dir, 'tampered.csv'))).toBe(false);
    await expect(store.readBytes(victim)).rejects.toThrow(ArtifactTamperedError);
  });
});
