import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePipeline } from '../src/spec/compile-pipeline.js';
import { runPipeline, type RunOptions } from '../src/exec/in-process-executor.js';
import type { Engine } from '../src/exec/engine.js';
import { readParquetFile } from '../src/artifact/table-io.js';
import { readSecret, redact, registerSecret } from '../src/spec/interpolate.js';
import { openTestEngine, tempDir } from './helpers.js';

const PLUGIN = resolve(import.meta.dirname, 'fixtures/secret-operators.ts');
const SECRET = 'sk-live-9f8e7d6c5b4a3210zyxw';

/** Every piece a truncated excerpt could leave: prefixes and suffixes of 6 or more characters. */
function leakedPieces(text: string, secret: string): string[] {
  const found: string[] = [];
  for (let n = 6; n <= secret.length; n++) {
    if (text.includes(secret.slice(0, n))) found.push(secret.slice(0, n));
    if (text.includes(secret.slice(-n))) found.push(secret.slice(-n));
  }
  return found;
}

function pipeline(dir: string, body: string, name = 'p.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, `apiVersion: datanet/v1\nkind: Pipeline\nmetadata:\n  name: secrets\nplugins: [${PLUGIN}]\n${body}`);
  return file;
}

async function runFile(engine: Engine, file: string, options: RunOptions = {}) {
  const { graph, diagnostics } = await compilePipeline(file, { params: options.paramOverrides });
  if (!graph) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return runPipeline(engine, graph, { concurrency: 2, ...options });
}

function allBytes(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else parts.push(readFileSync(p));
    }
  };
  walk(dir);
  return Buffer.concat(parts);
}

describe('redaction of secrets', () => {
  it('masks the whole secret and any prefix or suffix of 6+ characters, and leaves 5-character pieces', () => {
    registerSecret('correct-horse-battery-staple', 'T1');
    expect(redact('x correct-horse-battery-staple y')).toBe('x *** y');
    expect(redact("LINE 1: select 'correct-horse-ba...")).toBe("LINE 1: select '***...");
    expect(redact('...y-staple')).toBe('...***');
    expect(redact('correc and taple')).toBe('correc and taple'.replace('correc', '***'));
    expect(redact('corre')).toBe('corre');
    expect(redact('ordinary words: battery')).toBe('ordinary words: battery');
  });

  it('refuses a secret shorter than 8 characters without printing it', () => {
    process.env.DATANET_SECRET_SHORT = 'abc1234';
    expect(() => readSecret('SHORT')).toThrow(/secret SHORT is 7 characters long; secrets must have at least 8/);
    try {
      readSecret('SHORT');
    } catch (err) {
      expect((err as Error).message).not.toContain('abc1234');
    }
  });

  it('reads secrets only from DATANET_SECRET_X, never from another environment variable', () => {
    process.env.W6_PLAIN_VAR = 'just-an-environment-value';
    expect(readSecret('W6_PLAIN_VAR')).toBeUndefined();
  });
});

describe('secrets and parameters in the engine (PGlite store)', () => {
  let engine: Engine;
  let dir: string;
  let state: string;
  beforeAll(async () => {
    dir = tempDir();
    state = join(dir, 'state');
    engine = await openTestEngine('pglite', state);
  });
  afterAll(async () => engine?.close());

  it('an operator that fails and logs with cut pieces of a secret leaves none in the summary, events, attempts or store files', async () => {
    process.env.DATANET_SECRET_LEAKY = SECRET;
    const file = pipeline(dir, 'steps:\n  s:\n    uses: test.leaky-fail\n    with: { token: "${{ secrets.LEAKY }}" }\n');
    const summary = await runFile(engine, file);
    expect(summary.status).toBe('failed');
    expect(summary.error).toContain('***');
    await engine.store.flushEvents();
    const dump =
      JSON.stringify(summary) +
      JSON.stringify(await engine.store.getEvents(summary.runId)) +
      JSON.stringify(await engine.store.getRun(summary.runId)) +
      JSON.stringify(await engine.store.getSteps(summary.runId)) +
      JSON.stringify(await engine.store.getAttempts(summary.runId));
    expect(dump).toContain('LINE 1');
    expect(leakedPieces(dump, SECRET)).toEqual([]);
    await engine.close();
    engine = await openTestEngine('pglite', state);
    expect(leakedPieces(allBytes(state).toString('latin1'), SECRET)).toEqual([]);
  });

  it('a changed secret re-runs the steps that use it; the same secret hits the cache', async () => {
    const file = pipeline(
      dir,
      'steps:\n  s:\n    uses: test.echo\n    with: { value: fixed, token: "${{ secrets.ROTATE }}" }\n',
      'rotate.yaml',
    );
    process.env.DATANET_SECRET_ROTATE = 'first-secret-value';
    const a = await runFile(engine, file);
    const b = await runFile(engine, file);
    process.env.DATANET_SECRET_ROTATE = 'second-secret-value';
    const c = await runFile(engine, file);
    expect([a, b, c].map((s) => s.steps[0].cached)).toEqual([false, true, false]);
    const steps = await engine.store.getSteps(c.runId);
    expect(JSON.stringify(steps)).not.toContain('second-secret');
  });

  it('a parameter holding ${{ env.X }} or ${{ secrets.X }} stays literal data', async () => {
    process.env.W6_ENV = 'resolved-from-env';
    process.env.DATANET_SECRET_W6 = 'resolved-from-secret';
    const file = pipeline(
      dir,
      'parameters:\n  note: { type: string, default: plain }\nsteps:\n  s:\n    uses: test.echo\n    with: { value: "note=${{ params.note }}" }\n',
      'param.yaml',
    );
    for (const note of ['${{ env.W6_ENV }}', '${{ secrets.W6 }}', "x' as note, '$${{ env.W6_ENV }}"]) {
      const summary = await runFile(engine, file, { paramOverrides: { note } });
      expect(summary.status).toBe('succeeded');
      const t = await readParquetFile(summary.steps[0].outputs.table.path);
      expect(String(t.getChild('value')!.get(0))).toBe(`note=${note}`);
    }
  });
});
