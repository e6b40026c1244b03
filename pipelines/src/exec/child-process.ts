import { spawn, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs a child process for an operator and ties it to the step's AbortSignal: on abort it gets
 * SIGTERM, then SIGKILL after `killAfterMs`. Each stdout line goes to `onLine` (JSON-lines progress).
 */
export function runChildProcess(
  command: string,
  args: string[],
  options: SpawnOptions & { signal: AbortSignal; onLine?: (line: string) => void; onStderr?: (line: string) => void; killAfterMs?: number },
): Promise<ChildResult> {
  const { signal, onLine, onStderr, killAfterMs = 5000, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (child.stdout) createInterface({ input: child.stdout }).on('line', (l) => onLine?.(l));
    if (child.stderr) createInterface({ input: child.stderr }).on('line', (l) => onStderr?.(l));
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(killTimer);
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) reject(signal.reason);
      else resolve({ code, signal: sig });
    });
  });
}
