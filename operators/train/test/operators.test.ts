import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusPath, corpusSkipReason, openTestDb, runOperator, REPO_ROOT, type TestDb } from '@datanet/pipelines/testing';
import { inferenceGenerate, trainLora } from '../src/index.js';
import { readSafetensorsHeader } from '../src/adapter/safetensors.js';
import { getModel } from '../src/registry/model-registry.js';
import { readInferenceLog } from '../src/registry/inference-log.js';
import { parse as parseYaml } from 'yaml';

const sample = corpusPath('medquad/medquad_sample_150_per_source.jsonl');
if (!sample) console.warn(corpusSkipReason('medquad/medquad_sample_150_per_source.jsonl'));
const run = promisify(execFile);

function qaTable(rows: { prompt: string; response: string; split: string }[]): Table {
  return new Table({
    prompt: vectorFromArray(
      rows.map((r) => r.prompt),
      new Utf8(),
    ),
    response: vectorFromArray(
      rows.map((r) => r.response),
      new Utf8(),
    ),
    split: vectorFromArray(
      rows.map((r) => r.split),
      new Utf8(),
    ),
  });
}

describe('train.lora and inference.generate operators', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
  });
  afterAll(async () => t?.close());

  it('train.lora writes a PEFT adapter + metrics and registers the model; inference.generate logs completions with fees', async () => {
    const rows = Array.from({ length: 80 }, (_, i) => ({
      prompt: `What is remedy ${i % 10}?`,
      response: `Remedy ${i % 10} is rest and water for ${i} days.`,
      split: i % 5 === 0 ? 'eval' : 'train',
    }));
    const trained = await runOperator(trainLora, {
      config: {
        r: 4,
        alpha: 8,
        learningRate: 3e-3,
        maxSteps: 6,
        batchSize: 8,
        maxSeqLength: 64,
        modelName: 'remedies',
        datasetVersion: 'remedies@1',
        datasetRoot: '0x01',
      },
      inputs: { dataset: qaTable(rows) },
      db: t.db,
      dialect: 'pglite',
    });
    const adapter = trained.outputs.adapter.ref;
    expect(adapter.kind).toBe('model');
    const files = await readdir(adapter.path);
    expect(files).toEqual(
      expect.arrayContaining(['adapter_config.json', 'adapter_model.safetensors', 'README.md', 'trainer_state.json', 'checkpoints']),
    );
    const header = await readSafetensorsHeader(join(adapter.path, 'adapter_model.safetensors'));
    expect(header.tensors['base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight'].shape).toEqual([4, 64]);
    const report = trained.outputs.metrics.json as {
      model: string;
      metrics: { evalLoss: number; baseEvalLoss: number };
      lineage: Record<string, string>;
    };
    expect(report.model).toBe('remedies@1');
    expect(report.metrics.evalLoss).toBeLessThan(report.metrics.baseEvalLoss);
    expect(report.lineage).toMatchObject({ datasetVersion: 'remedies@1', datasetRoot: '0x01', backend: 'builtin' });
    const card = await readFile(join(adapter.path, 'README.md'), 'utf8');
    expect(card).toContain('remedies@1');
    expect(card).toContain(report.lineage.specHash);
    const record = await getModel(t.db, 'remedies');
    expect(record).toMatchObject({ id: 'remedies@1', adapterDigest: adapter.digest, datasetVersion: 'remedies@1' });

    const fee = '1000000000000000000000'; // 1000 tokens of 18 decimals, beyond int64
    const inferred = await runOperator(inferenceGenerate, {
      config: { model: 'remedies@1', prompts: ['What is remedy 3?', 'What is remedy 4?'], maxNewTokens: 12, feePerToken: fee },
      db: t.db,
      dialect: 'pglite',
    });
    const table = inferred.outputs.inferences.table!;
    expect(table.numRows).toBe(2);
    const row = table.get(0)!.toJSON() as Record<string, unknown>;
    expect(row.model).toBe('remedies@1');
    expect(row.adapter_digest).toMatch(/^sha256:/);
    expect(BigInt(row.fee as string)).toBe(BigInt(fee) * BigInt((row.prompt_tokens as number) + (row.output_tokens as number)));
    const log = await readInferenceLog(t.db, { modelId: 'remedies@1' });
    expect(log.map((r) => r.output)).toEqual([table.get(0)!.output, table.get(1)!.output]);
  }, 120_000);

  it('gives the same adapter digest for the same data, spec and seed (run timings stay out of the folder)', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      prompt: `Dose ${i % 7}?`,
      response: `Take ${i % 7} mg twice.`,
      split: i % 5 === 0 ? 'eval' : 'train',
    }));
    const digests: string[] = [];
    for (const name of ['same-a', 'same-b']) {
      const db = await openTestDb('pglite');
      try {
        const out = await runOperator(trainLora, {
          config: { r: 2, alpha: 4, maxSteps: 3, batchSize: 4, maxSeqLength: 32, modelName: 'same', datasetVersion: 'same@1' },
          inputs: { dataset: qaTable(rows) },
          db: db.db,
        });
        digests.push(out.outputs.adapter.ref.digest);
        const card = await readFile(join(out.outputs.adapter.ref.path, 'README.md'), 'utf8');
        expect(card, name).toContain('| trainLoss |');
        expect(card, name).not.toMatch(/\| (seconds|tokensPerSecond) \|/);
      } finally {
        await db.close();
      }
    }
    expect(digests[1]).toBe(digests[0]);
  }, 120_000);

  it('says what columns a dataset needs', async () => {
    const bad = new Table({ question: vectorFromArray(['q'], new Utf8()) });
    await expect(runOperator(trainLora, { config: { maxSteps: 1 }, inputs: { dataset: bad }, db: t.db })).rejects.toThrow(
      /needs prompt \+ response columns or a text column; it has question/,
    );
  });
});

