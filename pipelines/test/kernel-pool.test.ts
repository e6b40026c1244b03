import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { closeKernelPool, kernelThreads, runKernel, warmServiceKernel } from '../src/compute/kernel-pool.js';
import { errorMessage } from '../src/exec/errors.js';

const KERNELS = new URL('./fixtures/kernels.ts', import.meta.url);

describe('kernel pool', () => {
  afterAll(() => closeKernelPool());

  it('runs a TypeScript kernel in another thread with transferred data and progress', async () => {
    const data = Float64Array.from([1, 2, 3]);
    const progress: unknown[][] = [];
    const out = await runKernel<{ sum: number; threadId: number }>(
      KERNELS,
      'sumSquares',
      { data },
      { transferList: [data.buffer], onProgress: (...v) => progress.push(v) },
    );
    expect(out.sum).toBe(14);
    expect(out.threadId).not.toBe(threadId);
    expect(data.byteLength).toBe(0); // moved, not copied
  });

  it('rejects with the kernel error', async () => {
    await expect(runKernel(KERNELS, 'fail', {})).rejects.toThrow(/kernel failed on purpose/);
    await expect(runKernel(KERNELS, 'nope', {})).rejects.toThrow(/kernel nope is not exported/);
  });

  it('a kernel that rejects with a plain object fails its step with words, not "[object Object]"', async () => {
    const coded = await runKernel(KERNELS, 'failWithObject', { bare: false }).catch((e: unknown) => e);
    expect(coded).not.toBeInstanceOf(Error); // it crossed the thread boundary as a plain object
    expect(errorMessage(coded)).toBe('E_SHAPE: tensor shapes differ');
    const bare = await runKernel(KERNELS, 'failWithObject', { bare: true }).catch((e: unknown) => e);
    expect(errorMessage(bare)).toBe("Object thrown: { step: 3, reason: { tensor: 'logits', shape: [ 2, 0 ] } }");
    expect(errorMessage('plain words')).toBe('plain words');
    expect(errorMessage(new TypeError('typed'))).toBe('typed');
  });

  it('keeps the main loop free while a kernel runs, and aborts with the signal reason', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await runKernel(KERNELS, 'spin', { ms: 300 });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(3);
    const ac = new AbortController();
    const run = runKernel(KERNELS, 'spin', { ms: 60_000 });
    const aborted = runKernel(KERNELS, 'spin', { ms: 60_000 }, { signal: ac.signal });
    ac.abort(new Error('step cancelled'));
    await expect(aborted).rejects.toThrow(/step cancelled/);
    void run.catch(() => undefined);
    await closeKernelPool();
  });

  it('the service pool is started and loaded before requests, and never queues behind long kernels', async () => {
    await warmServiceKernel(KERNELS, 'whereLoaded', {});
    const warmed = Date.now();
    // Every core's kernel thread busy with a long kernel (a training step, TracIn) ...
    const busy = Array.from({ length: kernelThreads() }, () => runKernel<{ start: number; end: number }>(KERNELS, 'spin', { ms: 4000 }));
    const spins = busy.map((b) => b.then((r) => r.end));
    // ... a request's kernel still runs now, in a thread that loaded its module when warmed.
    const answers = await Promise.all(
      Array.from({ length: kernelThreads() * 3 }, () =>
        runKernel<{ threadId: number; loadedAt: number }>(KERNELS, 'whereLoaded', {}, { pool: 'service' }),
      ),
    );
    const answeredAt = Date.now();
    for (const a of answers) expect(a.loadedAt).toBeLessThanOrEqual(warmed);
    expect(new Set(answers.map((a) => a.threadId)).size).toBeLessThanOrEqual(kernelThreads());
    expect(answeredAt).toBeLessThan(Math.min(...(await Promise.all(spins))));
  });
});
