// `datanet validate` must be linear in file size: a generated chain of table.sql steps at 1 MB and
// 10 MB, compiled as validate does (parse with positions, schema, operator configs, wiring, cycle
// check, layers). Target: the 10 MB file takes at most 10x the 1 MB one (it was 233 s vs 5.7 s,
// 41x, from yaml's duplicate-key scan and a per-step list of every step id).
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePipeline } from '../pipelines/src/spec/compile-pipeline.js';
import { loadOperators } from '../pipelines/src/operator/operator-registry.js';
import { generatePipeline } from './fixtures/validate-pipeline.js';
import { median } from './machine.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-validate-'));
  const registry = await loadOperators([], process.cwd());
  const sizes = { '1MB': 1 << 20, '10MB': 10 << 20 };
  const files = Object.fromEntries(
    Object.entries(sizes).map(([name, bytes]) => {
      const file = join(dir, `pipeline-${name}.yaml`);
      writeFileSync(file, generatePipeline(bytes));
      return [name, file];
    }),
  );
  // Warm up module loading and the JIT on a small file, so the 1 MB baseline is not paying for it.
  writeFileSync(join(dir, 'warm.yaml'), generatePipeline(64 << 10));
  await compilePipeline(join(dir, 'warm.yaml'), { registry });

  const times: Record<string, number[]> = { '1MB': [], '10MB': [] };
  const steps: Record<string, number> = {};
  // Interleaved, so a change in machine load hits both sizes alike.
  for (let r = 0; r < REPEATS; r++) {
    for (const name of Object.keys(sizes)) {
      const t0 = performance.now();
      const { graph, diagnostics } = await compilePipeline(files[name], { registry });
      times[name].push(performance.now() - t0);
      if (!graph)
        throw new Error(
          `generated pipeline ${name} is invalid: ${diagnostics
            .slice(0, 3)
            .map((d) => d.message)
            .join('; ')}`,
        );
      steps[name] = graph.steps.size;
    }
  }
  const m1 = median(times['1MB']);
  const m10 = median(times['10MB']);
  return {
    repeats: REPEATS,
    files: Object.fromEntries(Object.entries(files).map(([name, f]) => [name, { bytes: statSync(f).size, steps: steps[name] }])),
    medianMs: { '1MB': Math.round(m1), '10MB': Math.round(m10) },
    runsMs: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.map(Math.round)])),
    ratio10to1: Number((m10 / m1).toFixed(2)),
    target: 'ratio10to1 <= 10',
    met: m10 / m1 <= 10,
  };
}
