import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BIN, tempDir, writePipeline } from './helpers.js';

const exec = promisify(execFile);

async function waitFor(file: string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!existsSync(file)) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${file}`);
    await sleep(50);
  }
}

async function cli(args: string[], env: Record<string, string> = {}) {
  return exec('node', [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
}

describe('resume after SIGKILL (real processes)', () => {
  it('a run killed in the middle of a step resumes without redoing finished steps', async () => {
    const dir = tempDir();
    const state = join(dir, 'state');
    const log = join(dir, 'steps.log');
    const marker = join(dir, 'b.started');
    const file = writePipeline(
      dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 3, log: ${log} }\n  b:\n    uses: test.sleep\n    needs: [a]\n    with: { ms: "\${{ env.SLEEP_MS }}", marker: ${marker}, log: ${log} }\n  c:\n    uses: test.upper\n    needs: [a, b]\n    inputs: { table: a.table }\n    with: { log: ${log} }\n`,
    );
    const child = spawn('node', [BIN, '--state-dir', state, 'run', file, '-q'], {
      env: { ...process.env, SLEEP_MS: '60000' },
      stdio: 'ignore',
    });
    await waitFor(marker, 60_000);
    // Well into the step: an attempt's start is recorded once it has run for 50 ms.
    await sleep(500);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['a', 'b']);

    const { stdout: runsJson } = await cli(['--state-dir', state, '--json', 'runs']);
    const [run] = JSON.parse(runsJson) as { id: string; status: string }[];
    expect(run.status).toBe('running'); // it died without a chance to say otherwise

    const { stdout } = await cli(['--state-dir', state, '--json', 'resume', run.id.slice(0, 18), '-q'], { SLEEP_MS: '50' });
    const summary = JSON.parse(stdout) as { status: string; steps: { id: string; cached: boolean; attempts: number; reason: string }[] };
    expect(summary.status).toBe('succeeded');
    // a finished before the kill and is not run again; b was mid-flight and runs again from its start.
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['a', 'b', 'b', 'c']);
    const byId = Object.fromEntries(summary.steps.map((s) => [s.id, s]));
    expect(byId.a.reason).toBe('finished before the run was interrupted');
    expect(byId.b.attempts).toBe(2);

    const { stdout: showJson } = await cli(['--state-dir', state, '--json', 'show', run.id]);
    const show = JSON.parse(showJson) as { run: { status: string }; attempts: { step_id: string; attempt: number; status: string }[] };
    expect(show.run.status).toBe('succeeded');
    expect(show.attempts.filter((a) => a.step_id === 'b').map((a) => [a.attempt, a.status])).toEqual([
      [1, 'running'],
      [2, 'succeeded'],
    ]);
  }, 180_000);
});

describe('plugins', () => {
  it('runs an operator written outside the repository, named in plugins:', async () => {
    // A user's project elsewhere on disk with datanet installed (the repo's node_modules stands in
    // for `npm install datanet`), and an operator of their own.
    const project = tempDir('datanet-user-project-');
    symlinkSync(resolve(import.meta.dirname, '../../node_modules'), join(project, 'node_modules'));
    mkdirSync(join(project, 'ops'));
    writeFileSync(
      join(project, 'ops', 'shout.mjs'),
      `import { defineOperator } from '@datanet/pipelines';
import { z } from 'zod';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
export const shout = defineOperator({
  type: 'acme.shout', version: '1', description: 'shouts',
  config: z.object({ word: z.string() }).strict(),
  outputs: { table: { kind: 'table', schema: { columns: { word: 'utf8' } } } },
  async run(ctx) { await ctx.output('table').writeTable(new Table({ word: vectorFromArray([ctx.config.word.toUpperCase() + '!'], new Utf8()) })); },
});
`,
    );
    writeFileSync(
      join(project, 'p.yaml'),
      'apiVersion: datanet/v1\nkind: Pipeline\nmetadata: { name: plugin-demo }\nplugins: [./ops/shout.mjs]\nsteps:\n  s:\n    uses: acme.shout\n    with: { word: hello }\n  out:\n    uses: table.write\n    needs: [s]\n    with: { path: out/words.csv }\n',
    );
    const { stdout } = await exec('node', [BIN, '--state-dir', join(project, '.datanet'), '--json', 'run', 'p.yaml', '-q'], {
      cwd: project,
    });
    expect(JSON.parse(stdout).status).toBe('succeeded');
    expect(readFileSync(join(project, 'out', 'words.csv'), 'utf8')).toBe('word\nHELLO!\n');
  }, 120_000);
});
