import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { appendInferences, readInferenceLog, type InferenceRecord } from '../src/registry/inference-log.js';
import { getModel, listModels, registerModel, type NewModel } from '../src/registry/model-registry.js';

const model = (digest: string): NewModel => ({
  name: 'medical-qa-lora',
  adapterDigest: digest,
  adapterPath: `/store/${digest}`,
  backend: 'builtin',
  method: 'lora',
  baseModel: 'datanet-tiny-llama',
  baseModelDigest: 'sha256:base',
  specHash: 'sha256:spec',
  datasetVersion: 'medical-qa@3',
  datasetRoot: '0xroot',
  datasetDigest: 'sha256:data',
  metrics: { evalLoss: 1.5, baseEvalLoss: 2 },
  createdRun: 'run-1',
});

describe.each(DB_ENGINES)('train registry on %s', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
  });
  afterAll(async () => t?.close());

  it('gives each new adapter the next version and the same adapter its old one', async () => {
    const a = await registerModel(t.db, model('sha256:a'));
    const b = await registerModel(t.db, model('sha256:b'));
    const again = await registerModel(t.db, model('sha256:a'));
    expect([a.id, b.id, again.id]).toEqual(['medical-qa-lora@1', 'medical-qa-lora@2', 'medical-qa-lora@1']);
    expect(typeof a.createdAt).toBe('number');
    expect((await getModel(t.db, 'medical-qa-lora'))?.id).toBe('medical-qa-lora@2');
    expect((await getModel(t.db, 'medical-qa-lora@1'))?.metrics).toEqual({ evalLoss: 1.5, baseEvalLoss: 2 });
    expect(await getModel(t.db, 'nope@1')).toBeUndefined();
    expect((await listModels(t.db)).map((m) => m.version)).toEqual([1, 2]);
  });

  it('allocates distinct versions under concurrent registration', async () => {
    const records = await Promise.all(['c', 'd', 'e', 'f'].map((d) => registerModel(t.db, { ...model(`sha256:${d}`), name: 'race' })));
    expect(records.map((r) => r.version).sort()).toEqual([1, 2, 3, 4]);
  });

  it('appends inferences once per id and keeps fees beyond 2^64 exact', async () => {
    const row = (id: string, fee: bigint): InferenceRecord => ({
      inferenceId: id,
      modelId: 'medical-qa-lora@1',
      baseModel: 'datanet-tiny-llama',
      adapterDigest: 'sha256:a',
      prompt: 'p',
      output: 'o',
      promptTokens: 3,
      outputTokens: 5,
      fee,
      source: 'operator',
      runId: 'r',
      createdAt: 1_700_000_000_000,
    });
    const big = 2n ** 70n + 1n;
    expect(await appendInferences(t.db, [row('i1', big), row('i2', 0n)])).toBe(2);
    expect(await appendInferences(t.db, [row('i1', big), row('i3', 7n)])).toBe(1);
    const log = await readInferenceLog(t.db);
    expect(log.map((r) => r.inferenceId)).toEqual(['i1', 'i2', 'i3']);
    expect(log[0].fee).toBe(big);
    expect(log[0].createdAt).toBe(1_700_000_000_000);
    expect(log[0].promptTokens).toBe(3);
  });
});
