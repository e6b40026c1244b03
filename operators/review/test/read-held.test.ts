import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Float64, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, parseDatanetYaml } from '@datanet/datanet';
import { tableToParquet } from '@datanet/pipelines';
import { openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { migrateReview } from '../src/index.js';
import { readHeld } from '../src/operator/read-held.js';

const A = '0x' + 'a'.repeat(40);
const def = parseDatanetYaml(`apiVersion: datanet/v1
kind: Datanet
id: nd
domain: testing
formats: [jsonl]
licences: [CC0-1.0]
recordSchema: { fields: [{ name: question }, { name: answer }], textFields: [question, answer] }
review:
  hold: { nearDuplicates: { maxSimilarity: 0.85 }, qualityBelow: 0.5 }
`);

describe('what the review step reads and holds', () => {
  let t: TestDb;
  let dir: string;
  beforeAll(async () => {
    t = await openTestDb('pglite');
    await openRegistry(t.db, 'pglite');
    await migrateReview(t.db);
    dir = mkdtempSync(join(tmpdir(), 'read-held-'));
  });
  afterAll(async () => t?.close());

  const write = async (name: string, cols: Record<string, unknown[]>, types: Record<string, Utf8 | Int32 | Float64>) => {
    const file = join(dir, name);
    writeFileSync(
      file,
      await tableToParquet(
        new Table(Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, vectorFromArray(v as never[], types[k])]))),
      ),
    );
    return file;
  };

  it('shows a borderline near duplicate beside its earlier record, holds low quality, leaves the rest', async () => {
    const s = new Utf8();
    const kept = await write(
      'kept.parquet',
      {
        id: ['e1', 'k2', 'k3'],
        contributor: [A, A, A],
        receipt_seq: [1, 2, 3],
        question: ['What is gout?', 'q2', 'q3'],
        answer: ['Gout is arthritis.', 'a2', 'a3'],
      },
      { id: s, contributor: s, receipt_seq: new Int32(), question: s, answer: s },
    );
    const scores = await write(
      'scores.parquet',
      { id: ['e1', 'k2', 'k3'], quality_score: [1, 0.2, 1] },
      { id: s, quality_score: new Float64() },
    );
    const near = await write(
      'near.parquet',
      {
        id: ['n1', 'n2'],
        contributor: [A, A],
        receipt_seq: [4, 5],
        question: ['What is gout ?', 'What is gout?!'],
        answer: ['Gout is a kind of arthritis.', 'Gout is arthritis.'],
        duplicate_of: ['e1', 'e1'],
        similarity: [0.8, 0.97],
      },
      { id: s, contributor: s, receipt_seq: new Int32(), question: s, answer: s, duplicate_of: s, similarity: new Float64() },
    );
    const held = await readHeld(
      t.db,
      def,
      def.review!,
      { table: kept, scores, nearDuplicates: near, earlier: kept },
      { id: 'id', contributor: 'contributor', order: 'receipt_seq', fields: ['question', 'answer'] },
      'batch-1',
    );
    expect(held.records).toBe(3);
    expect(held.tableIds).toEqual(['k2']);
    // n2 is a clear duplicate (0.97 >= 0.85): dropped as before; n1 is borderline: a person decides.
    expect(held.nearIds).toEqual(['n1']);
    const n1 = held.items.find((i) => i.ref === 'n1')!;
    expect(n1.heldFor).toEqual(['near_duplicate']);
    expect(n1.payload).toEqual({
      question: 'What is gout ?',
      answer: 'Gout is a kind of arthritis.',
      similarity: 0.8,
      earlier: { id: 'e1', question: 'What is gout?', answer: 'Gout is arthritis.' },
    });
    expect(held.items.find((i) => i.ref === 'k2')!.heldFor).toEqual(['low_quality']);
  });
});
