import { availableParallelism } from 'node:os';
import { MessageChannel, type Transferable } from 'node:worker_threads';
import { Piscina } from 'piscina';

/**
 * One pool of worker threads per process for CPU-heavy kernels (training steps, generation,
 * TracIn, suffix arrays, MinHash signing), sized to the cores. The engine's event loop keeps the
 * orchestration, the run store and the artifacts; kernels get plain data and transferable buffers,
 * never a database handle. A kernel is a function exported by a module: `(args, { progress }) => result`.
 */
export interface KernelContext {
  /** Forwards values to the caller's onProgress, in order. */
  progress(...values: unknown[]): void;
}

export interface KernelOptions {
  /** Aborting ends the kernel's thread at once; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  onProgress?: (...values: unknown[]) => void;
  /** Buffers moved (not copied) into the thread. */
  transferList?: Transferable[];
  /**
   * `kernel` (default): the pool sized to the cores. `codec`: one more thread for encoding and
   * decoding artifacts (Parquet), so that writing a step's output never queues behind a long
   * training or TracIn kernel, and never runs on the event loop.
   */
  pool?: 'kernel' | 'codec';
}

const WORKER = new URL('./kernel-worker.mjs', import.meta.url).href;

let pool: Piscina | undefined;
let codecPool: Piscina | undefined;

/** Threads in the pool: DATANET_KERNEL_THREADS, else one per core. */
export function kernelThreads(): number {
  const env = Number(process.env.DATANET_KERNEL_THREADS);
  return Number.isInteger(env) && env > 0 ? env : Math.max(1, availableParallelism());
}

function getPool(): Piscina {
  pool ??= new Piscina({
    filename: WORKER,
    minThreads: 0,
    maxThreads: kernelThreads(),
    // Threads keep their loaded modules (tfjs, wasm) between tasks of a run, then go.
    idleTimeout: 30_000,
    // One task per thread: kernels are CPU-bound, a second one would only wait inside the thread.
    concurrentTasksPerWorker: 1,
  });
  return pool;
}

function getCodecPool(): Piscina {
  codecPool ??= new Piscina({ filename: WORKER, minThreads: 0, maxThreads: 1, idleTimeout: 30_000, concurrentTasksPerWorker: 1 });
  return codecPool;
}

/** Runs `fn` from the module at `module` (a file URL, e.g. `new URL('./kernels.ts', import.meta.url)`) in a pool thread. */
export async function runKernel<T>(module: string | URL, fn: string, args: unknown, opts: KernelOptions = {}): Promise<T> {
  opts.signal?.throwIfAborted();
  const channel = opts.onProgress ? new MessageChannel() : undefined;
  if (channel) {
    channel.port1.on('message', (values: unknown[]) => opts.onProgress!(...values));
    channel.port1.unref();
  }
  try {
    return (await (opts.pool === 'codec' ? getCodecPool() : getPool()).run(
      { module: String(module), fn, args, port: channel?.port2 },
      { signal: opts.signal, transferList: [...(opts.transferList ?? []), ...(channel ? [channel.port2] : [])] },
    )) as T;
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? err;
    throw err;
  } finally {
    channel?.port1.close();
  }
}

/** Ends the pool's threads (tests and short-lived processes; a later runKernel starts a new pool). */
export async function closeKernelPool(): Promise<void> {
  const p = [pool, codecPool];
  pool = codecPool = undefined;
  await Promise.all(p.map((x) => x?.destroy()));
}
