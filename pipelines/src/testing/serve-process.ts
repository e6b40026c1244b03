import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../../bin/datanet.mjs');

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything the server printed (stdout and stderr), for log checks. */
  output(): string;
  /** Stops the server (SIGTERM: graceful; SIGKILL where a test must not wait) and gives its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a real `datanet serve` on 127.0.0.1 with a free port, in `cwd` (its configs/ root). */
export async function startServe(o: {
  stateDir: string;
  cwd: string;
  args?: string[];
  env?: Record<string, string>;
}): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [BIN, '--state-dir', o.stateDir, 'serve', '--host', '127.0.0.1', '--port', '0', ...(o.args ?? [])],
    {
      cwd: o.cwd,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((done, fail) => {
    const timer = setInterval(() => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearInterval(timer);
        done(m[1]);
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(timer);
      fail(new Error(`datanet serve exited ${code} before listening:\n${out.slice(-3000)}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((done) => {
        if (child.exitCode !== null) return done(child.exitCode);
        child.once('exit', (code) => done(code));
        child.kill(signal);
      }),
  };
}
