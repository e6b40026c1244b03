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

    const restored = await restoreContributions(t.db, datanet, [id, 'not-a-contribution'], { policy, now: 30 });
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
    const withColumn = tableFromArrays({ id: ids, datanet: ids.map(() => datanet), text: ids.map(() => 'x') });
    expect(
      await dropFilteredRows(t.db, { table: withColumn, rows: [0, 2], idColumn: 'id', reason: (r) => `quality.filter: row ${r}` }),
    ).toBe(2);
    // No `datanet` column: only when the step names its Datanet.
    const bare = tableFromArrays({ id: ids, text: ids.map(() => 'x') });
    expect(await dropFilteredRows(t.db, { table: bare, rows: [1], idColumn: 'id', reason: () => 'dedupe.exact: dup' })).toBe(0);
    expect(await dropFilteredRows(t.db, { table: bare, rows: [1], idColumn: 'id', datanet, reason: () => 'dedupe.exact: dup' })).toBe(1);
    // Ids that are no contribution (a table from elsewhere) drop nothing.
    const other = tableFromArrays({ id: ['x1', 'x2'], datanet: [datanet, datanet] });
    expect(await dropFilteredRows(t.db, { table: other, rows: [0, 1], idColumn: 'id', reason: () => 'quality.filter: r' })).toBe(0);
    const reasons = Object.fromEntries((await listContributions(t.db, datanet)).map((c) => [c.recordIndex, c.dropReason]));
    expect(reasons).toEqual({ 0: 'quality.filter: row 0', 1: 'dedupe.exact: dup', 2: 'quality.filter: row 2', 3: null });
  });

  it('leaves a run store without the registry alone', async () => {
    const bare = await openTestDb('pglite');
    try {
      const table = tableFromArrays({ id: ['a'], datanet: ['x'] });
      expect(await dropFilteredRows(bare.db, { table, rows: [0], idColumn: 'id', reason: () => 'r' })).toBe(0);
    } finally {
      await bare.close();
    }
  });
});
