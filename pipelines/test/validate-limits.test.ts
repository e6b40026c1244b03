import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../src/spec/compile-pipeline.js';
import { ValidationError } from '../src/spec/diagnostic.js';
import { MAX_PIPELINE_FILE_BYTES } from '../src/spec/yaml-source.js';
import { FIXTURE_PLUGIN, tempDir } from './helpers.js';

describe('validate on large files', () => {
  it('refuses a file over the size cap before reading it, with a clear error', async () => {
    const file = join(tempDir(), 'huge.yaml');
    writeFileSync(file, '');
    truncateSync(file, MAX_PIPELINE_FILE_BYTES + 1);
    const err = await compilePipeline(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/huge\.yaml:1:1: the file is 16\.0 MiB; pipeline files are limited to 16 MiB/);
  });

  it('still finds duplicate keys in nested maps and step ids, with their positions', async () => {
    const file = join(tempDir(), 'dups.yaml');
    writeFileSync(
      file,
      `apiVersion: datanet/v1\nkind: Pipeline\nmetadata:\n  name: d\nplugins: [${FIXTURE_PLUGIN}]\nsteps:\n  a:\n    uses: test.emit\n    with: { rows: 1, rows: 2 }\n  b:\n    uses: test.emit\n  a:\n    uses: test.emit\n`,
    );
    const { graph, diagnostics } = await compilePipeline(file);
    expect(graph).toBeUndefined();
    expect(diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`)).toEqual([
      '9:22: duplicate key "rows"',
      '12:3: duplicate step id "a"',
    ]);
  });

  it('orders a long chain into layers without overflowing the stack, and finds a cycle in it', async () => {
    const n = 20_000;
    const steps = Array.from({ length: n }, (_, i) => `  s${i}:\n    uses: test.emit\n${i ? `    needs: [s${i - 1}]\n` : ''}`).join('');
    const file = join(tempDir(), 'chain.yaml');
    writeFileSync(file, `apiVersion: datanet/v1\nkind: Pipeline\nmetadata:\n  name: chain\nplugins: [${FIXTURE_PLUGIN}]\nsteps:\n${steps}`);
    const { graph } = await compilePipeline(file);
    expect(graph?.layers.length).toBe(n);
    const cyclic = join(tempDir(), 'cycle.yaml');
    writeFileSync(
      cyclic,
      `apiVersion: datanet/v1\nkind: Pipeline\nmetadata:\n  name: chain\nplugins: [${FIXTURE_PLUGIN}]\nsteps:\n  s0:\n    uses: test.emit\n    needs: [s${n - 1}]\n${steps.replace(/^ {2}s0:\n {4}uses: test.emit\n/, '')}`,
    );
    const { diagnostics } = await compilePipeline(cyclic);
    const cycle = diagnostics
      .find((d) => d.message.startsWith('cycle: '))
      ?.message.slice(7)
      .split(' -> ');
    expect(cycle?.length).toBe(n + 1);
    expect(cycle?.[0]).toBe(cycle?.[n]);
  });
});
