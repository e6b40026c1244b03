// TracIn in a thread of @datanet/pipelines' kernel pool: gradients and their dot products are the
// heavy part; the operator on the engine's loop only splits the rows and joins the matrices.
import type { KernelContext } from '@datanet/pipelines';
import { influenceMatrix } from './tracin.js';

export interface InfluenceKernelArgs {
  adapterDir: string;
  /** A slice of the training texts. */
  train: string[];
  tests: string[];
  batch: number;
}

/** influenceMatrix over builtin LoRA checkpoints; progress arrives as (training texts done). */
export async function influence(args: InfluenceKernelArgs, ctx: KernelContext): Promise<Float64Array> {
  const { loraGradientsAtCheckpoints } = await import('@datanet/train');
  return influenceMatrix((texts) => loraGradientsAtCheckpoints(args.adapterDir, texts), args.train, args.tests, {
    batch: args.batch,
    onProgress: (done) => ctx.progress(done),
  });
}
