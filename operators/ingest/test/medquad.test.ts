import { describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { corpusPath, corpusSkipReason, openTestDb, runOperator } from '@datanet/pipelines/testing';
import { contributorStats } from '@datanet/datanet';
import { ingestMedquad, ingestSubmissions, medquadDemoWallet } from '../src/index.js';
import { MEDICAL_QA_YAML, tempDir } from './fixtures.js';

const SAMPLE = 'medquad/medquad_sample_150_per_source.jsonl';
const sample = corpusPath(SAMPLE);

describe.skipIf(!sample)(`MedQuAD submitter (${sample ? 'sample' : corpusSkipReason(SAMPLE)})`, () => {
  it('signs nine sources as nine contributors, within the limits, and intake accepts them', async () => {
    const t = await openTestDb('pglite');
    try {
      const stateDir = await tempDir('medquad-');
      const config = { corpus: sample!, datanet: MEDICAL_QA_YAML, recordsPerFile: 7 };
      const sub = await runOperator(ingestMedquad, { config, db: t.db, dialect: t.dialect, stateDir });
      const rows = sub.outputs.submissions.table!.toArray().map((r) => r.toJSON());
      const sources = [...new Set(rows.map((r) => r.source))].sort();
      expect(sources).toHaveLength(9);
      for (const source of sources) {
        const mine = rows.filter((r) => r.source === source);
        expect(new Set(mine.map((r) => r.contributor))).toEqual(new Set([medquadDemoWallet(source).address]));
        expect(mine.reduce((n, r) => n + r.records, 0)).toBe(150);
        // 150 records in files of 7 make 22 files: two submissions, none over 20 files.
        expect(mine.map((r) => r.files)).toEqual([20, 2]);
      }
      const inbox = join(stateDir, 'inbox', 'medical-qa');
      expect(await readdir(inbox)).toHaveLength(rows.length);
      // Deterministic: a second run signs the same bytes and writes nothing new.
      const again = await runOperator(ingestMedquad, { config, db: t.db, dialect: t.dialect, stateDir });
      expect(again.outputs.submissions.ref.digest).toBe(sub.outputs.submissions.ref.digest);
      expect(await readdir(inbox)).toHaveLength(rows.length);

      const intake = await runOperator(ingestSubmissions, {
        config: { datanet: MEDICAL_QA_YAML },
        inputs: { submitted: sub.outputs.submissions.ref },
        db: t.db,
        dialect: t.dialect,
        stateDir,
      });
      const accepted = intake.outputs.accepted.table!;
      const rejections = intake.outputs.rejections.table!.toArray().map((r) => r.toJSON());
      // Only record-level duplicates (identical question and answer) are turned away at intake.
      expect(new Set(rejections.map((r) => r.reason_code))).toEqual(new Set(rejections.length ? ['duplicate_record'] : []));
      expect(accepted.numRows + rejections.length).toBe(9 * 150);
      const stats = await contributorStats(t.db, 'medical-qa');
      expect(stats).toHaveLength(9);
      for (const s of stats) expect(s.acceptanceRate).toBe(1);
    } finally {
      await t.close();
    }
  }, 120_000);
});
