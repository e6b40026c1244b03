import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './corpus.js';

export interface CliResult {
  /** Exit status; null when the child was killed (timeout, signal). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `datanet` CLI (`pipelines/bin/datanet.mjs`) in a child process and waits for it.
 * The output buffer is large: a receipt or a lineage dump runs to megabytes, and past spawnSync's
 * default 1 MiB the child is killed (ENOBUFS, status null), which reads as a failing command.
 * A child that could not run at all (spawn error, timeout) is reported in `stderr`.
 */
export function runDatanetCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): CliResult {
  const out = spawnSync(process.execPath, [join(REPO_ROOT, 'pipelines/bin/datanet.mjs'), ...args], {
    encoding: 'utf8',
    cwd: options.cwd,
    env: options.env,
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 512 * 1024 * 1024,
  });
  const failure = out.error ? `\n(datanet ${args.join(' ')}: ${out.error.message})` : '';
  return { code: out.status, stdout: out.stdout ?? '', stderr: (out.stderr ?? '') + failure };
}
