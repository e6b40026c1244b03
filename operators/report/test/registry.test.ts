import { mkdtemp } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contributorStats } from '@datanet/datanet';
import { DB_ENGINES, openTestDb, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { buildQualityReport, reportQuality, type QualityReportModel } from '../src/index.js';
import { ALICE, BOB, CAROL, DATANET, MALLORY, fixtureTables, seedRegistry, writeFixtureInputs } from './fixtures.js';

describe.each(DB_ENGINES)('report with the Datanet registry on %s', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
    await seedRegistry(t.db, t.dialect);
  });
  afterAll(async () => t?.close());

  it('takes acceptance by files and standing from the registry, per contributor', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-'));
    const m = await buildQualityReport({
      datanet: DATANET,
      runId: 'r',
      inputs: await writeFixtureInputs(dir),
      registry: { db: t.db, dialect: t.dialect },
    });
    expect(m.sources.registry).toBe(true);
    expect(m.totals).toMatchObject({ submittedFiles: 7, acceptedFiles: 5, rejectedFiles: 2 });
    expect(m.totals.acceptanceRate).toBeCloseTo(5 / 7, 10);
    const stats = await contributorStats(t.db, DATANET);
    const rate = Object.fromEntries(m.contributors.map((c) => [c.contributor, c.acceptanceRate]));
    expect(rate).toEqual({ [ALICE]: 1, [BOB]: 2 / 3, [CAROL]: 1 / 2 });
    for (const s of stats) {
      const c = m.contributors.find((x) => x.contributor === s.contributor)!;
      expect(c).toMatchObject({
        standing: s.standing,
        standingSource: 'registry',
        acceptanceBasis: 'files',
        submittedFiles: s.submittedFiles,
      });
    }
    // Mallory only named herself in a forged submission: a reason in the chart, not a contributor.
    expect(m.contributors.some((c) => c.contributor === MALLORY)).toBe(false);
    expect(m.rejectionReasons.find((r) => r.reason === 'bad_signature')?.count).toBe(1);
    // Sorted by acceptance rate, best first.
    expect(m.contributors.map((c) => c.contributor)).toEqual([ALICE, BOB, CAROL]);
  });

  it('runs as the report.quality operator through the engine and writes JSON plus HTML', async () => {
    const tables = fixtureTables();
    const out = await runOperator(reportQuality, {
      db: t.db,
      dialect: t.dialect,
      config: { topClusters: 5 },
      inputs: {
        accepted: tables.accepted,
        rejections: tables.rejections,
        duplicates: tables.exactDuplicates,
        nearDuplicates: tables.nearDuplicates,
        qualityRejected: tables.qualityRejected,
        qualityScores: tables.scores,
      },
    });
    const report = out.outputs.report;
    expect(report.ref.kind).toBe('report');
    const m = report.json as QualityReportModel;
    // The Datanet id comes from the tables' datanet column, so the registry is consulted.
    expect(m.datanet).toBe(DATANET);
    expect(m.sources.registry).toBe(true);
    expect(m.contributors.find((c) => c.contributor === BOB)?.acceptanceRate).toBeCloseTo(2 / 3, 10);
    expect(m.rejectionReasons.find((r) => r.reason === 'near_duplicate')?.count).toBe(2);
    expect(m.rules.map((r) => r.rule).sort()).toEqual(['c4.terminal_punct', 'gopher.min_words']);
    const html = readFileSync(String(report.ref.meta.html), 'utf8');
    expect(html).toContain('<svg class="chart" data-chart="acceptance-rate"');
    expect(html).toContain(`data-contributor="${CAROL}"`);
    expect(out.logs.some((l) => /report\.quality: 3 contributors, 9 accepted/.test(l.message))).toBe(true);
  });
});
