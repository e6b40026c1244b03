import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { runChildProcess, type ChildResult } from '@datanet/pipelines';
import { fileURLToPath } from 'node:url';
import type { LoraSpec } from '../spec/lora-spec.js';
import { resolveModelDir } from '../builtin/model-config.js';
import { peftScriptArgs } from './peft-args.js';

export const PEFT_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../python/train_peft.py');

/** One JSON line from the worker script. */
export type PeftEvent =
  | { event: 'start'; [k: string]: unknown }
  | { event: 'progress'; step: number; total: number; loss?: number; lr?: number }
  | { event: 'metrics'; [k: string]: unknown }
  | { event: 'done'; [k: string]: unknown }
  | { event: 'error'; message: string; code?: string };

export interface ProcessRunOptions {
  command: string;
  args: string[];
  signal?: AbortSignal;
  onEvent?: (e: PeftEvent) => void;
  /** Seconds between SIGTERM and SIGKILL on abort. */
  killGraceSeconds?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs a worker that prints JSON lines on stdout, through the engine's child-process runner (which
 * ties the child to the signal: SIGTERM on abort, SIGKILL after the grace period). Non-JSON stdout
 * lines are kept as log text. The promise rejects with the abort reason on abort, so a cancelled
 * step never looks successful.
 */
export async function runJsonLinesProcess(opts: ProcessRunOptions): Promise<{ events: PeftEvent[]; stderr: string }> {
  const signal = opts.signal ?? new AbortController().signal;
  const events: PeftEvent[] = [];
  const stderr: string[] = [];
  let result: ChildResult;
  try {
    result = await runChildProcess(opts.command, opts.args, {
      signal,
      env: opts.env ?? process.env,
      killAfterMs: (opts.killGraceSeconds ?? 10) * 1000,
      onLine: (line) => {
        if (!line.startsWith('{')) return;
        try {
          const e = JSON.parse(line) as PeftEvent;
          events.push(e);
          opts.onEvent?.(e);
        } catch {
          // A half-printed line from a crashing worker: the exit code reports the failure.
        }
      },
      onStderr: (line) => {
        stderr.push(line);
        if (stderr.length > 200) stderr.shift();
      },
    });
  } catch (err) {
    if (signal.aborted) throw signal.reason ?? new Error('aborted');
    throw new Error(
      `could not start ${opts.command}: ${(err as Error).message}; set the operator's \`python\` to a Python with torch, transformers and peft`,
    );
  }
  const error = events.find((e): e is Extract<PeftEvent, { event: 'error' }> => e.event === 'error');
  if (result.code !== 0 || error) {
    const why = error?.message ?? stderr.slice(-15).join('\n');
    throw new Error(`peft worker exited with ${result.signal ?? `code ${result.code}`}: ${why}`);
  }
  return { events, stderr: stderr.join('\n') };
}

export interface PeftTrainOptions {
  spec: LoraSpec;
  train: string[];
  eval: string[];
  outDir: string;
  workDir: string;
  python?: string;
  signal?: AbortSignal;
  onEvent?: (e: PeftEvent) => void;
}

/** Trains with transformers + peft in a child Python; the adapter folder lands in outDir. */
export async function trainWithPeft(opts: PeftTrainOptions): Promise<Record<string, unknown>> {
  await mkdir(opts.workDir, { recursive: true });
  const trainFile = join(opts.workDir, 'train.jsonl');
  const evalFile = join(opts.workDir, 'eval.jsonl');
  await writeFile(trainFile, opts.train.map((text) => JSON.stringify({ text })).join('\n') + '\n');
  await writeFile(evalFile, opts.eval.map((text) => JSON.stringify({ text })).join('\n') + '\n');
  // A shipped builtin model name becomes its folder: transformers loads it as a LlamaForCausalLM.
  let baseModel = opts.spec.baseModel;
  try {
    baseModel = resolveModelDir(baseModel);
  } catch {
    // Not a shipped model or local folder: a Hugging Face id or a path on the worker.
  }
  const args = [PEFT_SCRIPT, ...peftScriptArgs({ ...opts.spec, baseModel }, { trainFile, evalFile, outputDir: opts.outDir })];
  const { events } = await runJsonLinesProcess({ command: opts.python ?? 'python3', args, signal: opts.signal, onEvent: opts.onEvent });
  const done = events.find((e) => e.event === 'done');
  if (!done) throw new Error('peft worker finished without a "done" event; see its stderr');
  return done;
}
