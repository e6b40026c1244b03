import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { runOperator } from '@datanet/pipelines/testing';
import { describe, expect, it } from 'vitest';
import { attributionInfluence, tracInAttribution, type GradientSource } from '../src/index.js';

describe('TracIn core', () => {
  it('sums lr x dot over checkpoints, credits positive influence only, normalises per inference', async () => {
    // Gradients are fixed vectors per text so the expected influence can be computed by hand.
    const vec: Record<string, number[]> = { a: [1, 0], b: [0, 1], c: [-1, 0], t1: [2, 1], t2: [-1, -1] };
    const source: GradientSource = async (texts) => ({
      checkpoints: [0.5, 0.25].map((lr, c) => ({
        learningRate: lr,
        gradients: texts.map((t) => Float32Array.from(vec[t].map((x) => x * (c + 1)))),
      })),
    });
    const train = ['a', 'b', 'c'].map((t) => ({ text: t, contributionId: `id-${t}`, contributor: `0x${t}` }));
    const [s1, s2] = await tracInAttribution(source, train, ['t1', 't2'], { batch: 2 });
    // t1: a -> 0.5*2 + 0.25*(2*2*... ) : checkpoint 2 doubles both gradients, so dot x4.
    const infl = (g: number[], t: number[]) => 0.5 * (g[0] * t[0] + g[1] * t[1]) + 0.25 * 4 * (g[0] * t[0] + g[1] * t[1]);
    expect(s1.map((s) => s.contributionId)).toEqual(['id-a', 'id-b']);
    expect(s1[0].influence).toBeCloseTo(infl(vec.a, vec.t1), 6);
    expect(s1[0].score + s1[1].score).toBeCloseTo(1, 9);
    expect(s2.map((s) => s.contributionId)).toEqual(['id-c']);
    expect(s2[0].score).toBe(1);
  });
});

// A small domain the base model has not seen in this form; each answer is one contribution.
const topics = ['heart', 'liver', 'kidney', 'lung', 'brain', 'skin', 'stomach', 'bone'];
const actions = [
  'pumps blood through',
  'filters toxins from',
  'balances salts in',
  'brings oxygen to',
  'sends signals across',
  'shields',
  'digests food for',
  'holds up',
  'sees for',
];
const rows = [...topics, 'eye'].map((t, i) => ({
  prompt: `What does the ${t} do?`,
  response: `The ${t} ${actions[i]} the body every day, and a doctor checks the ${t} with scan number ${i * 37 + 11}.`,
  id: `c-${t}`,
  contributor: '0x' + String(i + 1).padStart(40, '0'),
}));

describe('attribution.influence with the builtin trainer (operators/train)', () => {
  it('credits an inference that repeats a training answer to that contribution', async () => {
    const { trainLora } = await import('@datanet/train');
    const dataset = new Table({
      prompt: vectorFromArray(
        rows.map((r) => r.prompt),
        new Utf8(),
      ),
      response: vectorFromArray(
        rows.map((r) => r.response),
        new Utf8(),
      ),
      contribution_id: vectorFromArray(
        rows.map((r) => r.id),
        new Utf8(),
      ),
      contributor: vectorFromArray(
        rows.map((r) => r.contributor),
        new Utf8(),
      ),
      split: vectorFromArray(
        rows.map((_, i) => (i === topics.length ? 'eval' : 'train')),
        new Utf8(),
      ),
    });
    const trained = await runOperator(trainLora, {
      config: {
        r: 4,
        alpha: 8,
        dropout: 0,
        targetModules: 'all-linear',
        learningRate: 3e-3,
        maxSteps: 12,
        batchSize: 8,
        maxSeqLength: 96,
        seed: 3,
        checkpointEvery: 6,
      },
      inputs: { dataset },
    });
    const picks = [1, 4, 6];
    const inferences = new Table({
      inference_id: vectorFromArray(
        picks.map((p) => `inf-${p}`),
        new Utf8(),
      ),
      prompt: vectorFromArray(
        picks.map((p) => rows[p].prompt),
        new Utf8(),
      ),
      output: vectorFromArray(
        picks.map((p) => rows[p].response.replace('every day', 'each day')),
        new Utf8(),
      ),
    });
    const { outputs } = await runOperator(attributionInfluence, { inputs: { model: trained.outputs.adapter.ref, dataset, inferences } });
    const out = outputs.attributions.table!.toArray().map((r: any) => r.toJSON());
    let top1 = 0;
    for (const p of picks) {
      const mine = out.filter((r: any) => r.inference_id === `inf-${p}`).sort((a: any, b: any) => b.score - a.score);
      expect(mine.reduce((a: number, r: any) => a + r.score, 0)).toBeCloseTo(1, 6);
      expect(mine.every((r: any) => JSON.parse(r.evidence).influence > 0)).toBe(true);
      expect(mine.some((r: any) => r.contribution_id === 'c-eye')).toBe(false);
      if (mine[0].contribution_id === rows[p].id) top1++;
    }
    console.log(`influence planted top-1: ${top1}/${picks.length}`);
    expect(top1).toBeGreaterThanOrEqual(2);
  }, 300_000);
});
