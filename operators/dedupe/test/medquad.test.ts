import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusPath, corpusSkipReason, openTestDb, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { sqlString, withDuckDb } from '@datanet/connector-duckdb';
import { dedupeExact } from '../src/index.js';

const REL = 'medquad/medquad_with_answers.jsonl.gz';
const corpus = corpusPath(REL);

/**
 * MedQuAD's SOURCE.md says "598 answers are exact duplicates of an earlier answer after
 * whitespace normalisation": 598 counts duplicate rows beyond the first of each answer (85
 * distinct answers are repeated), not distinct duplicated answers.
 */
describe.skipIf(!corpus)(`MedQuAD exact duplicates (${corpus ? 'corpus present' : corpusSkipReason(REL)})`, () => {
  let parquet: string;
  let t: TestDb;
  // MedQuAD's qids repeat (e.g. "0000013_2-1" twice in CancerGov), so the test keys rows by
  // source, qid and line number.
  beforeAll(async () => {
    parquet = join(await mkdtemp(join(tmpdir(), 'medquad-')), 'medquad.parquet');
    await withDuckDb((c) =>
      c.exec(
        `copy (select concat(source, ':', id, ':', row_number() over ()) as id, source, answer from read_json_auto(${sqlString(corpus!)}, format = 'newline_delimited')) to ${sqlString(parquet)} (format parquet)`,
      ),
    );
    t = await openTestDb('pglite');
  });
  afterAll(async () => t?.close());

  it('finds the 598 answers that repeat an earlier one after whitespace normalisation', async () => {
    const ws = { unicode: false, lowercase: false, punctuation: false, whitespace: true };
    const { outputs } = await runOperator(dedupeExact, {
      db: t.db,
      config: { textColumn: 'answer', normalize: ws },
      inputs: { table: parquet },
    });
    const dups = outputs.duplicates.table!;
    expect(dups.numRows).toBe(598);
    expect(outputs.kept.table!.numRows).toBe(16407 - 598);
    expect(new Set(dups.getChild('cluster_id')!.toArray()).size).toBe(85);
    const bySource = new Map<string, number>();
    for (const s of dups.getChild('source')!) bySource.set(String(s), (bySource.get(String(s)) ?? 0) + 1);
    // The per-source split that SOURCE.md gives for the same 598.
    expect(Object.fromEntries([...bySource].filter(([s]) => ['GHR', 'NIDDK', 'GARD', 'CancerGov', 'CDC'].includes(s)))).toEqual({
      GHR: 452,
      NIDDK: 57,
      GARD: 50,
      CancerGov: 28,
      CDC: 9,
    });

    // The default normalisation (also case, punctuation, NFKC) finds those and at least as many more.
    const full = await runOperator(dedupeExact, { db: t.db, config: { textColumn: 'answer' }, inputs: { table: parquet } });
    const fullIds = new Set([...full.outputs.duplicates.table!.getChild('id')!].map(String));
    expect([...dups.getChild('id')!].every((id) => fullIds.has(String(id)))).toBe(true);
    expect(fullIds.size).toBeGreaterThanOrEqual(598);
  });
});
