// `npm run bench -- fuzz`: the intake fuzz properties (manifest reader, validators, name checks)
// run far longer than in CI (FUZZ_BENCH_SCALE multiplies the runs), reporting runs per second per
// property. Baseline measured in the same run: strict manifest reading against plain JSON.parse
// plus schema-free access on the same generated manifests, as a ratio (the price of strictness).
import fc from 'fast-check';
import { median } from './machine.js';
import { PROPERTIES, fuzzContext } from '../operators/ingest/test/fuzz/properties.js';
import { parseManifest } from '../operators/ingest/src/index.js';

const scale = Number(process.env.FUZZ_BENCH_SCALE ?? 1);

function manifests(n: number): Uint8Array[] {
  const file = fc.record({
    name: fc.string({ minLength: 1, maxLength: 30 }),
    size: fc.nat(),
    sha256: fc.constant(`0x${'ab'.repeat(32)}`),
    licence: fc.constant('CC-BY-4.0'),
    consent: fc.constant(['training', 'attribution']),
  });
  const m = fc.record({
    format: fc.constant('datanet-submission/1'),
    manifest: fc.record({
      datanet: fc.constant('medical-qa'),
      contributor: fc.constant(`0x${'11'.repeat(20)}`),
      nonce: fc.nat().map(String),
      timestamp: fc.nat(),
      files: fc.array(file, { minLength: 1, maxLength: 20 }),
    }),
    signature: fc.constant(`0x${'22'.repeat(65)}`),
  });
  return fc.sample(m, { numRuns: n, seed: 42 }).map((x) => new TextEncoder().encode(JSON.stringify(x)));
}

export async function run() {
  const ctx = fuzzContext();
  const properties: Record<string, unknown>[] = [];
  try {
    for (const p of PROPERTIES) {
      const numRuns = Math.max(1, Math.round(p.runs.bench * scale));
      const t0 = performance.now();
      const details = await fc.check(p.property(ctx), { numRuns });
      const seconds = (performance.now() - t0) / 1000;
      properties.push({
        property: p.name,
        runs: details.numRuns,
        failed: details.failed,
        ...(details.failed ? { counterexample: JSON.stringify(details.counterexample).slice(0, 500), seed: details.seed } : {}),
        seconds: +seconds.toFixed(2),
        runsPerSecond: Math.round(details.numRuns / seconds),
      });
      console.log(`  ${p.name}: ${details.numRuns} runs in ${seconds.toFixed(1)} s${details.failed ? ' FAILED' : ''}`);
    }
  } finally {
    await ctx.worker.close();
  }
  const docs = manifests(2000);
  const bytes = docs.reduce((n, d) => n + d.length, 0);
  const time = (f: () => void) => {
    const reps: number[] = [];
    for (let r = 0; r < 7; r++) {
      const t = performance.now();
      f();
      reps.push(performance.now() - t);
    }
    return median(reps);
  };
  const dec = new TextDecoder();
  let files = 0;
  const baselineMs = time(() => {
    for (const d of docs) files += (JSON.parse(dec.decode(d)) as { manifest: { files: unknown[] } }).manifest.files.length;
  });
  if (files === 0) throw new Error('no files in the generated manifests');
  const strictMs = time(() => {
    for (const d of docs) if (!parseManifest(d, { maxNestingDepth: 64 }).ok) throw new Error('a valid manifest was refused');
  });
  return {
    scale,
    properties,
    allPassed: properties.every((p) => !p.failed),
    manifestReading: {
      manifests: docs.length,
      megabytes: +(bytes / 1e6).toFixed(2),
      medianMs: { jsonParseBaseline: +baselineMs.toFixed(1), strictParseManifest: +strictMs.toFixed(1) },
      ratioStrictToBaseline: +(strictMs / baselineMs).toFixed(2),
    },
  };
}
