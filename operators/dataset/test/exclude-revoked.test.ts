import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDuckDb } from '@datanet/connector-duckdb';
import { openTestDb, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { openRegistry, recordContributions, revokeContribution } from '@datanet/datanet';
import { datasetBuild } from '../src/index.js';
import { writeGeneratedContributions } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'dataset-revoked-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dataset.build leaves revoked contributions out of the next version (PGlite)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
    await openRegistry(t.db, 'pglite');
  });
  afterAll(() => t.close());

  it('records which were left out, why and by whom; the others are unchanged', async () => {
    const input = join(dir, 'in.parquet');
    await writeGeneratedContributions(input, 40);
    const rows = await withDuckDb((d) =>
      d.all<{ id: string; contributor: string }>(`SELECT id, contributor FROM read_parquet('${input}') ORDER BY id`),
    );
    await recordContributions(
      t.db,
      rows.map((r, i) => ({
        id: r.id,
        datanet: 'revoke-test',
        contributor: r.contributor,
        submissionId: 's',
        sourceFile: 'f',
        recordIndex: i,
        licence: 'CC-BY-4.0',
        consent: 'train',
        submittedAt: 1,
        validatorVersion: 't',
      })),
    );
    const stateDir = mkdtempSync(join(dir, 'state-'));
    const run = () =>
      runOperator(datasetBuild, {
        config: { datanet: 'revoke-test', evalFraction: 0.1 },
        inputs: { contributions: input },
        db: t.db,
        dialect: 'pglite',
        stateDir,
      });
    const before = (await run()).outputs.manifest.json as { contributions: [string, string][]; excluded?: unknown };
    expect(before.excluded).toBeUndefined();
    await revokeContribution(t.db, {
      datanet: 'revoke-test',
      id: rows[3].id,
      reason: 'dispute dsp_x upheld (licence) by 0xsteward via steward',
    });
    const after = (await run()).outputs.manifest.json as {
      contributions: [string, string][];
      excluded: { id: string; reason: string; contributor: string }[];
    };
    expect(after.contributions.length).toBe(before.contributions.length - 1);
    expect(after.excluded).toEqual([
      expect.objectContaining({
        id: rows[3].id,
        contributor: rows[3].contributor,
        reason: 'dispute dsp_x upheld (licence) by 0xsteward via steward',
      }),
    ]);
    const left = new Set(after.contributions.map(([id]) => id));
    expect(before.contributions.filter(([id]) => !left.has(id)).length).toBe(1);
  });
});
