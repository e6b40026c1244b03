import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Runs the real `datanet` CLI in this process against a state folder's PGlite. The state folder
 * goes by environment because main() takes the first non-option word as the command name.
 */
export async function cli(stateDir: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { main } = (await import(pathToFileURL(join(REPO_ROOT, 'pipelines/src/cli/main.ts')).href)) as {
    main: (argv: string[]) => Promise<number>;
  };
  const out: string[] = [];
  const err: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const saved = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  process.env.DATANET_STATE_DIR = stateDir;
  process.stdout.write = ((c: string | Uint8Array) => (out.push(String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => (err.push(String(c)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
    if (saved !== undefined) process.env.DATABASE_URL = saved;
    delete process.env.DATANET_STATE_DIR;
  }
}
