import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Variable } from '@tensorflow/tfjs';
import { buildAdapterConfig } from '../adapter/adapter-config.js';
import { CHECKPOINTS_DIR, writeAdapterFolder, writeAdapterWeights, type LoraTensors } from '../adapter/adapter-folder.js';
import { loraScale, type LoraSpec } from '../spec/lora-spec.js';
import { AdamW, scheduledLr } from './adam.js';
import { frozenBase, initLora, loraToTensors, resolveTargets, tensorsToLora } from './lora-runtime.js';
import { loadBaseModel } from './model-config.js';
import { seededRandom, shuffleInPlace } from './rng.js';
import { loadTf, type Tf } from './tf.js';
import { BOS, EOS, PAD, encode } from './tokenizer.js';
import { lmLoss, type LoraParams, type WeightProvider } from './transformer.js';
import type { TinyLlamaConfig } from './model-config.js';

export interface BuiltinTrainOptions {
  spec: LoraSpec;
  /** Already formatted training texts (see formatExample). */
  train: string[];
  eval: string[];
  outDir: string;
  /** Optimizer steps between LoRA checkpoints (for TracIn); default: a quarter of the run. */
  checkpointEvery?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface CheckpointInfo {
  step: number;
  /** Learning rate of the last optimizer step before the checkpoint (TracIn's eta_i). */
  learningRate: number;
  dir: string;
}

export interface BuiltinTrainResult {
  steps: number;
  trainTokens: number;
  seconds: number;
  tokensPerSecond: number;
  trainLoss: number;
  baseEvalLoss: number;
  evalLoss: number;
  evalTokens: number;
  targetModules: string[];
  trainableParams: number;
  baseModelDigest: string;
  adapterWeightsDigest: string;
  memory: { linearFp32Bytes: number; linearStoredBytes: number; savedBytes: number; savedRatio: number };
  checkpoints: CheckpointInfo[];
}

/** [BOS] text [EOS], cut to maxSeqLength + 1 tokens (inputs and shifted targets share it). */
export function tokenizeForTraining(texts: string[], maxSeqLength: number): number[][] {
  return texts.map((t) => encode(t, { bos: true, eos: true }).slice(0, maxSeqLength + 1)).filter((ids) => ids.length > 1 && ids[0] === BOS);
}

/** Right-pads a batch to its longest row: PAD targets are masked out of the loss. */
export function padBatch(rows: number[][]): { data: Int32Array; B: number; T1: number } {
  const T1 = Math.max(...rows.map((r) => r.length));
  const data = new Int32Array(rows.length * T1).fill(PAD);
  rows.forEach((r, b) => data.set(r, b * T1));
  return { data, B: rows.length, T1 };
}

/** Token-weighted mean loss over a set of sequences, in batches, without dropout. */
export function evalLoss(
  tf: Tf,
  cfg: TinyLlamaConfig,
  base: WeightProvider,
  rows: number[][],
  lora?: LoraParams,
  batchSize = 16,
): { loss: number; tokens: number } {
  let total = 0;
  let tokens = 0;
  for (let i = 0; i < rows.length; i += batchSize) {
    const chunk = rows.slice(i, i + batchSize);
    const { data, B, T1 } = padBatch(chunk);
    const n = chunk.reduce((a, r) => a + r.length - 1, 0);
    const loss = tf.tidy(() => lmLoss(tf, cfg, base, data, B, T1, lora).dataSync()[0]);
    total += loss * n;
    tokens += n;
  }
  return { loss: tokens ? total / tokens : NaN, tokens };
}

function abortIfNeeded(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('training aborted');
}

/**
 * LoRA / QLoRA on the shipped tiny Llama with tfjs (wasm): base frozen (NF4 for QLoRA), A/B
 * trained with AdamW, gradient accumulation, warmup + schedule, seeded dropout and data order.
 * Writes a PEFT adapter folder with checkpoints and trainer_state.json under outDir.
 */
export async function trainBuiltinLora(opts: BuiltinTrainOptions): Promise<BuiltinTrainResult> {
  const { spec } = opts;
  const tf = await loadTf();
  const model = await loadBaseModel(spec.baseModel);
  const cfg = model.config;
  const rand = seededRandom(spec.seed);
  const linears = resolveTargets(spec.targetModules, cfg);
  const trainRows = tokenizeForTraining(opts.train, spec.maxSeqLength);
  const evalRows = tokenizeForTraining(opts.eval, spec.maxSeqLength);
  if (!trainRows.length) throw new Error('no training rows: the dataset has no non-empty text in its train split');
  if (!evalRows.length) throw new Error('no eval rows: set evalFraction above 0 or give the dataset an eval split');

  const quant =
    spec.method === 'qlora'
      ? { blockSize: spec.quantization?.blockSize ?? 64, doubleQuant: spec.quantization?.doubleQuant ?? true }
      : undefined;
  const base = frozenBase(tf, model, quant);
  const initial = initLora(cfg, linears, spec.r, rand);
  const lora: LoraParams = { scale: loraScale(spec), dropout: spec.dropout, modules: loraToTensors(tf, initial, true) };
  const vars: Record<string, Variable> = {};
  for (const { A, B } of lora.modules.values()) {
    vars[(A as Variable).name] = A as Variable;
    vars[(B as Variable).name] = B as Variable;
  }
  const optimizer = new AdamW(tf, 0.9, 0.999, 1e-8, spec.weightDecay);
  const perStep = spec.batchSize * spec.gradientAccumulation;
  const stepsPerEpoch = Math.max(1, Math.ceil(trainRows.length / perStep));
  const totalSteps = spec.maxSteps ?? Math.max(1, Math.round(stepsPerEpoch * spec.epochs));
  const warmup = Math.floor(totalSteps * spec.warmupRatio);
  const checkpointEvery = opts.checkpointEvery ?? Math.max(1, Math.ceil(totalSteps / 4));
  const checkpoints: CheckpointInfo[] = [];
  await mkdir(join(opts.outDir, CHECKPOINTS_DIR), { recursive: true });

  try {
    opts.onProgress?.(0, totalSteps, 'evaluating the base model');
    const baseEval = evalLoss(tf, cfg, base.provider, evalRows);
    let order: number[] = [];
    let cursor = 0;
    const nextRows = (n: number) => {
      const out: number[][] = [];
      while (out.length < n) {
        if (cursor >= order.length) {
          order = shuffleInPlace(
            trainRows.map((_, i) => i),
            rand,
          );
          cursor = 0;
        }
        out.push(trainRows[order[cursor++]]);
      }
      return out;
    };
    let trainTokens = 0;
    let lossSum = 0;
    let lossCount = 0;
    const started = performance.now();
    for (let step = 0; step < totalSteps; step++) {
      const lr = scheduledLr(spec.learningRate, step, totalSteps, warmup, spec.lrScheduler);
      const summed: Record<string, ReturnType<typeof tf.zeros>> = {};
      for (let micro = 0; micro < spec.gradientAccumulation; micro++) {
        abortIfNeeded(opts.signal);
        const rows = nextRows(spec.batchSize);
        const { data, B, T1 } = padBatch(rows);
        trainTokens += rows.reduce((a, r) => a + r.length - 1, 0);
        const seed = spec.seed * 7919 + step * 131 + micro;
        const { value, grads } = tf.variableGrads(
          () => lmLoss(tf, cfg, base.provider, data, B, T1, lora, { training: true, seed }),
          Object.values(vars),
        );
        lossSum += (await value.data())[0];
        lossCount++;
        for (const [name, g] of Object.entries(grads)) {
          const prev = summed[name];
          summed[name] = prev ? tf.add(prev, g) : g;
          if (prev) tf.dispose([prev, g]);
        }
        value.dispose();
        // Yield so an abort signal (and progress consumers) get a turn between micro-batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const averaged: Record<string, ReturnType<typeof tf.zeros>> = {};
      for (const [name, g] of Object.entries(summed))
        averaged[name] = spec.gradientAccumulation > 1 ? tf.div(g, spec.gradientAccumulation) : g;
      optimizer.step(vars, averaged, lr);
      tf.dispose([...Object.values(summed), ...Object.values(averaged)]);
      const done = step + 1;
      if (done % checkpointEvery === 0 || done === totalSteps) {
        const dir = join(opts.outDir, CHECKPOINTS_DIR, `step-${String(done).padStart(6, '0')}`);
        await mkdir(dir, { recursive: true });
        await writeAdapterWeights(join(dir, 'adapter_model.safetensors'), tensorsToLora(lora.modules));
        checkpoints.push({ step: done, learningRate: lr, dir });
      }
      opts.onProgress?.(done, totalSteps, `step ${done}/${totalSteps} loss ${(lossSum / lossCount).toFixed(4)}`);
    }
    const seconds = (performance.now() - started) / 1000;
    opts.onProgress?.(totalSteps, totalSteps, 'evaluating the adapter');
    const adapterEval = evalLoss(tf, cfg, base.provider, evalRows, lora);
    const final: LoraTensors = tensorsToLora(lora.modules);
    const targetNames = [...new Set(linears.map((l) => l.split('.').pop()!))];
    const written = await writeAdapterFolder(opts.outDir, buildAdapterConfig(spec, model.name, targetNames), final);
    const trainableParams = [...final.values()].reduce((a, { A, B }) => a + A.data.length + B.data.length, 0);
    const result: BuiltinTrainResult = {
      steps: totalSteps,
      trainTokens,
      seconds,
      tokensPerSecond: trainTokens / seconds,
      trainLoss: lossSum / Math.max(1, lossCount),
      baseEvalLoss: baseEval.loss,
      evalLoss: adapterEval.loss,
      evalTokens: adapterEval.tokens,
      targetModules: targetNames,
      trainableParams,
      baseModelDigest: model.digest,
      adapterWeightsDigest: written.weightsDigest,
      memory: {
        linearFp32Bytes: base.linearFp32Bytes,
        linearStoredBytes: base.linearStoredBytes,
        savedBytes: base.linearFp32Bytes - base.linearStoredBytes,
        savedRatio: 1 - base.linearStoredBytes / base.linearFp32Bytes,
      },
      checkpoints: checkpoints.map((c) => ({ ...c, dir: c.dir })),
    };
    const state = {
      backend: 'builtin',
      method: spec.method,
      quantization: quant ?? null,
      base_model: model.name,
      base_model_digest: model.digest,
      lora_scale: lora.scale,
      max_seq_length: spec.maxSeqLength,
      checkpoints: checkpoints.map((c) => ({
        step: c.step,
        learning_rate: c.learningRate,
        path: `${CHECKPOINTS_DIR}/step-${String(c.step).padStart(6, '0')}`,
      })),
      eos_token_id: EOS,
    };
    await writeFile(join(opts.outDir, 'trainer_state.json'), JSON.stringify(state, null, 2) + '\n');
    return result;
  } finally {
    base.dispose();
    optimizer.dispose();
    for (const { A, B } of lora.modules.values()) tf.dispose([A, B]);
  }
}
