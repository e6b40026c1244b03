// Builtin trainer throughput on this machine: LoRA and QLoRA tokens/s (tfjs wasm, 1 thread), with
// forward-only evaluation of the same batches as the ceiling measured in the same run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './machine.js';
import { trainBuiltinLora, evalLoss, tokenizeForTraining } from '../operators/train/src/builtin/lora-trainer.js';
import { loadBaseModel } from '../operators/train/src/builtin/model-config.js';
import { frozenBase } from '../operators/train/src/builtin/lora-runtime.js';
import { loadTf } from '../operators/train/src/builtin/tf.js';
import { formatExample } from '../operators/train/src/builtin/tokenizer.js';
import { parseLoraSpec } from '../operators/train/src/spec/lora-spec.js';

const STEPS = 12;
const REPEATS = 3;
const BATCH = 8;
const SEQ = 128;

function texts(n: number): string[] {
  const words =
    'the patient doctor symptom treatment blood pressure heart disease may cause pain fever and should see a clinic for tests early care helps recovery'.split(
      ' ',
    );
  return Array.from({ length: n }, (_, i) => {
    const answer = Array.from({ length: 40 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ');
    return formatExample(`What should I know about case ${i}?`, answer);
  });
}

export async function run(): Promise<Record<string, unknown>> {
  const train = texts(BATCH * STEPS);
  const evalTexts = texts(32);
  const results: Record<string, unknown> = {
    steps: STEPS,
    batch: BATCH,
    maxSeqLength: SEQ,
    repeats: REPEATS,
    backend: 'tfjs wasm (1 thread)',
    model: 'datanet-tiny-llama',
  };
  const rates: Record<string, number[]> = { lora: [], qlora: [] };
  let memory: unknown;
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const method of ['lora', 'qlora'] as const) {
      const outDir = await mkdtemp(join(tmpdir(), 'bench-train-'));
      const spec = parseLoraSpec({
        method,
        r: 8,
        alpha: 16,
        targetModules: 'all-linear',
        maxSteps: STEPS,
        batchSize: BATCH,
        maxSeqLength: SEQ,
        learningRate: 2e-3,
      });
      const r = await trainBuiltinLora({ spec, train, eval: evalTexts, outDir });
      rates[method].push(r.tokensPerSecond);
      if (method === 'qlora') memory = r.memory;
      await rm(outDir, { recursive: true, force: true });
    }
  }
  const tf = await loadTf();
  const model = await loadBaseModel('datanet-tiny-llama');
  const base = frozenBase(tf, model);
  const rows = tokenizeForTraining(train, SEQ);
  const forward: number[] = [];
  for (let rep = 0; rep < REPEATS; rep++) {
    const t0 = performance.now();
    const { tokens } = evalLoss(tf, model.config, base.provider, rows, undefined, BATCH);
    forward.push(tokens / ((performance.now() - t0) / 1000));
  }
  base.dispose();
  const lora = median(rates.lora);
  const qlora = median(rates.qlora);
  const fwd = median(forward);
  Object.assign(results, {
    loraTokensPerSecond: Math.round(lora),
    qloraTokensPerSecond: Math.round(qlora),
    forwardOnlyTokensPerSecond: Math.round(fwd),
    qloraOverLora: Number((qlora / lora).toFixed(3)),
    loraOverForwardOnly: Number((lora / fwd).toFixed(3)),
    qloraBaseMemory: memory,
    samples: { lora: rates.lora.map(Math.round), qlora: rates.qlora.map(Math.round), forwardOnly: forward.map(Math.round) },
  });
  return results;
}
