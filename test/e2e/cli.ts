import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

export const REPO = resolve(import.meta.dirname, '../..');
const BIN = resolve(REPO, 'pipelines/bin/datanet.mjs');
const exec = promisify(execFile);

/** Runs the real `datanet` CLI with --json and parses its output; throws with stderr on failure. */
export async function datanet<T = any>(stateDir: string, args: string[], env: Record<string, string> = {}): Promise<T> {
  try {
    const { stdout } = await exec('node', [BIN, '--state-dir', stateDir, '--json', ...args], {
      cwd: REPO,
      env: { ...process.env, ...env },
      maxBuffer: 1 << 26,
    });
    return JSON.parse(stdout) as T;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    throw new Error(`datanet ${args.join(' ')} exited ${e.code}: ${e.stderr?.slice(-2000) ?? ''}${e.stdout?.slice(-1000) ?? ''}`);
  }
}
