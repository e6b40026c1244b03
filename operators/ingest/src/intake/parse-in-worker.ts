import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { IntakeLimits } from '@datanet/datanet';
import type { Rejection } from '../validate/reason-codes.js';

export type WorkerFormat = 'docx' | 'pdf' | 'parquet';

export type WorkerResult =
  | { ok: true; text?: string; rows?: { where: string; value: unknown }[]; textBytes?: number; pages?: number; expanded?: number }
  | ({ ok: false } & Rejection);

interface Pending {
  id: number;
  resolve: (r: WorkerResult) => void;
  timer: NodeJS.Timeout;
  format: WorkerFormat;
}

const WORKER_FILE = fileURLToPath(new URL('./parse-worker.mjs', import.meta.url));

/**
 * Runs the parsers of compressed and paged formats in a child process with a capped heap
 * (--max-old-space-size), one file at a time. A file that exhausts the heap or the wall time gets
 * the child killed and a rejection; the next file gets a fresh child. A worker thread would be
 * cheaper, but an allocation past a worker's resourceLimits can abort the whole process, which is
 * the very failure this guards against. Close it when done.
 */
export class ParserWorker {
  private child: ChildProcess | undefined;
  private seq = 0;
  private pending: Pending | undefined;
  /** Parser processes started, and those killed for time or memory, for logs and tests. */
  started = 0;
  killed = 0;

  constructor(private readonly limits: IntakeLimits) {}

  private spawn(): ChildProcess {
    this.started++;
    const child = fork(WORKER_FILE, [], {
      execArgv: [
        `--max-old-space-size=${this.limits.parseMemoryMb}`,
        '--max-semi-space-size=16',
        '--disallow-code-generation-from-strings',
      ],
      // Only what the parsers need: no inherited loader flags (tsx, vitest), no environment secrets.
      env: {},
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    child.on('message', (m: { id: number } & WorkerResult) => {
      const p = this.pending;
      if (!p || p.id !== m.id) return;
      this.pending = undefined;
      clearTimeout(p.timer);
      const { id: _id, ...result } = m;
      p.resolve(result as WorkerResult);
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const p = this.pending;
      if (!p) return;
      this.pending = undefined;
      clearTimeout(p.timer);
      this.killed++;
      // V8 aborts on heap exhaustion (SIGABRT, or exit code 134 through a shell).
      const oom = signal === 'SIGABRT' || code === 134;
      p.resolve(
        oom
          ? {
              ok: false,
              reasonCode: 'parse_memory',
              message: `parsing the .${p.format} needed more than limit parseMemoryMb (${this.limits.parseMemoryMb} MB); the parser was stopped`,
            }
          : { ok: false, reasonCode: 'unparseable', message: `the .${p.format} parser stopped (${signal ?? `exit code ${code}`})` },
      );
    });
    child.on('error', () => child.kill('SIGKILL'));
    return child;
  }

  /** Extracts one file's text or rows under the limits; never throws for a bad file. */
  parse(format: WorkerFormat, bytes: Uint8Array): Promise<WorkerResult> {
    if (this.pending) throw new Error('ParserWorker parses one file at a time');
    this.child ??= this.spawn();
    const child = this.child;
    const id = ++this.seq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = undefined;
        this.killed++;
        if (this.child === child) this.child = undefined;
        child.kill('SIGKILL');
        resolve({
          ok: false,
          reasonCode: 'parse_timeout',
          message: `parsing the .${format} took longer than limit parseTimeoutMs (${this.limits.parseTimeoutMs} ms); the parser was stopped`,
        });
      }, this.limits.parseTimeoutMs);
      this.pending = { id, resolve, timer, format };
      child.send({ id, format, bytes, limits: this.limits });
    });
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
  }
}
