import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDatasetFiles } from '../src/build/build-dataset.js';
import { checkCroissant } from '../src/croissant/check-croissant.js';
import { emitCroissant } from '../src/croissant/emit-croissant.js';
import { writeGeneratedContributions } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'croissant-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('emitCroissant', () => {
  it('writes metadata that passes the strict check, with digests, fields, RAI and provenance', async () => {
    const input = join(dir, 'in.parquet');
    await writeGeneratedContributions(input, 200);
    const { manifest } = await buildDatasetFiles({
      datanet: 'gen-qa',
      kind: 'qa',
      contributionsPath: input,
      outDir: dir,
      evalFraction: 0.2,
      salt: 's',
    });
    const info = { version: 2, parentVersion: 1, createdAt: Date.UTC(2026, 0, 2), manifestSha256: 'ab'.repeat(32) };
    const about = { license: 'https://creativecommons.org/licenses/by/4.0/' };
    const doc = emitCroissant(manifest, info, about);
    const check = checkCroissant(doc, { strict: true });
    expect(check.errors).toEqual([]);
    expect(check.version).toBe('1.1');
    const dist = doc.distribution as any[];
    expect(dist[0].sha256).toBe(manifest.files[0].sha256);
    expect((doc.recordSet as any[])[0].field.map((f: any) => f.source.extract.column)).toEqual([
      'prompt',
      'response',
      'contribution_id',
      'contributor',
      'split',
    ]);
    const derived = doc['prov:wasDerivedFrom'] as any[];
    expect(derived.length).toBe(201);
    expect(derived[0]['@id']).toContain(manifest.merkle.root);
    expect(doc.description).toContain('parent gen-qa@1');
    expect(JSON.stringify(emitCroissant(manifest, info, about))).toBe(JSON.stringify(doc));
    const few = emitCroissant(manifest, info, { ...about, provenanceLimit: 10 });
    expect((few['prov:wasDerivedFrom'] as any[]).length).toBe(1);
    // Breaking a reference is caught: the checker is not a rubber stamp for our own output.
    (doc.recordSet as any[])[0].field[0].source.fileObject['@id'] = 'nope';
    expect(checkCroissant(doc, { strict: true }).ok).toBe(false);
  });
});