describe.skipIf(!sample)('MedQuAD acceptance (configs/training/medquad-builtin.yaml)', () => {
  it('trains a builtin LoRA adapter with eval loss below the base model', async () => {
    const rows: { prompt: string; response: string; split: string }[] = [];
    for await (const line of createInterface({ input: createReadStream(sample!) })) {
      const r = JSON.parse(line);
      if (r.question && r.answer) rows.push({ prompt: r.question, response: r.answer, split: rows.length % 10 === 0 ? 'eval' : 'train' });
    }
    const config = parseYaml(await readFile(join(REPO_ROOT, 'configs/training/medquad-builtin.yaml'), 'utf8'));
    const db = await openTestDb('pglite');
    try {
      const started = Date.now();
      const out = await runOperator(trainLora, { config, inputs: { dataset: qaTable(rows) }, db: db.db });
      const seconds = (Date.now() - started) / 1000; // reported, not asserted: time limits live in `npm run bench -- train`
      const m = (out.outputs.metrics.json as { metrics: { evalLoss: number; baseEvalLoss: number; steps: number } }).metrics;
      console.log(
        `MedQuAD sample: ${rows.length} rows, ${m.steps} steps in ${seconds.toFixed(1)} s; eval loss ${m.baseEvalLoss.toFixed(4)} -> ${m.evalLoss.toFixed(4)}`,
      );
      expect(m.evalLoss).toBeLessThan(m.baseEvalLoss);
    } finally {
      await db.close();
    }
  }, 300_000);
});

describe('datanet CLI', () => {
  it('imports a training config and runs inference through the real CLI', async () => {
    const state = await mkdtemp(join(tmpdir(), 'datanet-cli-'));
    const env = { ...process.env, DATANET_STATE_DIR: state };
    const bin = join(REPO_ROOT, 'pipelines/bin/datanet.mjs');
    const cfg = corpusPath('training-configs/LLaMA-Factory/examples/train_qlora/qwen3_lora_sft_otfq.yaml');
    if (cfg) {
      const { stdout } = await run('node', [bin, '--json', 'train', 'import', cfg], { env });
      const result = JSON.parse(stdout);
      expect(result.spec).toMatchObject({ method: 'qlora', r: 8 });
      expect(result.dropped).toContain('template');
    }
    const { stdout } = await run(
      'node',
      [bin, '--json', 'infer', '--model', 'datanet-tiny-llama', '--max-new-tokens', '8', 'What is acne?'],
      { env },
    );
    const inference = JSON.parse(stdout);
    expect(inference).toMatchObject({ model: 'datanet-tiny-llama', promptTokens: 32, source: 'cli', fee: '0' });
    expect(inference.outputTokens).toBeGreaterThan(0);
    await expect(run('node', [bin, 'infer', '--model', 'no-such-model@1', 'hi'], { env })).rejects.toMatchObject({ code: 1 });
    await expect(run('node', [bin, 'infer', 'hi'], { env })).rejects.toMatchObject({ code: 2 });
    // Four CLI processes: each one's startup took 15-40 s at load average 20 on this 2-core machine.
  }, 400_000);
});
