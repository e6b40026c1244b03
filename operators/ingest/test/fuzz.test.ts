import { afterAll, describe, it } from 'vitest';
import fc from 'fast-check';
import { PROPERTIES, fuzzContext } from './fuzz/properties.js';

// Bounded for CI: a fixed number of runs per property (FUZZ_RUNS overrides), and a cap on time
// per property so a slow machine runs fewer cases rather than timing out. The benchmark
// (`npm run bench -- fuzz`) runs the same properties far longer.
const ctx = fuzzContext();
afterAll(() => ctx.worker.close());

describe('fuzz: manifest reader, format validators, name checks', () => {
  for (const p of PROPERTIES) {
    it(
      p.name,
      async () => {
        await fc.assert(p.property(ctx), { numRuns: Number(process.env.FUZZ_RUNS ?? p.runs.ci), interruptAfterTimeLimit: 30_000 });
      },
      120_000,
    );
  }
});
