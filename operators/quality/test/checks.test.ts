import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Float64, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { corpusPath, corpusSkipReason, openTestDb, REPO_ROOT, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { CheckSuite, loadYamlFile, qualityChecks, runChecks, type CheckResult } from '../src/index.js';
import { sqlString, withDuckDb } from '@datanet/connector-duckdb';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb('pglite');
});
afterAll(async () => t?.close());

const people = new Table({
  id: vectorFromArray(['a', 'b', 'c', 'd', 'e'], new Utf8()),
  email: vectorFromArray(['x@y.org', 'bad', null, 'z@y.org', 'x@y.org'], new Utf8()),
  age: vectorFromArray([30, 41, null, 200, 25], new Int32()),
  score: vectorFromArray([0.5, 0.7, 0.9, 0.1, 0.3], new Float64()),
});

describe('quality.checks', () => {
  it('evaluates every check kind with GX-style counts', async () => {
    const { outputs } = await runOperator(qualityChecks, {
      db: t.db,
      config: {
        checks: [
          { check: 'not_null', column: 'email', severity: 'warn' },
          { check: 'unique', column: 'email', severity: 'warn' },
          { check: 'regex', column: 'email', pattern: '^[^@]+@[^@]+$', mostly: 0.7 },
          { check: 'between', column: 'age', min: 0, max: 120, severity: 'warn' },
          { check: 'length_between', column: 'id', min: 1, max: 1 },
          { check: 'in_set', column: 'id', values: ['a', 'b', 'c', 'd', 'e'] },
          { check: 'row_count_between', min: 1, max: 10 },
          { check: 'type', column: 'age', type: 'integer' },
          { check: 'type', column: 'score', type: 'string', severity: 'warn' },
          { check: 'mean_between', column: 'score', min: 0.4, max: 0.6 },
        ],
      },
      inputs: { table: people },
    });
    const report = outputs.report.json as { success: boolean; results: CheckResult[] };
    const byName = new Map(report.results.map((r) => [r.name, r]));
    expect(byName.get('not_null email')).toMatchObject({
      success: false,
      unexpected_count: 1,
      unexpected_percent: 20,
      partial_unexpected_index_list: [2],
    });
    expect(byName.get('unique email')).toMatchObject({
      success: false,
      unexpected_count: 2,
      partial_unexpected_list: ['x@y.org', 'x@y.org'],
    });
    expect(byName.get('regex email')).toMatchObject({ success: true, unexpected_count: 1, missing_count: 1, unexpected_percent: 25 });
    expect(byName.get('between age')).toMatchObject({ success: false, unexpected_count: 1, partial_unexpected_list: [200] });
    expect(byName.get('length_between id')!.success).toBe(true);
    expect(byName.get('in_set id')!.success).toBe(true);
    expect(byName.get('row_count_between')).toMatchObject({ success: true, observed_value: 5 });
    expect(byName.get('type age')).toMatchObject({ success: true, observed_value: 'INTEGER' });
    expect(byName.get('type score')).toMatchObject({ success: false, observed_value: 'DOUBLE' });
    expect(byName.get('mean_between score')!.observed_value).toBeCloseTo(0.5, 9);
    expect(report.success).toBe(true);
  });

  it('fails the step on an error check, naming the check and column', async () => {
    await expect(
      runOperator(qualityChecks, {
        db: t.db,
        config: { checks: [{ check: 'between', column: 'age', max: 100 }] },
        inputs: { table: people },
      }),
    ).rejects.toThrow(/check "between age" on column "age" failed: 1 unexpected \(25\.00%\), e\.g\. 200/);
    await expect(
      runOperator(qualityChecks, { db: t.db, config: { checks: [{ check: 'not_null', column: 'mail' }] }, inputs: { table: people } }),
    ).rejects.toThrow(/check "not_null mail" on column "mail" could not run: no column "mail"; columns are: id, email, age, score/);
  });
});

const GX = 'great-expectations/great_expectations/tests/test_sets';
const csv = corpusPath(`${GX}/Titanic.csv`);

/** Our check kinds under GX's expectation names, to pair results with the expected file. */
const GX_TYPE: Record<string, string> = {
  column_exists: 'expect_column_to_exist',
  mean_between: 'expect_column_mean_to_be_between',
  between: 'expect_column_values_to_be_between',
  regex: 'expect_column_values_to_match_regex',
  in_set: 'expect_column_values_to_be_in_set',
};

describe.skipIf(!csv)(`GX Titanic suite (${csv ? 'corpus present' : corpusSkipReason(`${GX}/Titanic.csv`)})`, () => {
  it('reproduces the expected pass/fail and unexpected counts of every expectation', async () => {
    const parquet = join(await mkdtemp(join(tmpdir(), 'titanic-')), 'titanic.parquet');
    await withDuckDb((c) =>
      c.exec(`copy (select * from read_csv(${sqlString(csv!)}, header = true, nullstr = 'NA')) to ${sqlString(parquet)} (format parquet)`),
    );
    const { spec } = await loadYamlFile('configs/quality/titanic-checks.yaml', REPO_ROOT, CheckSuite, 'check suite');
    const ours = await runChecks(parquet, spec);
    const expected = JSON.parse(await readFile(corpusPath(`${GX}/titanic_expected_data_asset_validate_results.json`)!, 'utf8'));
    expect(ours.results).toHaveLength(expected.results.length);
    expect(ours.success).toBe(expected.success);
    for (const r of ours.results) {
      const match = expected.results.find(
        (e: { expectation_config: { expectation_type: string; kwargs: { column: string } } }) =>
          e.expectation_config.expectation_type === GX_TYPE[r.check] && e.expectation_config.kwargs.column === r.column,
      );
      expect(match, `${r.name} has a GX counterpart`).toBeDefined();
      expect(r.success, r.name).toBe(match.success);
      if (match.result.unexpected_count !== undefined) {
        expect(r.unexpected_count, r.name).toBe(match.result.unexpected_count);
        expect(r.unexpected_percent!, r.name).toBeCloseTo(match.result.unexpected_percent, 9);
        expect(r.partial_unexpected_list, r.name).toEqual(match.result.partial_unexpected_list);
        expect(r.partial_unexpected_index_list, r.name).toEqual(match.result.partial_unexpected_index_list);
      }
      if (match.result.missing_count !== undefined) expect(r.missing_count, r.name).toBe(match.result.missing_count);
      if (match.result.observed_value !== undefined) expect(r.observed_value as number).toBeCloseTo(match.result.observed_value, 9);
    }
    // Through the operator, the failing error check fails the step and names PClass.
    await expect(
      runOperator(qualityChecks, {
        db: t.db,
        config: { suite: join(REPO_ROOT, 'configs/quality/titanic-checks.yaml') },
        inputs: { table: parquet },
      }),
    ).rejects.toThrow(/check "in_set PClass" on column "PClass" failed: 1 unexpected/);
  });
});
