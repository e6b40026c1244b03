import { join } from 'node:path';
import type { Variable } from '@tensorflow/tfjs';
import { readSafetensorsFile } from '../adapter/safetensors.js';
import { fromPeftTensors } from '../adapter/adapter-folder.js';
import { loraToTensors } from './lora-runtime.js';
import { loadRuntime } from './adapter-runtime.js';
import { EXAMPLES_PER_PASS, exampleGradients } from './example-gradients.js';
import { tokenizeForTraining } from './lora-trainer.js';
import type { LoraParams } from './transformer.js';

export interface CheckpointGradients {
  step: number;
  /** Learning rate of the last optimizer step before this checkpoint (TracIn's eta_i). */
  learningRate: number;
  /** One flat gradient per text, in `paramNames` order. */
  gradients: Float32Array[];
}

export interface LoraGradientResult {
  /** `<module>.lora_A.weight` / `.lora_B.weight` names, sorted; each occupies a contiguous slice. */
  paramNames: string[];
  paramShapes: number[][];
  paramCount: number;
  checkpoints: CheckpointGradients[];
}

/**
 * For TracIn (Pruthi et al. 2020): the gradient of each text's mean next-token loss with respect
 * to the LoRA parameters, at every checkpoint saved during builtin training, plus each
 * checkpoint's learning rate. Influence of a training text z on a test text z' is then
 * sum_i lr_i * <g_i(z), g_i(z')>. Texts are formatted like training rows (formatExample).
 */
export async function loraGradientsAtCheckpoints(adapterDir: string, texts: string[]): Promise<LoraGradientResult> {
  const rt = await loadRuntime({ adapterDir });
  const { tf } = rt;
  try {
    if (!rt.state?.checkpoints.length) {
      throw new Error(`${adapterDir}: no checkpoints in trainer_state.json; only builtin-trained adapters keep them`);
    }
    const rows = tokenizeForTraining(texts, rt.state.max_seq_length);
    if (rows.length !== texts.length) throw new Error('every text must be non-empty');
    const checkpoints: CheckpointGradients[] = [];
    let names: string[] = [];
    let shapes: number[][] = [];
    for (const cp of rt.state.checkpoints) {
      const path = join(adapterDir, cp.path, 'adapter_model.safetensors');
      const modules = fromPeftTensors((await readSafetensorsFile(path)).tensors, path);
      const lora: LoraParams = { scale: rt.state.lora_scale, dropout: 0, modules: loraToTensors(tf, modules, true) };
      const vars: Record<string, Variable> = {};
      for (const [linear, { A, B }] of lora.modules) {
        vars[`base_model.model.${linear}.lora_A.weight`] = A as Variable;
        vars[`base_model.model.${linear}.lora_B.weight`] = B as Variable;
      }
      names = Object.keys(vars).sort();
      shapes = names.map((n) => vars[n].shape as number[]);
      const gradients: Float32Array[] = new Array<Float32Array>(rows.length);
      const paramCount = names.reduce((a, n) => a + vars[n].size, 0);
      const parts = names.map((n) => ({
        linear: n.slice('base_model.model.'.length, n.lastIndexOf('.lora_')),
        part: n.includes('.lora_A.') ? ('A' as const) : ('B' as const),
      }));
      // Rows of one length go through the model together (each row's gradient stays its own).
      for (const group of byLength(rows)) {
        const grads = exampleGradients(
          tf,
          rt.model.config,
          rt.base.provider,
          lora,
          group.map((i) => rows[i]),
          parts,
          paramCount,
        );
        group.forEach((i, k) => (gradients[i] = grads[k]));
      }
      checkpoints.push({ step: cp.step, learningRate: cp.learning_rate, gradients });
      for (const { A, B } of lora.modules.values()) tf.dispose([A, B]);
    }
    return {
      paramNames: names,
      paramShapes: shapes,
      paramCount: shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0),
      checkpoints,
    };
  } finally {
    rt.dispose();
  }
}

/** TracIn score of a training text on a test text from their per-checkpoint gradients. */
export function tracInScore(result: LoraGradientResult, trainIndex: number, testIndex: number): number {
  let score = 0;
  for (const cp of result.checkpoints) {
    const a = cp.gradients[trainIndex];
    const b = cp.gradients[testIndex];
    let dot = 0;
    for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
    score += cp.learningRate * dot;
  }
  return score;
}

/** Row indices grouped by row length, in first-seen order, at most EXAMPLES_PER_PASS per group. */
function byLength(rows: number[][]): number[][] {
  const open = new Map<number, number[]>();
  const groups: number[][] = [];
  rows.forEach((row, i) => {
    let g = open.get(row.length);
    if (!g || g.length >= EXAMPLES_PER_PASS) {
      g = [];
      open.set(row.length, g);
      groups.push(g);
    }
    g.push(i);
  });
  return groups;
}
