// Kernels run in @datanet/pipelines' thread pool (runKernel): plain data in, plain data out. tfjs
// and its wasm backend load inside the thread, once per thread.
import type { KernelContext } from '@datanet/pipelines';
import type { BuiltinTrainOptions, BuiltinTrainResult } from './lora-trainer.js';
import type { Generation, GenerateOptions } from './generate.js';

export type TrainKernelArgs = Omit<BuiltinTrainOptions, 'signal' | 'onProgress'>;

/** trainBuiltinLora; progress arrives as (done, total, message). */
export async function train(args: TrainKernelArgs, ctx: KernelContext): Promise<BuiltinTrainResult> {
  const { trainBuiltinLora } = await import('./lora-trainer.js');
  return trainBuiltinLora({ ...args, onProgress: (done, total, message) => ctx.progress(done, total, message) });
}

export interface GenerateKernelArgs {
  adapterDir?: string;
  baseModel?: string;
  prompts: string[];
  /** Seed of prompts[0]; prompt k gets seed + k, as when all prompts run in one place. */
  seed: number;
  opts: Omit<GenerateOptions, 'seed'>;
}

export interface GenerateKernelResult {
  generations: Generation[];
  baseModel: string;
  adapterDigest: string | null;
}

/** Generates each prompt in order; progress arrives as (prompts done). */
export async function generate(args: GenerateKernelArgs, ctx: KernelContext): Promise<GenerateKernelResult> {
  const { BuiltinGenerator } = await import('./generate.js');
  const gen = await BuiltinGenerator.load({ adapterDir: args.adapterDir, baseModel: args.baseModel });
  try {
    const generations: Generation[] = [];
    for (const [k, prompt] of args.prompts.entries()) {
      generations.push(gen.generate(prompt, { ...args.opts, seed: args.seed + k }));
      ctx.progress(k + 1);
    }
    return { generations, baseModel: gen.baseModel, adapterDigest: gen.adapterDigest };
  } finally {
    gen.dispose();
  }
}
