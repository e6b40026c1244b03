import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { DB_ENGINES, openTestDb, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { dropContributions, openRegistry, recordContributions, revokeContribution } from '@datanet/datanet';
import { dedupeExact, dedupeMinhash, dedupeReuse } from '../src/index.js';
import { col } from './text-table.js';

// A persistent index keeps what was kept when it was written. A record a later step dropped, or a
// dispute revoked, must not take the credit from a new record like it: the rightful author of a
// text a copier got revoked would otherwise be refused as a duplicate of the revoked copy.
const AUTHOR = '0x' + 'a1'.repeat(20);
const COPIER = '0x' + 'c1'.repeat(20);

const answer =
  'Glaucoma is a group of eye diseases that damage the optic nerve, which carries images from the eye to the brain. ' +
  'The most common form develops slowly as fluid pressure inside the eye rises and pushes on the nerve fibres. ' +
  'Many people notice no symptoms until side vision is already lost, which is why regular dilated eye exams matter.';
const other =
  'Asthma is a chronic lung disease that inflames and narrows the airways and causes recurring periods of wheezing. ' +
  'Inhaled corticosteroids taken every day reduce the swelling, and a quick-relief inhaler opens the airways in an attack.';

/** A batch of a Datanet's contributions (with intake's `datanet` column), recorded in its registry. */
async function batch(db: TestDb['db'], datanet: string, rows: { id: string; contributor: string; text: string }[]): Promise<Table> {
  await recordContributions(
    db,
    rows.map((r, i) => ({
      id: r.id,
      datanet,
      contributor: r.contributor,
      submissionId: `s-${r.id}`,
      sourceFile: 'records.jsonl',
      recordIndex: i,
      licence: 'CC0-1.0',
      consent: 'training',
      submittedAt: 1,
      validatorVersion: 'test',
    })),
  );
  const column = (f: (r: (typeof rows)[number]) => string) => vectorFromArray(rows.map(f), new Utf8());
  return new Table({ id: column((r) => r.id), datanet: column(() => datanet), text: column((r) => r.text) });
}

for (const engine of DB_ENGINES) {
  describe(`index records that no longer stand, on ${engine}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await openTestDb(engine);
      await openRegistry(t.db, engine);
    });
    afterAll(async () => t?.close());

    for (const [name, op, rejected, creditOf] of [
      ['dedupe.exact', dedupeExact, 'duplicates', 'duplicate_of'],
      ['dedupe.minhash', dedupeMinhash, 'duplicates', 'duplicate_of'],
      ['dedupe.reuse', dedupeReuse, 'rejected', 'source_id'],
    ] as const) {
      it(`${name}: a revoked or dropped record takes no credit; the new record takes its place in the index`, async () => {
        const datanet = `${name.replace('.', '-')}-${engine}`;
        const opts = { db: t.db, dialect: engine, config: { index: datanet } } as const;
        const run = async (rows: { id: string; contributor: string; text: string }[]) =>
          (await runOperator(op as typeof dedupeExact, { ...opts, inputs: { table: await batch(t.db, datanet, rows) } })).outputs;

        // The copier's record of the answer, and another record a later step drops, go into the index.
        const first = await run([
          { id: 'copy', contributor: COPIER, text: answer },
          { id: 'junk', contributor: COPIER, text: other },
        ]);
        expect(col(first.kept.table, 'id')).toEqual(['copy', 'junk']);
        await revokeContribution(t.db, { datanet, id: 'copy', reason: 'dispute upheld: copied from the author' });
        await dropContributions(t.db, [{ datanet, id: 'junk', reason: 'quality.filter: off_topic' }]);

        // The author sends the answer; someone sends the dropped text again: neither is anyone's duplicate.
        const second = await run([
          { id: 'original', contributor: AUTHOR, text: answer },
          { id: 'again', contributor: AUTHOR, text: other },
        ]);
        expect(col(second.kept.table, 'id')).toEqual(['original', 'again']);

        // The author's record now holds the credit: a later copy of it is refused, crediting them.
        const third = await run([{ id: 'copy2', contributor: COPIER, text: answer }]);
        expect(col(third.kept.table, 'id')).toEqual([]);
        expect(col(third[rejected].table, creditOf)).toEqual(['original']);
      });

      it(`${name}: a stored result that credited a record since revoked is not served from the cache`, async () => {
        const datanet = `${name.replace('.', '-')}-cached-${engine}`;
        const config = (op as typeof dedupeExact).config.parse({ index: datanet });
        const opts = { db: t.db, dialect: engine, config: { index: datanet } } as const;
        const run = async (rows: { id: string; contributor: string; text: string }[]) =>
          (await runOperator(op as typeof dedupeExact, { ...opts, inputs: { table: await batch(t.db, datanet, rows) } })).outputs;
        await run([{ id: 'copy', contributor: COPIER, text: answer }]);
        // The author's record is refused as the copy's duplicate; that result is what a cache would hold.
        const stored = await run([
          { id: 'original', contributor: AUTHOR, text: answer },
          { id: 'fresh', contributor: AUTHOR, text: other },
        ]);
        expect(col(stored[rejected].table, creditOf)).toEqual(['copy']);
        const refs = Object.fromEntries(Object.entries(stored).map(([port, o]) => [port, o.ref]));
        const env = { pipelineDir: process.cwd(), stateDir: process.cwd(), db: t.db };
        const verify = (op as typeof dedupeExact).verifyCached!;
        expect(await verify(config, refs, env)).toBe(true);
        // A dispute revokes the copy: the stored result no longer holds, the step must run again.
        await revokeContribution(t.db, { datanet, id: 'copy', reason: 'dispute upheld: copied from the author' });
        expect(await verify(config, refs, env)).toBe(false);
        // Without a persistent index nothing outside the batch was credited: the result stands.
        expect(await verify((op as typeof dedupeExact).config.parse({}), refs, env)).toBe(true);
      });
    }
  });
}
