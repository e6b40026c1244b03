/**
 * TracIn (Pruthi et al. 2020) over LoRA parameters: the influence of a training text z on a test
 * text z' is sum over checkpoints c of lr_c * <g_c(z), g_c(z')>, g_c the gradient of the text's
 * loss w.r.t. the LoRA parameters at checkpoint c. Only positive influence is credited (a training
 * example that pushed the model away from an output earns nothing and is charged nothing).
 */

/** Per checkpoint: its learning rate and one flat gradient per text, in the order asked. */
export interface CheckpointGradients {
  learningRate: number;
  gradients: Float32Array[];
}

/** What attribution needs from a trainer (operators/train's loraGradientsAtCheckpoints fits it). */
export type GradientSource = (texts: string[]) => Promise<{ checkpoints: CheckpointGradients[] }>;

export interface TrainingText {
  text: string;
  contributionId: string;
  contributor: string;
}

export interface InfluenceScore {
  contributionId: string;
  contributor: string;
  /** Share of the inference's positive influence (sums to 1 per inference). */
  score: number;
  /** Summed positive TracIn influence, unnormalised. */
  influence: number;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Influence of every training text on every test text, row-major [train][test]: training gradients
 * are computed `batch` texts at a time so memory stays bounded by the batch, not the dataset. Rows
 * are independent, so slices of the training texts can be computed apart (in threads) and joined.
 */
export async function influenceMatrix(
  source: GradientSource,
  train: readonly string[],
  tests: readonly string[],
  opts: { batch?: number; onProgress?(done: number, total: number): void } = {},
): Promise<Float64Array> {
  const batch = opts.batch ?? 64;
  const testGrads = (await source([...tests])).checkpoints;
  const out = new Float64Array(train.length * tests.length);
  for (let start = 0; start < train.length; start += batch) {
    const chunk = train.slice(start, start + batch);
    const trainGrads = (await source([...chunk])).checkpoints;
    if (trainGrads.length !== testGrads.length)
      throw new Error(`gradient source gave ${trainGrads.length} checkpoints for training texts but ${testGrads.length} for test texts`);
    for (let k = 0; k < chunk.length; k++) {
      for (let j = 0; j < tests.length; j++) {
        let infl = 0;
        for (let c = 0; c < testGrads.length; c++)
          infl += trainGrads[c].learningRate * dot(trainGrads[c].gradients[k], testGrads[c].gradients[j]);
        out[(start + k) * tests.length + j] = infl;
      }
    }
    opts.onProgress?.(Math.min(train.length, start + batch), train.length);
  }
  return out;
}

/** Positive influence summed per contribution (in training order) and normalised per test text. */
export function influenceScores(train: readonly TrainingText[], tests: number, matrix: Float64Array): InfluenceScore[][] {
  const perTest = Array.from({ length: tests }, () => new Map<string, { contributor: string; influence: number }>());
  train.forEach((row, k) => {
    for (let j = 0; j < tests; j++) {
      const infl = matrix[k * tests + j];
      if (!(infl > 0)) continue;
      const m = perTest[j];
      const e = m.get(row.contributionId);
      if (e) e.influence += infl;
      else m.set(row.contributionId, { contributor: row.contributor, influence: infl });
    }
  });
  return perTest.map((m) => {
    const total = [...m.values()].reduce((a, e) => a + e.influence, 0);
    return [...m]
      .map(([contributionId, e]) => ({ contributionId, contributor: e.contributor, influence: e.influence, score: e.influence / total }))
      .sort((a, b) => b.score - a.score || (a.contributionId < b.contributionId ? -1 : 1));
  });
}

/** Scores each test text against every training text (influenceMatrix, then influenceScores). */
export async function tracInAttribution(
  source: GradientSource,
  train: readonly TrainingText[],
  tests: readonly string[],
  opts: { batch?: number; onProgress?(done: number, total: number): void } = {},
): Promise<InfluenceScore[][]> {
  const matrix = await influenceMatrix(
    source,
    train.map((t) => t.text),
    tests,
    opts,
  );
  return influenceScores(train, tests.length, matrix);
}
