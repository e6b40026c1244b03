import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { standingFrom } from '@datanet/datanet';
import { buildQualityReport, renderQualitySummary } from '../src/index.js';
import { ALICE, BOB, CAROL, DATANET, MALLORY, fixtureRows, writeFixtureInputs } from './fixtures.js';

describe('buildQualityReport from tables alone', () => {
  it('counts accepted, rejected, duplicate and quality-rejected records per contributor', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-'));
    const f = fixtureRows();
    const m = await buildQualityReport({ datanet: DATANET, runId: 'run-1', inputs: await writeFixtureInputs(dir) });

    expect(m.totals.acceptedRecords).toBe(f.accepted.length);
    expect(m.totals.intakeRejections).toBe(f.rejections.length);
    expect(m.totals.duplicates).toBe(f.exactDuplicates.length + f.nearDuplicates.length);
    expect(m.totals.qualityRejected).toBe(f.qualityRejected.length);
    expect(m.totals.keptRecords).toBe(f.accepted.length - 3 - 2);
    expect(m.totals.submittedFiles).toBeNull();
    expect(m.sources.registry).toBe(false);

    const byAddr = new Map(m.contributors.map((c) => [c.contributor, c]));
    expect([...byAddr.keys()].sort()).toEqual([ALICE, BOB, CAROL, MALLORY].sort());
    const bob = byAddr.get(BOB)!;
    // Bob: 3 accepted records, 1 rejected file; r4 and r5 were duplicates, r6 failed quality (found through the accepted table by id).
    expect(bob).toMatchObject({
      acceptedRecords: 3,
      intakeRejections: 1,
      duplicates: 2,
      qualityRejected: 1,
      acceptanceBasis: 'records',
      standingSource: 'tables',
    });
    expect(bob.acceptanceRate).toBeCloseTo(3 / 4, 10);
    expect(bob.standing).toBeCloseTo(standingFrom({ accepted: 3, revoked: 0 }), 10);
    expect(byAddr.get(MALLORY)!.acceptanceRate).toBe(0);
    expect(byAddr.get(CAROL)!.qualityRejected).toBe(1);
  });

  it('lists rejection reasons by stage with an example each', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-'));
    const m = await buildQualityReport({ datanet: DATANET, inputs: await writeFixtureInputs(dir) });
    const reason = (stage: string, code: string) => m.rejectionReasons.find((r) => r.stage === stage && r.reason === code);
    expect(reason('intake', 'invalid_utf8')).toMatchObject({ count: 1, example: expect.stringContaining('not UTF-8') });
    expect(reason('intake', 'bad_signature')?.count).toBe(1);
    expect(reason('dedupe', 'exact_duplicate')?.count).toBe(1);
    expect(reason('dedupe', 'near_duplicate')?.count).toBe(2);
    expect(reason('quality', 'gopher.min_words')).toMatchObject({ count: 1, example: '1 words, fewer than 50' });
    expect(m.rejectionReasons.reduce((s, r) => s + r.count, 0)).toBe(3 + 3 + 2);
  });

  it('groups duplicate clusters across exact and near passes, keepers from this run or earlier ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-'));
    const m = await buildQualityReport({
      datanet: DATANET,
      inputs: await writeFixtureInputs(dir),
      options: { examplesPerCluster: 5, excerptChars: 40 },
    });
    expect(m.duplicates).toMatchObject({ rows: 3, clusters: 2, largestCluster: 3, ofEarlierRuns: 1 });
    const [first, second] = m.duplicates.top;
    expect(first.clusterId).toBe('r1');
    expect(first.size).toBe(3);
    expect(first.keeper).toMatchObject({ id: 'r1', contributor: ALICE });
    expect(first.keeper.excerpt).toHaveLength(40);
    expect(first.keeperFromEarlierRun).toBe(false);
    expect(first.examples.map((x) => x.id)).toEqual(['r4', 'r5']);
    expect(first.examples[1].similarity).toBeCloseTo(0.84, 10);
    expect(second).toMatchObject({ clusterId: 'old-1', size: 2, keeperFromEarlierRun: true });
    expect(second.examples[0]).toMatchObject({ id: 'r7', contributor: CAROL });
  });

  it('summarises quality scores and per-rule pass rates from the filter report, or from failed_rules without it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-'));
    const f = fixtureRows();
    const withReport = await buildQualityReport({ datanet: DATANET, inputs: await writeFixtureInputs(dir) });
    const s = withReport.qualityScores!;
    const values = f.scores.map((x) => x.quality_score);
    expect(s.count).toBe(values.length);
    expect(s.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 10);
    expect(s.passed).toBe(f.scores.filter((x) => x.passed).length);
    expect(s.bins).toHaveLength(10);
    expect(s.bins.reduce((a, b) => a + b.count, 0)).toBe(values.length);
    expect(s.bins[9].count).toBe(values.filter((v) => v >= 0.9).length);
    const punct = withReport.rules.find((r) => r.rule === 'c4.terminal_punct')!;
    expect(punct).toMatchObject({ checked: 6, failed: 2, firstFailure: 1, family: 'c4' });
    expect(punct.passRate).toBeCloseTo(4 / 6, 10);
    expect(withReport.rules.find((r) => r.rule === 'fineweb.line_punct')?.passRate).toBe(1);

    const without = await buildQualityReport({
      datanet: DATANET,
      inputs: await writeFixtureInputs(join(dir, 'b'), { withQualityReport: false }),
    });
    expect(without.rules.map((r) => [r.rule, r.failed, r.firstFailure])).toEqual([
      ['c4.terminal_punct', 2, 1],
      ['gopher.min_words', 1, 1],
    ]);
    expect(without.rules[0].passRate).toBeCloseTo(4 / 6, 10);
  });

  it('works with only some tables and says what is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-'));
    const all = await writeFixtureInputs(dir);
    const m = await buildQualityReport({ datanet: DATANET, inputs: { duplicates: all.duplicates } });
    expect(m.totals.acceptedRecords).toBe(0);
    expect(m.totals.duplicates).toBe(3);
    expect(m.duplicates.top[0].keeperFromEarlierRun).toBe(true);
    expect(m.qualityScores).toBeNull();
    expect(m.notes.join('\n')).toMatch(/no accepted table/);
    // The duplicates table carries its own contributor column.
    expect(m.contributors.find((c) => c.contributor === BOB)?.duplicates).toBe(2);
  });

  it('names the table, the missing column and the setting to change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-'));
    const all = await writeFixtureInputs(dir);
    await expect(buildQualityReport({ datanet: DATANET, inputs: { ...all, columns: { id: 'record_id' } } })).rejects.toThrow(
      /accepted table \(.*accepted\.parquet\) has no column "record_id".*idColumn/,
    );
  });

  it('prints a terminal summary with every contributor and the top reasons', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-'));
    const m = await buildQualityReport({ datanet: DATANET, runId: 'run-1', inputs: await writeFixtureInputs(dir) });
    const text = renderQualitySummary(m);
    expect(text).toContain(`Datanet ${DATANET} · run run-1`);
    for (const c of [ALICE, BOB, CAROL]) expect(text).toContain(c);
    expect(text).toMatch(/near_duplicate\s+2/);
    expect(text).toContain('records: 9 accepted at intake, 3 duplicates, 2 failed quality, 4 kept');
  });

  it('lists declarative column checks from quality.checks reports', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-'));
    const checksReport = {
      operator: 'quality.checks',
      results: [
        {
          name: 'not_null text',
          check: 'not_null',
          column: 'text',
          severity: 'error',
          success: true,
          element_count: 9,
          unexpected_count: 0,
          unexpected_percent: 0,
        },
        { name: 'row_count_between', check: 'row_count_between', severity: 'warn', success: false, observed_value: 9 },
        { name: 'regex nope', check: 'regex', column: 'nope', severity: 'error', success: false, error: 'no column "nope"' },
      ],
    };
    const m = await buildQualityReport({ datanet: DATANET, inputs: { ...(await writeFixtureInputs(dir)), checksReports: [checksReport] } });
    expect(m.sources.checksReports).toBe(1);
    expect(m.checks.map((c) => [c.name, c.success, c.severity, c.observed])).toEqual([
      ['not_null text', true, 'error', null],
      ['row_count_between', false, 'warn', '9'],
      ['regex nope', false, 'error', 'no column "nope"'],
    ]);
    expect(m.checks[0]).toMatchObject({ elementCount: 9, unexpectedCount: 0, column: 'text' });
    expect(renderQualitySummary(m)).toContain('column checks: 1/3 passed; failed: row_count_between (warn), regex nope (error)');
  });
});
