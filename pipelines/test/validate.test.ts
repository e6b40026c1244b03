import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../src/spec/compile-pipeline.js';
import { formatDiagnostic } from '../src/spec/diagnostic.js';
import { BIN, tempDir, writePipeline } from './helpers.js';

const run = promisify(execFile);

async function diagnose(body: string): Promise<string[]> {
  const file = writePipeline(tempDir(), body);
  const { diagnostics } = await compilePipeline(file);
  return diagnostics.map((d) => formatDiagnostic(d).slice(file.length + 1));
}

describe('pipeline validation', () => {
  it('accepts a valid pipeline', async () => {
    const file = writePipeline(tempDir(), 'steps:\n  a:\n    uses: test.emit\n  b:\n    uses: test.upper\n    needs: [a]\n');
    const { graph, diagnostics } = await compilePipeline(file);
    expect(diagnostics).toEqual([]);
    expect(graph!.layers).toEqual([['a'], ['b']]);
    expect(graph!.steps.get('b')!.inputs.table).toEqual({ step: 'a', output: 'table' });
  });

  it('names an unknown operator with a did-you-mean', async () => {
    expect(await diagnose('steps:\n  a:\n    uses: test.emitt\n')).toEqual([
      '8:11: unknown operator "test.emitt" (did you mean "test.emit"?)',
    ]);
  });

  it('names an unknown step in needs with a did-you-mean', async () => {
    const d = await diagnose('steps:\n  reader:\n    uses: test.emit\n  b:\n    uses: test.upper\n    needs: [raeder]\n');
    expect(d).toContain('11:13: step "b" needs unknown step "raeder" (did you mean "reader"?)');
  });

  it('reports an input that is not connected', async () => {
    const d = await diagnose('steps:\n  b:\n    uses: test.upper\n');
    expect(d).toEqual(['7:3: step "b": input "table" (table) is not connected; add it to needs as "step.output" or under inputs:']);
  });

  it('prints a cycle as a path', async () => {
    const d = await diagnose(
      'steps:\n  a:\n    uses: test.upper\n    needs: [c]\n  b:\n    uses: test.upper\n    needs: [a]\n  c:\n    uses: test.upper\n    needs: [b]\n',
    );
    expect(d).toHaveLength(1);
    expect(d[0]).toMatch(/cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)$/);
  });

  it('checks config against the operator schema, with the field path and what was expected', async () => {
    const d = await diagnose('steps:\n  a:\n    uses: test.emit\n    with:\n      rows: many\n      tga: x\n');
    expect(d).toContain('10:13: step "a": with.rows: Invalid input: expected number, received string');
    expect(d).toContain('11:7: step "a": test.emit has no config field "tga" (did you mean "tag"?)');
  });

  it('rejects an input wired to an output of the wrong kind', async () => {
    const d = await diagnose(
      'steps:\n  r:\n    uses: test.emit\n  rep:\n    uses: test.report\n    needs: [r]\n  u:\n    uses: test.upper\n    inputs: { table: rep.report }\n',
    );
    expect(d).toEqual(['14:22: input "table" of step "u" takes a table, but rep.report is a report']);
  });

  it('rejects an incompatible table schema', async () => {
    const closed = await diagnose('steps:\n  w:\n    uses: test.closed\n  u:\n    uses: test.upper\n    needs: [w]\n');
    expect(closed).toEqual([
      '11:13: input "table" of step "u" is incompatible with w.table: column "id" is not produced; column "text" is int32, expected utf8',
    ]);
    const d = await diagnose(
      'steps:\n  f:\n    uses: test.flaky\n    with: { failTimes: 0, counterFile: /tmp/x }\n  e:\n    uses: test.emit\n  u:\n    uses: test.upper\n    inputs: { table: e.table }\n  u2:\n    uses: test.upper\n    inputs: { table: u.table }\n',
    );
    expect(d).toEqual([]);
    const bad = await diagnose(
      'steps:\n  u0:\n    uses: test.emit\n  u:\n    uses: test.upper\n    needs: [u0]\n  s:\n    uses: test.sleep\n    with: { ms: 1 }\n  u2:\n    uses: test.upper\n    inputs: { table: s.table }\n',
    );
    expect(bad).toEqual([]); // test.sleep declares no schema: checked when it runs
  });

  it('reports duplicate step ids', async () => {
    const d = await diagnose('steps:\n  a:\n    uses: test.emit\n  a:\n    uses: test.emit\n');
    expect(d).toEqual(['9:3: duplicate step id "a"']);
  });

  it('reports unknown top-level fields and bad durations', async () => {
    const d = await diagnose('stesp: {}\nsteps:\n  a:\n    uses: test.emit\n    timeout: soon\n');
    expect(d).toContain('6:1: unknown field "stesp"');
    expect(d.some((x) => x.startsWith('10:14: steps.a.timeout'))).toBe(true);
  });

  it('datanet validate prints five different errors at once with line:col and exits 1', async () => {
    const file = writePipeline(
      tempDir(),
      [
        'steps:',
        '  a:',
        '    uses: test.emitt', // unknown operator (line 8)
        '  b:',
        '    uses: test.upper',
        '    needs: [x]', // unknown step (line 11)
        '  c:',
        '    uses: test.emit',
        '    with: { rows: -1 }', // config (line 14)
        '  d:',
        '    uses: test.upper',
        '    needs: [e]',
        '  e:',
        '    uses: test.upper',
        '    needs: [d]', // cycle (line 20)
        '  g:',
        '    uses: test.emit',
        '  g:', // duplicate (line 23)
        '    uses: test.emit',
        '',
      ].join('\n'),
    );
    const err = await run('node', [BIN, 'validate', file]).then(
      () => undefined,
      (e) => e as { code: number; stdout: string },
    );
    expect(err?.code).toBe(1);
    const lines = err!.stdout.trim().split('\n');
    expect(lines).toEqual([
      `${file}:8:11: unknown operator "test.emitt" (did you mean "test.emit"?)`,
      `${file}:11:13: step "b" needs unknown step "x"`,
      `${file}:14:19: step "c": with.rows: Too small: expected number to be >=0`,
      expect.stringMatching(new RegExp(`^${file}:(17|20):\\d+: cycle: (d -> e -> d|e -> d -> e)$`)),
      `${file}:23:3: duplicate step id "g"`,
    ]);
  }, 60_000);

  it('datanet validate exits 0 on a valid file', async () => {
    const file = writePipeline(tempDir(), 'steps:\n  a:\n    uses: test.emit\n');
    const { stdout } = await run('node', [BIN, 'validate', file]);
    expect(stdout).toMatch(/valid \(1 steps in 1 layers\)/);
  }, 60_000);
});
