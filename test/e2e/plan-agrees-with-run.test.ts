// Acceptance 2 of issue 11: after two identical runs of a pipeline, `datanet plan` lists as "run"
// exactly the steps a third run executes. Real CLI, fresh state folder per pipeline.
// The demo runs on a small corpus (30 package READMEs instead of every README under node_modules):
// its training and generation cost the same, but intake, dedupe, quality and attribution stay
// small enough for a test; the full demo is covered by demo.test.ts. MedQuAD runs on every 4th
// record (all nine sources); the whole corpus runs in medical-qa-intake.test.ts.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusSample } from '@datanet/pipelines/testing';
import { describe, expect, it } from 'vitest';
import { datanet, REPO } from './cli.js';

const medquad = join(REPO, '..', 'shared', 'corpora', 'medquad', 'medquad_with_answers.jsonl.gz');
const present = existsSync(medquad);
if (!present && process.env.CI === 'true') throw new Error(`${medquad} is missing; CI must have ../shared/corpora`);

interface Summary {
  status: string;
  steps: { id: string; cached: boolean }[];
}

async function planAgainstRun(file: string, paramsOf: (state: string) => string[]): Promise<{ planned: string[]; ran: string[] }> {
  const state = mkdtempSync(join(tmpdir(), 'datanet-plan-run-'));
  const params = paramsOf(state);
  for (let i = 0; i < 2; i++) expect((await datanet<Summary>(state, ['run', file, '-q', ...params])).status).toBe('succeeded');
  const plan = await datanet<{ steps: { id: string; willRun: boolean }[] }>(state, ['plan', file, ...params]);
  const third = await datanet<Summary>(state, ['run', file, '-q', ...params]);
  expect(third.status).toBe('succeeded');
  return {
    planned: plan.steps
      .filter((s) => s.willRun)
      .map((s) => s.id)
      .sort(),
    ran: third.steps
      .filter((s) => !s.cached)
      .map((s) => s.id)
      .sort(),
  };
}

describe('datanet plan agrees with datanet run (third run after two identical ones)', () => {
  it('engine-demo', async () => {
    const { planned, ran } = await planAgainstRun('configs/pipelines/engine-demo.yaml', () => []);
    expect(planned).toEqual(ran);
  });

  it('demo (small corpus)', async () => {
    const { planned, ran } = await planAgainstRun('configs/pipelines/demo.yaml', (state) => [
      '--param',
      'corpus=../../node_modules/p*/README.md',
      '--param',
      `out=${state}/out`,
    ]);
    expect(planned).toEqual(ran);
    // `records` (table.sql with its optional second input unconnected) once keyed differently in plan.
    expect(planned).not.toContain('records');
  });

  it.skipIf(!present)(`MedQuAD intake${present ? '' : ` (skipped: ${medquad} is absent)`}`, async () => {
    const { planned, ran } = await planAgainstRun('configs/pipelines/medical-qa-intake.yaml', () => [
      '--param',
      `medquad=${corpusSample(medquad, 4)}`,
    ]);
    expect(planned).toEqual(ran);
  });
});
