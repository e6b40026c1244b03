/**
 * Group commit for a worker's PostgreSQL transitions: calls made while a flush is in flight wait
 * and are handed to the next flush together, so N jobs finishing at once cost one transaction, not
 * N. A lone call is flushed at once, unless the caller says more are likely soon (other jobs
 * running on the worker): then the batch lingers a moment for them. A batch that fails is retried item by
 * item, so one bad item fails alone and the others' results are unchanged.
 */
export class GroupCommit<I, O> {
  private readonly waiting: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;
  /** Told the size of each batch flushed (metrics). */
  onBatch: (size: number) => void = () => {};

  constructor(
    private readonly flush: (items: I[]) => Promise<O[]>,
    /** How long a batch waits for more calls before its flush: 0 when nothing else is likely to come. */
    private readonly linger: () => number = () => 0,
    private readonly maxBatch = 64,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.flushing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    // Calls made in the same turn of the event loop join the first batch.
    await new Promise<void>((r) => setImmediate(r));
    const linger = this.linger();
    if (linger > 0) await new Promise<void>((r) => setTimeout(r, linger));
    try {
      while (this.waiting.length) {
        const batch = this.waiting.splice(0, this.maxBatch);
        this.onBatch(batch.length);
        try {
          const out = await this.flush(batch.map((b) => b.item));
          batch.forEach((b, i) => b.resolve(out[i]));
        } catch (err) {
          if (batch.length === 1) batch[0].reject(err);
          else {
            for (const b of batch) await this.flush([b.item]).then(([o]) => b.resolve(o), b.reject);
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
