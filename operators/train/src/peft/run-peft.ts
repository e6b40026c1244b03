import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
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
 * Runs a worker that prints JSON lines on stdout. Non-JSON stdout lines are kept as log text. On
 * abort the child gets SIGTERM, then SIGKILL after the grace period; the promise rejects with the
 * abort reason either way, so a cancelled step never looks successful.
 */
export function runJsonLinesProcess(opts: ProcessRunOptions): Promise<{ events: PeftEvent[]; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    if (opts.signal?.aborted) return reject(opts.signal.reason ?? new Error('aborted'));
    const child = spawn(opts.command, opts.args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    const events: PeftEvent[] = [];
    const stderr: string[] = [];
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), (opts.killGraceSeconds ?? 10) * 1000);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        const e = JSON.parse(line) as PeftEvent;
        events.push(e);
        opts.onEvent?.(e);
      } catch {
        // A half-printed line from a crashing worker: the exit code reports the failure.
      }
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > 200) stderr.shift();
    });
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new Error(`could not start ${opts.command}: ${err.message}; set the operator's \`python\` to a Python with torch, transformers and peft`));
    });
    child.on('close', (code, sig) => {
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) return reject(opts.signal.reason ?? new Error('aborted'));
      const error = events.find((e): e is Extract<PeftEvent, { event: 'error' }> => e.event === 'error');
      if (code !== 0 || error) {
        const why = error?.message ?? stderr.slice(-15).join('\n');
        return reject(new Error(`peft worker exited with ${sig ?? `code ${code}`}: ${why}`));
      }
      resolvePromise({ events, stderr: stderr.join('\n') });
    });
  });
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
