import { Worker } from 'node:worker_threads';
import type { IntakeLimits } from '@datanet/datanet';
import type { Rejection } from '../validate/reason-codes.js';

export type WorkerFormat = 'docx' | 'pdf' | 'parquet';

export type WorkerResult =
  | { ok: true; text?: string; rows?: { where: string; value: unknown }[]; textBytes?: number; pages?: number; expanded?: number }
  | ({ ok: false } & Rejection);

interface Pending {
  resolve: (r: WorkerResult) => void;
  timer: NodeJS.Timeout;
  format: WorkerFormat;
}

const WORKER_URL = new URL('./parse-worker.mjs', import.meta.url);

/**
 * Runs the parsers of compressed and paged formats in a worker thread with a capped heap, one file
 * at a time. A file that exhausts the heap or the wall time gets the worker terminated and a
 * rejection; the next file gets a fresh worker. Close it when done (it holds a thread).
 */
export class ParserWorker {
  private worker: Worker | undefined;
  private seq = 0;
  private pending = new Map<number, Pending>();
  /** Workers killed for time or memory, for logs and tests. */
  killed = 0;

  constructor(private readonly limits: IntakeLimits) {}

  private spawn(): Worker {
    const w = new Worker(WORKER_URL, {
      resourceLimits: { maxOldGenerationSizeMb: this.limits.parseMemoryMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
      // Only what the parsers need: no inherited loader flags (tsx, vitest), no environment secrets.
      execArgv: [],
      env: {},
      stdout: true,
      stderr: true,
    });
    w.unref();
    // pdf.js warns on console about odd files: drop it rather than buffer it.
    w.stdout.resume();
    w.stderr.resume();
    w.on('message', (m: { id: number } & WorkerResult) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      const { id: _id, ...result } = m;
      p.resolve(result as WorkerResult);
    });
    const fail = (e: unknown) => {
      if (this.worker === w) this.worker = undefined;
      const oom = (e as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        clearTimeout(p.timer);
        p.resolve(
          oom
            ? { ok: false, reasonCode: 'parse_memory', message: `parsing the .${p.format} needed more than limit parseMemoryMb (${this.limits.parseMemoryMb} MB); the parser was stopped` }
            : { ok: false, reasonCode: 'unparseable', message: `the .${p.format} parser stopped: ${String((e as Error)?.message ?? e).slice(0, 200)}` },
        );
      }
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`parser exited with code ${code}`)));
    return w;
  }

  /** Extracts one file's text or rows under the limits; never throws for a bad file. */
  parse(format: WorkerFormat, bytes: Uint8Array): Promise<WorkerResult> {
    this.worker ??= this.spawn();
    const w = this.worker;
    const id = ++this.seq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.killed++;
        if (this.worker === w) this.worker = undefined;
        void w.terminate();
        resolve({ ok: false, reasonCode: 'parse_timeout', message: `parsing the .${format} took longer than limit parseTimeoutMs (${this.limits.parseTimeoutMs} ms); the parser was stopped` });
      }, this.limits.parseTimeoutMs);
      this.pending.set(id, { resolve, timer, format });
      // A copy goes to the worker: the caller's bytes stay usable.
      w.postMessage({ id, format, bytes, limits: this.limits });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
