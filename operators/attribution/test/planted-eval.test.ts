import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusPath, corpusSkipReason } from '@datanet/pipelines/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSpanIndex, SpanIndex } from '../src/index.js';
import { occurrencesIn, plantedEval, readMedquad, spanRanker } from './planted-eval.js';
import { syntheticDocs } from './synthetic-corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'planted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SAMPLE = 'medquad/medquad_sample_150_per_source.jsonl';
const sample = corpusPath(SAMPLE);

describe('planted-output evaluation of span attribution', () => {
  it('project-generated text: top-1 >= 0.9', async () => {
    const docs = syntheticDocs(2000, { vocab: 3000, seed: 21 });
    buildSpanIndex(docs, { outDir: join(dir, 'gen') });
    const res = await plantedEval(docs, spanRanker(SpanIndex.open(join(dir, 'gen'))), { trials: 200, words: 40, seed: 5 });
    expect(res.top1).toBeGreaterThanOrEqual(0.9);
    expect(res.top5).toBeGreaterThanOrEqual(res.top1);
  });

  describe.skipIf(!sample)(sample ? 'MedQuAD sample (1,350 real answers from 9 NIH sites)' : corpusSkipReason(SAMPLE), () => {
    it('top-1 >= 0.9 on passages copied from real answers with light edits', async () => {
      const docs = readMedquad(sample!);
      buildSpanIndex(docs, { outDir: join(dir, 'mq') });
      const index = SpanIndex.open(join(dir, 'mq'));
      const res = await plantedEval(docs, spanRanker(index), { trials: 200, words: 40, seed: 9, occurrences: occurrencesIn(index) });
      console.log('MedQuAD sample planted eval', res);
      expect(res.top1).toBeGreaterThanOrEqual(0.9);
      // Passages that occur once identify their source; anything less than near-perfect there is a bug.
      expect(res.top1UniquePassages).toBeGreaterThanOrEqual(0.95);
    });
  });
});
