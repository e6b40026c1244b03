import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BIN, tempDir, writePipeline } from './helpers.js';

const exec = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile('node', [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function waitFor(file: string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!existsSync(file)) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${file}`);
    await sleep(50);
  }
}

describe('one writer per embedded store (real processes)', () => {
  it('a second process refuses at once naming the holder; after SIGKILL of the holder the store opens again', async () => {
    const dir = tempDir();
    const state = join(dir, 'state');
    const marker = join(dir, 'started');
    // The holder sleeps far longer than the test needs: it must still hold the store when the
    // other commands start, however slowly they start on a busy machine.
    const file = writePipeline(dir, `steps:\n  a:\n    uses: test.sleep\n    with: { ms: 3600000, marker: ${marker} }\n`);
    const holder = spawn('node', [BIN, '--state-dir', state, 'run', file, '-q'], { stdio: 'ignore' });
    const exited = new Promise((r) => holder.on('exit', r));
    try {
      await waitFor(marker, 400_000);
      expect(holder.exitCode).toBeNull();
      for (const args of [['run', file, '-q'], ['runs'], ['--json', 'runs']]) {
        const second = await cli(['--state-dir', state, ...args]);
        expect(second.code).toBe(1);
        expect(second.stderr).toContain(`in use by process ${holder.pid}`);
        expect(second.stderr).toMatch(/PostgreSQL/);
        expect(second.stderr).toMatch(/datanet serve/);
      }
    } finally {
      holder.kill('SIGKILL');
      await exited;
    }
    // The dead holder's lock is stale: the next process takes it without waiting.
    const after = await cli(['--state-dir', state, '--json', 'runs']);
    expect(after.code, after.stderr).toBe(0);
    expect((JSON.parse(after.stdout) as { status: string }[]).map((r) => r.status)).toEqual(['running']);
  }, 900_000);

  // The 20-race loop the hostile-input issue asks for runs with real intake processes (and the daily
  // cap) in operators/ingest/test/store-lock-intake.test.ts; here the engine alone races 6 times, the
  // first on a fresh folder. DATANET_LOCK_RACES sets the count (each CLI start takes seconds).
  const races = Number(process.env.DATANET_LOCK_RACES ?? 6);
  it(`${races} races of two \`datanet run\` on one store (the first on a fresh folder): one writer at a time, the store stays readable`, async () => {
    const dir = tempDir();
    const state = join(dir, 'state');
    const file = writePipeline(
      dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 2 }\n  b:\n    uses: test.sleep\n    needs: [a]\n    with: { ms: 200 }\n`,
    );
    let succeeded = 0;
    let refused = 0;
    for (let i = 0; i < races; i++) {
      const both = await Promise.all([0, 1].map(() => cli(['--state-dir', state, '--json', 'run', file, '-q', '--no-cache'])));
      for (const o of both) {
        if (o.code === 0) {
          expect((JSON.parse(o.stdout) as { status: string }).status).toBe('succeeded');
          succeeded++;
        } else {
          // The only acceptable failure is the lock's refusal, naming a live pid.
          expect(o.stderr).toMatch(/in use by process \d+/);
          refused++;
        }
      }
      expect(both.some((o) => o.code === 0)).toBe(true);
    }
    expect(succeeded + refused).toBe(2 * races);
    const { stdout } = await exec('node', [BIN, '--state-dir', state, '--json', 'runs', '-n', '100']);
    const runs = JSON.parse(stdout) as { status: string }[];
    // Exactly the runs that said they succeeded are in the store, all finished: nothing half written.
    expect(runs.length).toBe(succeeded);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
  }, 1_800_000);
});
