import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { DB_ENGINES, openTestDb, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { dedupeExact, dedupeMinhash, dedupeReuse } from '../src/index.js';

const text = 'Hypertension is high blood pressure that raises the risk of heart disease and stroke over many years of life.';
const tableOf = (ids: string[], texts: string[]) =>
  new Table({ id: vectorFromArray(ids, new Utf8()), text: vectorFromArray(texts, new Utf8()) });

for (const engine of DB_ENGINES) {
  describe(`index under concurrency on ${engine}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await openTestDb(engine);
    });
    afterAll(async () => t?.close());

    it('lets exactly one of several racing runs accept the same text', async () => {
      const runs = await Promise.all(
        ['a', 'b', 'c', 'd'].map((who) =>
          runOperator(dedupeMinhash, {
            db: t.db,
            dialect: engine,
            config: { index: 'race', ngram: 3 },
            inputs: { table: tableOf([`${who}-1`], [text]) },
            runId: who,
          }),
        ),
      );
      const kept = runs.flatMap((r) => [...r.outputs.kept.table!.getChild('id')!].map(String));
      expect(kept).toHaveLength(1);
      const dupOf = runs.flatMap((r) => [...r.outputs.duplicates.table!.getChild('duplicate_of')!].map(String));
      expect(dupOf).toEqual([kept[0], kept[0], kept[0]]);
    });

    it('lets exactly one of several racing runs keep a passage the others copy, crediting it', async () => {
      const passage =
        'Blood pressure is measured with a cuff around the upper arm, and two readings on separate days are needed before ' +
        'anyone is told they have hypertension, because a single high reading can come from stress, caffeine or exercise.';
      const runs = await Promise.all(
        ['a', 'b', 'c', 'd'].map((who) =>
          runOperator(dedupeReuse, {
            db: t.db,
            dialect: engine,
            config: { index: 'reuse-race' },
            inputs: { table: tableOf([`${who}-1`], [`Note from contributor ${who}: ${passage}`]) },
            runId: who,
          }),
        ),
      );
      const kept = runs.flatMap((r) => [...r.outputs.kept.table!.getChild('id')!].map(String));
      expect(kept).toHaveLength(1);
      const credited = runs.flatMap((r) => [...r.outputs.rejected.table!.getChild('source_id')!].map(String));
      expect(credited).toEqual([kept[0], kept[0], kept[0]]);
      const empty = await runOperator(dedupeReuse, {
        db: t.db,
        dialect: engine,
        config: { index: 'reuse-race' },
        inputs: { table: tableOf([], []) },
      });
      expect(empty.outputs.kept.table!.numRows).toBe(0);
    });

    it('handles an empty batch', async () => {
      const { outputs } = await runOperator(dedupeExact, {
        db: t.db,
        dialect: engine,
        config: { index: 'empty' },
        inputs: { table: tableOf([], []) },
      });
      expect(outputs.kept.table!.numRows).toBe(0);
      expect(outputs.clusters.table!.numRows).toBe(0);
    });
  });
}
