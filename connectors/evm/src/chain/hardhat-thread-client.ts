import { Worker } from 'node:worker_threads';
import type { Eip1193Provider } from './embedded-provider.js';

const THREAD = new URL('./hardhat-thread.mjs', import.meta.url);

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * An EIP-1193 provider whose hardhat network lives in a worker thread (hardhat-thread.mjs). The
 * thread holds the process open only while a request is in flight, so a process that is done
 * exits without closing the chain.
 */
export class HardhatThread implements Eip1193Provider {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (msg: { id: number; result?: unknown; error?: Record<string, unknown> }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (!this.pending.size) worker.unref();
      if (msg.error) p.reject(Object.assign(new Error(String(msg.error.message)), msg.error));
      else p.resolve(msg.result);
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', (code) => this.failAll(new Error(`the embedded chain's thread exited (code ${code})`)));
  }

  /** Starts the thread and waits until its network is built. */
  static async start(config: Record<string, unknown>): Promise<HardhatThread> {
    // No inherited execArgv: the thread is plain JS, and flags such as --input-type=module -e do not apply to it.
    const worker = new Worker(THREAD, { workerData: { config }, execArgv: [] });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      worker.once('error', onError);
      worker.once('message', () => {
        worker.off('error', onError);
        resolve();
      });
    });
    worker.unref();
    return new HardhatThread(worker);
  }

  request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown> {
    const id = this.nextId++;
    this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, method: args.method, params: args.params });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
