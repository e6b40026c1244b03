import { DB_ENGINES, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listDatasetVersions,
  parseVersionRef,
  recordDatasetVersion,
  resolveDatasetVersion,
  setVersionCroissant,
  type NewDatasetVersion,
} from '../src/registry/dataset-versions.js';

const v = (datanet: string, root: string, manifestDigest = 'sha256:m-' + root): NewDatasetVersion => ({
  datanet,
  kind: 'qa',
  merkleRoot: root,
  leafEncoding: 'bytes32,address',
  manifestDigest,
  rowCount: 10,
  contributionCount: 10,
  datasetDigest: 'sha256:d-' + root,
  datasetPath: '/state/artifacts/' + root,
  manifestPath: '/state/artifacts/m' + root,
  createdRun: 'run-1',
});

describe.each(DB_ENGINES)('dataset version registry on %s', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
  });
  afterAll(() => t.close());

  it('numbers versions per Datanet, records the parent, and reuses an identical build', async () => {
    const a = await recordDatasetVersion(t.db, v('medical-qa', '0xaa'));
    const b = await recordDatasetVersion(t.db, v('medical-qa', '0xbb'));
    const again = await recordDatasetVersion(t.db, v('medical-qa', '0xaa'));
    const other = await recordDatasetVersion(t.db, v('law-qa', '0xaa'));
    expect([a.version.version, a.version.parentVersion, a.reused]).toEqual([1, null, false]);
    expect([b.version.version, b.version.parentVersion]).toEqual([2, 1]);
    expect([again.version.version, again.reused]).toEqual([1, true]);
    expect([other.version.version, other.version.parentVersion]).toEqual([1, null]);
    expect(typeof b.version.rowCount).toBe('number');
    const resplit = await recordDatasetVersion(t.db, v('medical-qa', '0xaa', 'sha256:other-split'));
    expect([resplit.version.version, resplit.version.parentVersion]).toEqual([3, 2]);
  });

  it('gives distinct consecutive numbers under concurrent builds', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => recordDatasetVersion(t.db, v('race', '0x' + i))));
    expect(results.map((r) => r.version.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const all = await listDatasetVersions(t.db, 'race');
    for (const x of all.slice(1)) expect(x.parentVersion).toBe(x.version - 1);
  });

  it('resolves name@N and name@latest, and explains a miss', async () => {
    await setVersionCroissant(t.db, 'medical-qa', 2, { digest: 'sha256:c', path: '/c.json' });
    const two = await resolveDatasetVersion(t.db, 'medical-qa@2');
    expect(two.merkleRoot).toBe('0xbb');
    expect(two.croissantPath).toBe('/c.json');
    expect((await resolveDatasetVersion(t.db, 'medical-qa')).version).toBe(3);
    expect((await resolveDatasetVersion(t.db, 'medical-qa@latest')).version).toBe(3);
    await expect(resolveDatasetVersion(t.db, 'medical-qa@9')).rejects.toThrow(/has versions 1, 2, 3/);
    await expect(resolveDatasetVersion(t.db, 'nope@1')).rejects.toThrow(/known datanets: .*medical-qa/);
    expect(() => parseVersionRef('medical qa@x')).toThrow(/DATANET@VERSION/);
  });
});
