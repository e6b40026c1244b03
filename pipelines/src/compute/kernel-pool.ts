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
   * training or TracIn kernel, and never runs on the event loop. `service`: threads for short
   * kernels on an HTTP request's path (a submission's signature check), one per core, started
   * once and kept with their modules loaded: a request never waits for a thread to start and
   * load its modules (~1.5 s), nor queues behind a step's training or TracIn kernel.
   */
  pool?: 'kernel' | 'codec' | 'service';
}

const WORKER = new URL('./kernel-worker.mjs', import.meta.url).href;

let pool: Piscina | undefined;
let codecPool: Piscina | undefined;
let servicePool: Piscina | undefined;

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

function getServicePool(): Piscina {
  const threads = kernelThreads();
  // Never idle out: a thread that went would make the next request pay its start again.
  servicePool ??= new Piscina({ filename: WORKER, minThreads: threads, maxThreads: threads, concurrentTasksPerWorker: 1 });
  return servicePool;
}

function poolFor(kind: KernelOptions['pool']): Piscina {
  return kind === 'codec' ? getCodecPool() : kind === 'service' ? getServicePool() : getPool();
}

/**
 * Starts the service pool's threads and has each import `module` and call `fn(args)` once, so
 * that the first request that needs it finds it loaded. A server calls this before it says ready.
 */
export async function warmServiceKernel(module: string | URL, fn: string, args: unknown): Promise<void> {
  const p = getServicePool();
  // One task per thread (one task each at a time): as many at once as there are threads.
  await Promise.all(Array.from({ length: p.options.maxThreads }, () => runKernel(module, fn, args, { pool: 'service' })));
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
    return (await poolFor(opts.pool).run(
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

/** Ends the service pool's threads (a server that closes); a later request starts them again. */
export async function closeServicePool(): Promise<void> {
  const p = servicePool;
  servicePool = undefined;
  await p?.destroy();
}

/** Ends the pool's threads (tests and short-lived processes; a later runKernel starts a new pool). */
export async function closeKernelPool(): Promise<void> {
  const p = [pool, codecPool, servicePool];
  pool = codecPool = servicePool = undefined;
  await Promise.all(p.map((x) => x?.destroy()));
}
