import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datanet, REPO } from './cli.js';

const medquad = join(REPO, '..', 'shared', 'corpora', 'medquad', 'medquad_with_answers.jsonl.gz');
const present = existsSync(medquad);
if (!present && process.env.CI === 'true') throw new Error(`${medquad} is missing; CI must have ../shared/corpora`);

describe.skipIf(!present)(`MedQuAD intake${present ? '' : ` (skipped: ${medquad} is absent)`}`, () => {
  it("signs the nine sources, finds MedQuAD's 598 exact-duplicate answers, and shows provenance and reasons", async () => {
    const state = mkdtempSync(join(tmpdir(), 'datanet-mq-intake-'));
    const run = await datanet(state, ['run', 'configs/pipelines/medical-qa-intake.yaml', '-q', '--param', `medquad=${medquad}`]);
    expect(run.status).toBe('succeeded');
    const submit = await datanet(state, ['inspect', run.runId, 'submit', '-n', '100']);
    expect(new Set(submit.rows.map((r: { source: string }) => r.source)).size).toBe(9);

    const accepted = await datanet(state, ['inspect', run.runId, 'ingest', '--output', 'accepted', '-n', '1']);
    for (const column of [
      'id',
      'contributor',
      'licence',
      'consent',
      'submitted_at',
      'validator_version',
      'submission_id',
      'source_file',
      'question',
      'answer',
    ]) {
      expect(accepted.columns, column).toHaveProperty(column);
    }
    expect(accepted.rows[0].contributor).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const rejections = await datanet(state, ['inspect', run.runId, 'ingest', '--output', 'rejections', '-n', '100']);
    expect(new Set(rejections.rows.map((r: { reason_code: string }) => r.reason_code))).toEqual(new Set(['duplicate_record']));
    expect(rejections.rows[0].duplicate_of).toMatch(/[0-9a-f]{64}/);

    const exact = run.steps.find((s: { id: string }) => s.id === 'exact');
    // Intake refuses an identical (question, answer) record; dedupe.exact finds the other repeated answers.
    expect(rejections.numRows + exact.outputs.duplicates.rows).toBe(598);

    // Copied passages: an answer a quarter or more contained in an earlier one is rejected as
    // reused, crediting that source, and the match names the copied spans.
    const reused = await datanet(state, ['inspect', run.runId, 'reuse', '--output', 'rejected', '-n', '5']);
    expect(reused.numRows).toBeGreaterThan(0);
    for (const r of reused.rows) {
      expect(r.reason_code).toBe('reused');
      expect(r.source_id).toMatch(/\S/);
      expect(r.source_id).not.toBe(r.id);
      expect(r.containment).toBeGreaterThanOrEqual(0.25);
    }
    const matches = await datanet(state, ['inspect', run.runId, 'reuse', '--output', 'matches', '-n', '1']);
    expect(JSON.parse(matches.rows[0].spans).length).toBeGreaterThan(0);
  });
});
