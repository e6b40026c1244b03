import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveModelDir } from '../builtin/model-config.js';
import { runJsonLinesProcess } from './run-peft.js';
import type { Generation } from '../builtin/generate.js';

export const PEFT_GENERATE_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../python/generate_peft.py');

export interface PeftGenerateOptions {
  /** Formatted prompts (formatExample), in order. */
  prompts: string[];
  adapterDir?: string;
  baseModel?: string;
  maxNewTokens: number;
  temperature: number;
  topK: number;
  seed: number;
  workDir: string;
  python?: string;
  signal?: AbortSignal;
}

function localModel(name: string): string {
  try {
    return resolveModelDir(name);
  } catch {
    return name; // a Hugging Face id or a path that exists on the GPU worker
  }
}

/** The script's arguments; the base comes from the adapter's config when not given. */
export async function peftGenerateArgs(
  opts: Omit<PeftGenerateOptions, 'prompts' | 'workDir' | 'signal' | 'python'> & { promptsFile: string },
): Promise<string[]> {
  let base = opts.baseModel;
  if (!base && opts.adapterDir)
    base = JSON.parse(await readFile(join(opts.adapterDir, 'adapter_config.json'), 'utf8')).base_model_name_or_path ?? undefined;
  if (!base) throw new Error('peft inference needs a base model: the adapter config names none and no baseModel was given');
  const args = [
    '--base-model',
    localModel(base),
    '--prompts-file',
    opts.promptsFile,
    '--max-new-tokens',
    String(opts.maxNewTokens),
    '--temperature',
    String(opts.temperature),
    '--top-k',
    String(opts.topK),
    '--seed',
    String(opts.seed),
  ];
  if (opts.adapterDir) args.push('--adapter', opts.adapterDir);
  return args;
}

/** Generates on a GPU worker with transformers + peft, one child process for all prompts. */
export async function generateWithPeft(opts: PeftGenerateOptions): Promise<Generation[]> {
  await mkdir(opts.workDir, { recursive: true });
  const promptsFile = join(opts.workDir, 'prompts.jsonl');
  await writeFile(promptsFile, opts.prompts.map((prompt) => JSON.stringify({ prompt })).join('\n') + '\n');
  const args = [PEFT_GENERATE_SCRIPT, ...(await peftGenerateArgs({ ...opts, promptsFile }))];
  const { events } = await runJsonLinesProcess({ command: opts.python ?? 'python3', args, signal: opts.signal });
  const out: Generation[] = [];
  for (const e of events) {
    const g = e as unknown as { event: string; index: number; output: string; prompt_tokens: number; output_tokens: number };
    if (g.event === 'generation') out[g.index] = { output: g.output, promptTokens: g.prompt_tokens, outputTokens: g.output_tokens };
  }
  if (out.filter(Boolean).length !== opts.prompts.length)
    throw new Error(`peft inference returned ${out.filter(Boolean).length} of ${opts.prompts.length} generations`);
  return out;
}
