import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { DB_ENGINES, openTestDb, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { contributorStats, listContributions, openRegistry, recordContributions } from '@datanet/datanet';
import { dedupeExact, dedupeMinhash } from '../src/index.js';
import { col, textTable as table } from './text-table.js';

const base = [
  'Diabetes is a disease in which blood glucose levels are above normal. Most of the food people eat is turned into glucose for energy.',
  'Asthma is a chronic lung disease that inflames and narrows the airways. It causes recurring periods of wheezing and chest tightness.',
  'Glaucoma is a group of diseases that can damage the eye optic nerve and result in vision loss and blindness if left untreated.',
  'Anemia is a condition in which the blood has a lower than normal number of red blood cells or too little hemoglobin inside them.',
];

describe('dedupe.exact', () => {
  it('drops copies that differ in case, punctuation, spacing and Unicode form; the earliest by orderColumn keeps the credit', async () => {
    const input = table([
      { id: 'late', text: 'ＤＩＡＢＥＴＥＳ  is a disease; in which blood glucose is high', t: 5 },
      { id: 'a', text: base[1], t: 2 },
      { id: 'early', text: 'Diabetes is a disease in which blood glucose is high.', t: 1 },
      { id: 'b', text: base[2], t: 3 },
    ]);
    const { outputs } = await runOperator(dedupeExact, { config: { orderColumn: 't' }, inputs: { table: input } });
    expect(col(outputs.kept.table, 'id')).toEqual(['a', 'early', 'b']);
    expect(col(outputs.duplicates.table, 'id')).toEqual(['late']);
    expect(col(outputs.duplicates.table, 'duplicate_of')).toEqual(['early']);
    expect(col(outputs.duplicates.table, 't')).toEqual(['5']);
    expect(col(outputs.clusters.table, 'cluster_id')).toEqual(['early', 'a', 'early', 'b']);
    expect((outputs.report.json as { duplicates: number }).duplicates).toBe(1);
  });

  it('names the missing column and refuses duplicate ids', async () => {
    await expect(
      runOperator(dedupeExact, { config: { textColumn: 'body' }, inputs: { table: table([{ id: 'x', text: 'y' }]) } }),
    ).rejects.toThrow(/no column "body" \(set with.textColumn\); columns are: id, text, t/);
    await expect(
      runOperator(dedupeExact, {
        inputs: {
          table: table([
            { id: 'x', text: 'y' },
            { id: 'x', text: 'z' },
          ]),
        },
      }),
    ).rejects.toThrow(/"x" appears twice \(rows 0 and 1\)/);
  });
});

describe('dedupe.minhash (in batch)', () => {
  it('clusters near duplicates, keeps singletons as their own cluster and reports the implied threshold', async () => {
    const near = base[0].replace('Most of the food', 'Much of the food');
    const input = table([
      { id: 'd1', text: base[0] },
      { id: 'd2', text: base[1] },
      { id: 'd3', text: near },
      { id: 'd4', text: base[2] },
      { id: 'd5', text: base[0] + ' ' },
    ]);
    const { outputs } = await runOperator(dedupeMinhash, { config: { ngram: 3 }, inputs: { table: input } });
    expect(col(outputs.kept.table, 'id')).toEqual(['d1', 'd2', 'd4']);
    expect(col(outputs.duplicates.table, 'duplicate_of')).toEqual(['d1', 'd1']);
    expect(col(outputs.clusters.table, 'cluster_id')).toEqual(['d1', 'd2', 'd1', 'd4', 'd1']);
    expect(col(outputs.clusters.table, 'cluster_size')).toEqual(['3', '1', '3', '1', '3']);
    const sim = [...outputs.duplicates.table!.getChild('similarity')!] as number[];
    expect(sim[0]).toBeGreaterThan(0.7);
    expect(sim[0]).toBeLessThan(1);
    expect(sim[1]).toBe(1);
    const report = outputs.report.json as Record<string, number>;
    expect(report.impliedThreshold).toBeCloseTo(Math.pow(1 / 14, 1 / 8), 6);
    expect(report.bands * report.rows).toBe(112);
  });

  it('works with char shingles and non-string ids, keeping the input column types', async () => {
    const input = new Table({
      doc: vectorFromArray([10n, 20n, 30n], new Int64()),
      body: vectorFromArray([base[1], base[2], base[1].replace('chronic', 'chronik')], new Utf8()),
    });
    const { outputs } = await runOperator(dedupeMinhash, {
      config: { idColumn: 'doc', textColumn: 'body', shingle: 'char', ngram: 5, permutations: 128, bands: 16, rows: 8 },
      inputs: { table: input },
    });
    expect(col(outputs.kept.table, 'doc')).toEqual(['10', '20']);
    expect(String(outputs.kept.table!.schema.fields[0].type)).toBe('Int64');
    expect(col(outputs.duplicates.table, 'duplicate_of')).toEqual(['10']);
    expect((outputs.report.json as { shingles: { unit: string } }).shingles.unit).toBe('char');
  });

  it('rejects bands x rows above the permutations in the config', async () => {
    await expect(
      runOperator(dedupeMinhash, { config: { permutations: 64 }, inputs: { table: table([{ id: 'x', text: 'y' }]) } }),
    ).rejects.toThrow(/bands x rows = 112 exceeds permutations \(64\)/);
  });
});

for (const engine of DB_ENGINES) {
  describe(`persistent index on ${engine}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await openTestDb(engine);
    });
    afterAll(async () => t?.close());

    // Word shingles, the unit these sentences were written for; auto mode's index is tested in short-records.test.ts.
    it('rejects near duplicates of records accepted in an earlier run, crediting the earlier run', async () => {
      const opts = { db: t.db, dialect: engine } as const;
      const first = table(base.map((text, i) => ({ id: `run1-${i}`, text })));
      const r1 = await runOperator(dedupeMinhash, {
        ...opts,
        config: { index: 'medical-qa', shingle: 'word', ngram: 3 },
        inputs: { table: first },
        runId: 'r1',
      });
      expect(col(r1.outputs.kept.table, 'id')).toHaveLength(4);

      const second = table([
        {
          id: 'run2-new',
          text: 'Migraine is a headache disorder with recurring attacks of moderate to severe throbbing pain on one side of the head.',
        },
        { id: 'run2-copy', text: base[3].replace('inside them', 'inside it') },
        { id: 'run2-copy2', text: base[3] },
      ]);
      const r2 = await runOperator(dedupeMinhash, {
        ...opts,
        config: { index: 'medical-qa', shingle: 'word', ngram: 3 },
        inputs: { table: second },
        runId: 'r2',
      });
      expect(col(r2.outputs.kept.table, 'id')).toEqual(['run2-new']);
      expect(col(r2.outputs.duplicates.table, 'duplicate_of')).toEqual(['run1-3', 'run1-3']);
      expect((r2.outputs.report.json as Record<string, number>).duplicatesOfEarlierRuns).toBe(2);

      // Another scope does not see medical-qa's records.
      const other = await runOperator(dedupeMinhash, {
        ...opts,
        config: { index: 'other', shingle: 'word', ngram: 3 },
        inputs: { table: second },
      });
      expect(col(other.outputs.kept.table, 'id')).toEqual(['run2-new', 'run2-copy']);

      // A re-run of the second batch (at-least-once delivery) decides the same.
      const again = await runOperator(dedupeMinhash, {
        ...opts,
        config: { index: 'medical-qa', shingle: 'word', ngram: 3 },
        inputs: { table: second },
        runId: 'r2',
      });
      expect(col(again.outputs.kept.table, 'id')).toEqual(['run2-new']);
      expect(col(again.outputs.duplicates.table, 'duplicate_of')).toEqual(['run1-3', 'run1-3']);

      await expect(
        runOperator(dedupeMinhash, { ...opts, config: { index: 'medical-qa', shingle: 'word', ngram: 4 }, inputs: { table: second } }),
      ).rejects.toThrow(/index "medical-qa" \(minhash\) was built with .* use the same settings or another index name/);
    });

    it('keeps exact hashes across runs', async () => {
      const opts = { db: t.db, dialect: engine } as const;
      await runOperator(dedupeExact, { ...opts, config: { index: 'ex' }, inputs: { table: table([{ id: 'x1', text: 'Hello, world' }]) } });
      const r2 = await runOperator(dedupeExact, {
        ...opts,
        config: { index: 'ex' },
        inputs: {
          table: table([
            { id: 'x1', text: 'Hello, world' },
            { id: 'x2', text: 'hello world!' },
            { id: 'x3', text: 'new' },
          ]),
        },
      });
      expect(col(r2.outputs.kept.table, 'id')).toEqual(['x1', 'x3']);
      expect(col(r2.outputs.duplicates.table, 'duplicate_of')).toEqual(['x1']);
    });

    it("drops a Datanet's duplicate contributions in its registry: the copier earns no standing, the original keeps it", async () => {
      const opts = { db: t.db, dialect: engine } as const;
      await openRegistry(t.db, engine);
      const datanet = `dedupe-${engine}`;
      const original = '0x' + '1'.repeat(40);
      const copier = '0x' + '2'.repeat(40);
      const rows = [
        { id: `${engine}-o1`, contributor: original, text: 'Aspirin thins the blood and lowers the risk of clots in the heart.' },
        { id: `${engine}-c1`, contributor: copier, text: 'aspirin thins the blood and lowers the risk of clots in the heart' },
        { id: `${engine}-c2`, contributor: copier, text: 'Aspirin thins the blood, and lowers the risk of clots in the heart!' },
        { id: `${engine}-o2`, contributor: original, text: 'Ibuprofen eases pain and swelling but can upset the stomach lining.' },
      ];
      await recordContributions(
        t.db,
        rows.map((r, i) => ({
          id: r.id,
          datanet,
          contributor: r.contributor,
          submissionId: `s-${r.contributor.slice(2, 3)}`,
          sourceFile: 'records.jsonl',
          recordIndex: i,
          licence: 'CC0-1.0',
          consent: 'training',
          submittedAt: 1,
          validatorVersion: 'test',
        })),
      );
      const input = new Table({
        id: vectorFromArray(
          rows.map((r) => r.id),
          new Utf8(),
        ),
        datanet: vectorFromArray(
          rows.map(() => datanet),
          new Utf8(),
        ),
        text: vectorFromArray(
          rows.map((r) => r.text),
          new Utf8(),
        ),
      });
      const { outputs } = await runOperator(dedupeExact, { ...opts, inputs: { table: input } });
      expect(col(outputs.duplicates.table, 'id')).toEqual([`${engine}-c1`, `${engine}-c2`]);
      const byId = Object.fromEntries((await listContributions(t.db, datanet)).map((c) => [c.id, c.dropReason]));
      expect(byId).toEqual({
        [`${engine}-o1`]: null,
        [`${engine}-o2`]: null,
        [`${engine}-c1`]: `dedupe.exact: duplicate of ${engine}-o1`,
        [`${engine}-c2`]: `dedupe.exact: duplicate of ${engine}-o1`,
      });
      const stats = Object.fromEntries((await contributorStats(t.db, datanet)).map((x) => [x.contributor, x]));
      expect(stats[copier]).toMatchObject({ contributions: 0, dropped: 2, standing: 0 });
      expect(stats[original]).toMatchObject({ contributions: 2, dropped: 0 });
    });
  });
}
