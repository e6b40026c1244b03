import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { DB_ENGINES, openTestDb, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCroissant, datasetBuild, proveContribution, resolveDatasetVersion, type DatasetManifest } from '../src/index.js';
import { writeGeneratedContributions } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'dataset-op-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(DB_ENGINES)('dataset.build through the engine on %s', (engine) => {
  let t: TestDb;
  let stateDir: string;
  beforeAll(async () => {
    t = await openTestDb(engine);
    stateDir = mkdtempSync(join(dir, engine));
  });
  afterAll(() => t.close());

  it('records v1, reuses it for the same set in another order, and makes v2 with parent v1 for one more contribution', async () => {
    const a = join(dir, `${engine}-a.parquet`);
    const b = join(dir, `${engine}-b.parquet`);
    const c = join(dir, `${engine}-c.parquet`);
    await writeGeneratedContributions(a, 500, { order: 'asc' });
    await writeGeneratedContributions(b, 500, { order: 'desc' });
    await writeGeneratedContributions(c, 501, { order: 'shuffled' });
    const config = { datanet: 'medical-qa', evalFraction: 0.1 };
    const run = (input: string) =>
      runOperator(datasetBuild, { config, inputs: { contributions: input }, db: t.db, dialect: t.dialect, stateDir });
    const first = await run(a);
    const again = await run(b);
    const next = await run(c);

    const v1 = await resolveDatasetVersion(t.db, 'medical-qa@1');
    const v2 = await resolveDatasetVersion(t.db, 'medical-qa@2');
    expect(v1.rowCount).toBe(500);
    expect(v2.parentVersion).toBe(1);
    expect(v2.contributionCount).toBe(501);
    expect(await resolveDatasetVersion(t.db, 'medical-qa@latest')).toEqual(v2);
    expect(again.logs.some((l) => l.message === 'reused dataset medical-qa@1')).toBe(true);
    expect(again.outputs.manifest.ref.digest).toBe(first.outputs.manifest.ref.digest);
    expect(next.outputs.manifest.ref.digest).not.toBe(first.outputs.manifest.ref.digest);

    expect(v1.datasetPath).toBe(first.outputs.dataset.ref.path);
    expect(v1.datasetDigest).toBe(first.outputs.dataset.ref.digest);
    expect(v1.croissantPath).toBe(first.outputs.croissant.ref.path);
    expect(first.outputs.dataset.table?.numRows ?? 500).toBe(500);

    const manifest = JSON.parse(readFileSync(v2.manifestPath, 'utf8')) as DatasetManifest;
    expect(manifest.merkle.root).toBe(v2.merkleRoot);
    const proof = proveContribution(manifest, manifest.contributions[7][0]);
    expect(StandardMerkleTree.verify(v2.merkleRoot, proof.leafTypes, proof.leafValues, proof.proof)).toBe(true);

    const croissant = JSON.parse(readFileSync(v2.croissantPath!, 'utf8'));
    expect(checkCroissant(croissant, { strict: true }).errors).toEqual([]);
    expect(croissant.version).toBe('2.0.0');
    expect(croissant.distribution[1].sha256).toBe(next.outputs.manifest.ref.digest.replace('sha256:', ''));
  });
});
