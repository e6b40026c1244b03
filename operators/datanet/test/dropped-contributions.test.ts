import fc from 'fast-check';
import { tableFromArrays } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '@datanet/pipelines/testing';
import {
  contributorStats,
  dropContributions,
  dropFilteredRows,
  listContributions,
  openRegistry,
  recordContributions,
  restoreContributions,
  revokeContribution,
  standingFrom,
  standingHistory,
  standingOf,
  type ContributionRecord,
} from '../src/index.js';

const A = '0x' + 'a'.repeat(40);
const B = '0x' + 'b'.repeat(40);
const policy = { prior: 10, revokePenalty: 5 };
const record = (datanet: string, i: number, contributor = A): ContributionRecord => ({
  id: `${datanet}.${i}.`.padEnd(64, '0'),
  datanet,
  contributor,
  submissionId: `${datanet}-s-${contributor.slice(2, 4)}`,
  sourceFile: 'records.jsonl',
  recordIndex: i,
  licence: 'CC-BY-4.0',
  consent: 'training',
  submittedAt: 1,
  validatorVersion: 'test',
});

describe('contributions dropped after intake (dedupe, quality, review)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
    await openRegistry(t.db, 'pglite');
  });
  afterAll(async () => t?.close());

  it('count for nothing: standing is exactly what it would be without them (property)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('kept', 'dropped', 'revoked'), { minLength: 1, maxLength: 30 }),
        fc.array(fc.constantFrom('kept', 'dropped'), { maxLength: 5 }),
        async (mine, theirs) => {
          const datanet = `drop-p${run++}`;
          await recordContributions(
            t.db,
            [...mine.map((_, i) => record(datanet, i)), ...theirs.map((_, i) => record(datanet, 100 + i, B))],
            {
              policy,
            },
          );
          const revoke = mine.flatMap((f, i) => (f === 'revoked' ? [i] : []));
          for (const i of revoke) await revokeContribution(t.db, { datanet, id: record(datanet, i).id, reason: 'upheld dispute', policy });
          const drop = [
            ...mine.flatMap((f, i) => (f === 'dropped' ? [record(datanet, i)] : [])),
            ...theirs.flatMap((f, i) => (f === 'dropped' ? [record(datanet, 100 + i, B)] : [])),
            // A revoked contribution stays revoked: dropping it changes nothing.
            ...revoke.map((i) => record(datanet, i)),
          ];
          await dropContributions(
            t.db,
            drop.map((r) => ({ datanet, id: r.id, reason: 'quality.filter: test' })),
            { policy },
          );
          const kept = mine.filter((f) => f === 'kept').length;
          const expected = standingFrom({ accepted: kept, revoked: revoke.length }, policy);
          // Exactly what it would be had the dropped records never been sent: no credit, no penalty.
          expect(await standingOf(t.db, datanet, A, policy)).toBeCloseTo(expected, 12);
          const stats = Object.fromEntries((await contributorStats(t.db, datanet, policy)).map((s) => [s.contributor, s]));
          expect(stats[A]).toMatchObject({
            contributions: kept,
            revoked: revoke.length,
            dropped: mine.filter((f) => f === 'dropped').length,
          });
          if (theirs.length)
            expect(stats[B]).toMatchObject({
              contributions: theirs.filter((f) => f === 'kept').length,
              dropped: theirs.filter((f) => f === 'dropped').length,
            });
        },
      ),
      { numRuns: 25 },
    );
  });

  it('keep the first reason on a re-run, show it to the contributor, and come back when review approves them', async () => {
    const datanet = 'drop-once';
    await recordContributions(t.db, [record(datanet, 0), record(datanet, 1)], { policy, now: 5 });
    const id = record(datanet, 0).id;
    const first = await dropContributions(t.db, [{ datanet, id, reason: 'dedupe.minhash: near duplicate of x (similarity 0.900)' }], {
      policy,
      now: 10,
    });
    expect(first.map((c) => c.id)).toEqual([id]);
    const again = await dropContributions(t.db, [{ datanet, id, reason: 'quality.filter: other' }], { policy, now: 20 });
    expect(again).toEqual([]);
    const stored = (await listContributions(t.db, datanet)).find((c) => c.id === id)!;
    expect(stored).toMatchObject({ droppedAt: 10, dropReason: 'dedupe.minhash: near duplicate of x (similarity 0.900)' });
    expect(await standingOf(t.db, datanet, A, policy)).toBeCloseTo(standingFrom({ accepted: 1, revoked: 0 }, policy), 12);
    expect((await standingHistory(t.db, datanet, A)).map((h) => h.event)).toEqual(['accepted', 'dropped']);

    // Only the step that dropped it undoes it.
    expect(await restoreContributions(t.db, datanet, [id], 'quality.filter:', { policy, now: 25 })).toEqual([]);
    const restored = await restoreContributions(t.db, datanet, [id, 'not-a-contribution'], 'dedupe.minhash:', { policy, now: 30 });
    expect(restored.map((c) => c.id)).toEqual([id]);
    expect(await standingOf(t.db, datanet, A, policy)).toBeCloseTo(standingFrom({ accepted: 2, revoked: 0 }, policy), 12);
    expect((await standingHistory(t.db, datanet, A)).map((h) => h.event)).toEqual(['accepted', 'dropped', 'restored']);
  });

  it("from a filter step's table: rows naming a Datanet (column or step) are dropped; other tables are left alone", async () => {
    const datanet = 'drop-table';
    await recordContributions(
      t.db,
      [0, 1, 2, 3].map((i) => record(datanet, i)),
      { policy },
    );
    const ids = [0, 1, 2, 3].map((i) => record(datanet, i).id);
    const step = (table: ReturnType<typeof tableFromArrays>, operator: string, rows: number[], kept: number[], extra = {}) =>
      dropFilteredRows(t.db, { table, operator, rows, kept, idColumn: 'id', reason: (r) => `row ${r}`, ...extra });
    const withColumn = tableFromArrays({ id: ids, datanet: ids.map(() => datanet), text: ids.map(() => 'x') });
    expect(await step(withColumn, 'quality.filter', [0, 2], [1, 3])).toEqual({ dropped: 2, restored: 0 });
    // No `datanet` column: only when the step names its Datanet.
    const bare = tableFromArrays({ id: ids, text: ids.map(() => 'x') });
    expect(await step(bare, 'dedupe.exact', [1], [0, 2, 3])).toEqual({ dropped: 0, restored: 0 });
    expect(await step(bare, 'dedupe.exact', [1], [0, 2, 3], { datanet })).toEqual({ dropped: 1, restored: 0 });
    // Ids that are no contribution (a table from elsewhere) drop nothing.
    const other = tableFromArrays({ id: ['x1', 'x2'], datanet: [datanet, datanet] });
    expect(await step(other, 'quality.filter', [0, 1], [])).toEqual({ dropped: 0, restored: 0 });
    const reasons = async () => Object.fromEntries((await listContributions(t.db, datanet)).map((c) => [c.recordIndex, c.dropReason]));
    expect(await reasons()).toEqual({ 0: 'quality.filter: row 0', 1: 'dedupe.exact: row 1', 2: 'quality.filter: row 2', 3: null });
    // A re-run whose rules changed keeps record 0: its drop is undone; dedupe's drop of record 1 is not quality's to undo.
    expect(await step(withColumn, 'quality.filter', [2], [0, 1, 3])).toEqual({ dropped: 0, restored: 1 });
    expect(await reasons()).toEqual({ 0: null, 1: 'dedupe.exact: row 1', 2: 'quality.filter: row 2', 3: null });
  });

  it('drops a contribution only when every row of it was dropped (a table of several rows per contribution)', async () => {
    const datanet = 'drop-chunks';
    await recordContributions(t.db, [record(datanet, 0), record(datanet, 1)], { policy });
    const [a, b] = [record(datanet, 0).id, record(datanet, 1).id];
    // Contribution a has two chunks, one rejected; b's only chunk is rejected.
    const chunks = tableFromArrays({ id: [a, a, b], datanet: [datanet, datanet, datanet] });
    const r = await dropFilteredRows(t.db, {
      table: chunks,
      operator: 'quality.filter',
      rows: [1, 2],
      kept: [0],
      idColumn: 'id',
      reason: () => 'short',
    });
    expect(r).toEqual({ dropped: 1, restored: 0 });
    expect((await listContributions(t.db, datanet)).map((c) => [c.id === a ? 'a' : 'b', c.dropReason])).toEqual([
      ['a', null],
      ['b', 'quality.filter: short'],
    ]);
  });

  it('a dropped contribution revoked later (a dispute opened before the drop) costs no penalty', async () => {
    const datanet = 'drop-then-revoke';
    await recordContributions(t.db, [record(datanet, 0), record(datanet, 1)], { policy });
    await dropContributions(t.db, [{ datanet, id: record(datanet, 0).id, reason: 'dedupe.exact: duplicate of y' }], { policy });
    await revokeContribution(t.db, { datanet, id: record(datanet, 0).id, reason: 'upheld dispute', policy });
    expect(await standingOf(t.db, datanet, A, policy)).toBeCloseTo(standingFrom({ accepted: 1, revoked: 0 }, policy), 12);
  });

  it('leaves a run store without the registry alone', async () => {
    const bare = await openTestDb('pglite');
    try {
      const table = tableFromArrays({ id: ['a'], datanet: ['x'] });
      expect(
        await dropFilteredRows(bare.db, { table, operator: 'quality.filter', rows: [0], kept: [], idColumn: 'id', reason: () => 'r' }),
      ).toEqual({
        dropped: 0,
        restored: 0,
      });
    } finally {
      await bare.close();
    }
  });
});
