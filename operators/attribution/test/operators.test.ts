import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { runOperator } from '@datanet/pipelines/testing';
import { describe, expect, it } from 'vitest';
import { attributionIndex, attributionSpans, attributeOutput, formatEvidence } from '../src/index.js';
import { syntheticDocs } from './synthetic-corpus.js';

const docs = syntheticDocs(200, { vocab: 400 });
const dataset = (rows: typeof docs) =>
  new Table({
    prompt: vectorFromArray(
      rows.map((d) => `question ${d.contributionId}?`),
      new Utf8(),
    ),
    response: vectorFromArray(
      rows.map((d) => d.text),
      new Utf8(),
    ),
    contribution_id: vectorFromArray(
      rows.map((d) => d.contributionId),
      new Utf8(),
    ),
    contributor: vectorFromArray(
      rows.map((d) => d.contributor),
      new Utf8(),
    ),
    split: vectorFromArray(
      rows.map(() => 'train'),
      new Utf8(),
    ),
  });

describe('attribution operators through the engine', () => {
  it('indexes a qa dataset, then attributes inferences with evidence; a child version reuses shards', async () => {
    const built = await runOperator(attributionIndex, { config: { maxShardPositions: 4000 }, inputs: { dataset: dataset(docs) } });
    const index = built.outputs.index.ref;
    expect(index.kind).toBe('index');
    const copied = docs[42].text.split(' ').slice(3, 33).join(' ');
    const inferences = new Table({
      inference_id: vectorFromArray(['i1', 'i2'], new Utf8()),
      output: vectorFromArray([`sure: ${copied}`, 'nothing here matches at all'], new Utf8()),
    });
    const { outputs } = await runOperator(attributionSpans, { inputs: { index, inferences } });
    const t = outputs.attributions.table!;
    const rows = t.toArray().map((r: any) => r.toJSON());
    const i1 = rows.filter((r: any) => r.inference_id === 'i1');
    expect(rows.some((r: any) => r.inference_id === 'i2')).toBe(false);
    expect(i1.reduce((a: number, r: any) => a + r.score, 0)).toBeCloseTo(1, 9);
    const best = i1.sort((a: any, b: any) => b.score - a.score)[0];
    expect(best.contribution_id).toBe(docs[42].contributionId);
    expect(best.contributor).toBe(docs[42].contributor);
    expect(JSON.parse(best.evidence)[0].text.length).toBeGreaterThan(20);

    const child = await runOperator(attributionIndex, {
      config: { maxShardPositions: 4000 },
      inputs: { dataset: dataset([...docs, ...syntheticDocs(20, { vocab: 400, seed: 5, offset: 200 })]), parent: index },
    });
    expect(child.logs.some((l) => /reused from the parent/.test(l.message) && !/; 0 reused/.test(l.message))).toBe(true);

    const shown = await attributeOutput(index.path, copied);
    expect(formatEvidence(shown.scores)).toContain(docs[42].contributionId);
    // Two engine runs whose index builds start pool threads (each loads the sources through tsx):
    // over a minute when the shared machine is busy.
  }, 240_000);

  it('names the missing columns of a bad dataset', async () => {
    const bad = new Table({ body: vectorFromArray(['x'], new Utf8()) });
    await expect(runOperator(attributionIndex, { inputs: { dataset: bad } })).rejects.toThrow(/contribution_id|body/);
  });
});
