import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { dedupeReuse } from '../src/index.js';
import { col, textTable as table } from './text-table.js';

// Written for this test: a source answer, other text to pad copies with, and an answer on the same topic.
const source =
  'Glaucoma is a group of eye diseases that damage the optic nerve, which carries images from the eye to the brain. ' +
  'The most common form develops slowly as fluid pressure inside the eye rises and pushes on the nerve fibres. ' +
  'Many people notice no symptoms until side vision is already lost, which is why regular dilated eye exams matter. ' +
  'Treatment with eye drops, laser procedures or surgery can lower the pressure and slow further damage to sight.';
const padding =
  'Our clinic opened a new wing last spring and the parking lot has been repaved for visitors with mobility needs. ' +
  'Volunteers run a weekly coffee morning where patients can meet staff and ask about appointments or billing.';
const independent =
  'Glaucoma care starts with measuring how well each eye sees at the edges of vision and photographing the optic disc. ' +
  'An ophthalmologist compares these results over years, because change over time says more than any single visit. ' +
  'Drops must be used every day, and patients who find them hard to use should say so, since other options exist.';

const half = source.slice(0, source.indexOf(' Many people'));
const copy = `${padding.slice(0, 110)} ${half} ${padding.slice(110)}`;
const light = `${padding.slice(0, 110)} ${half.replace('group of eye diseases', 'group of eye conditions').replace('slowly', 'gradually')} ${padding.slice(110)}`;

describe('dedupe.reuse in a batch', () => {
  it('rejects padded verbatim and lightly edited copies as reused, crediting the earlier source, and gives the copied spans', async () => {
    const input = table([
      { id: 'copy', text: copy, t: 2 },
      { id: 'src', text: source, t: 1 },
      { id: 'indep', text: independent, t: 3 },
      { id: 'light', text: light, t: 4 },
    ]);
    const { outputs } = await runOperator(dedupeReuse, { config: { orderColumn: 't' }, inputs: { table: input } });
    expect(col(outputs.kept.table, 'id')).toEqual(['src', 'indep']);
    expect(col(outputs.rejected.table, 'id')).toEqual(['copy', 'light']);
    expect(col(outputs.rejected.table, 'reason_code')).toEqual(['reused', 'reused']);
    expect(col(outputs.rejected.table, 'source_id')).toEqual(['src', 'src']);
    expect(col(outputs.rejected.table, 't', true)).toEqual([2, 4]);

    const m = outputs.matches.table!;
    expect(col(m, 'id')).toEqual(['copy', 'light']);
    expect(col(m, 'source_id')).toEqual(['src', 'src']);
    const containment = col(m, 'containment', true) as number[];
    // Half the source in a record padded with about as much again: about half of the record.
    expect(containment[0]).toBeGreaterThan(0.45);
    expect(containment[0]).toBeLessThan(0.75);
    expect(containment[1]).toBeGreaterThan(0.35);
    // The verbatim copy's span is the copied half, character for character, in both texts.
    const [[start, end]] = JSON.parse(String(col(m, 'spans')[0])) as number[][];
    const [[sStart, sEnd]] = JSON.parse(String(col(m, 'source_spans')[0])) as number[][];
    expect(copy.slice(start, end)).toBe(half.replace(/\.$/, ''));
    expect(source.slice(sStart, sEnd)).toBe(half.replace(/\.$/, ''));
    // The light edit splits the copy into spans around the edited words.
    expect((JSON.parse(String(col(m, 'spans')[1])) as number[][]).length).toBeGreaterThan(1);

    const report = outputs.report.json as { rejected: number; examples: { id: string; spans: { text: string; sourceText: string }[] }[] };
    expect(report.rejected).toBe(2);
    expect(report.examples[0].id).toBe('copy');
    expect(report.examples[0].spans[0].text).toBe(report.examples[0].spans[0].sourceText);
  });

  it('keeps everything when disabled, and judges against minContainment', async () => {
    const input = table([
      { id: 'src', text: source },
      { id: 'copy', text: copy },
    ]);
    const off = await runOperator(dedupeReuse, { config: { enabled: false }, inputs: { table: input } });
    expect(col(off.outputs.kept.table, 'id')).toEqual(['src', 'copy']);
    const strict = await runOperator(dedupeReuse, { config: { minContainment: 0.9 }, inputs: { table: input } });
    expect(col(strict.outputs.kept.table, 'id')).toEqual(['src', 'copy']);
    expect(strict.outputs.matches.table!.numRows).toBe(0);
  });
});

for (const engine of DB_ENGINES) {
  describe(`dedupe.reuse persistent index on ${engine}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await openTestDb(engine);
    });
    afterAll(async () => t?.close());

    it('credits a record accepted in an earlier run, and a re-run of a batch decides the same', async () => {
      const opts = { db: t.db, dialect: engine } as const;
      const r1 = await runOperator(dedupeReuse, {
        ...opts,
        config: { index: 'reuse-qa' },
        inputs: { table: table([{ id: 'run1-src', text: source }]) },
        runId: 'r1',
      });
      expect(col(r1.outputs.kept.table, 'id')).toEqual(['run1-src']);
      const second = table([
        { id: 'run2-indep', text: independent },
        { id: 'run2-copy', text: copy },
      ]);
      const r2 = await runOperator(dedupeReuse, { ...opts, config: { index: 'reuse-qa' }, inputs: { table: second }, runId: 'r2' });
      expect(col(r2.outputs.kept.table, 'id')).toEqual(['run2-indep']);
      expect(col(r2.outputs.rejected.table, 'source_id')).toEqual(['run1-src']);
      expect((r2.outputs.report.json as { indexSources: number; addedToIndex: number }).addedToIndex).toBe(1);

      const again = await runOperator(dedupeReuse, { ...opts, config: { index: 'reuse-qa' }, inputs: { table: second }, runId: 'r2' });
      expect(col(again.outputs.kept.table, 'id')).toEqual(['run2-indep']);
      expect(col(again.outputs.rejected.table, 'source_id')).toEqual(['run1-src']);
      expect((again.outputs.report.json as { addedToIndex: number }).addedToIndex).toBe(0);

      // Another scope has not seen the source.
      const other = await runOperator(dedupeReuse, { ...opts, config: { index: 'other-qa' }, inputs: { table: second } });
      expect(col(other.outputs.kept.table, 'id')).toEqual(['run2-indep', 'run2-copy']);
    });
  });
}
