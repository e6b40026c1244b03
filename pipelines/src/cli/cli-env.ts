import type { Command } from 'commander';
import type { Kysely } from 'kysely';

/** A usage error: wrong flags or arguments. The CLI exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure of the input or the work (bad file, rejected submission, failed run). The CLI exits with 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** What the engine's CLI hands to commands contributed by operator and connector packages. */
export interface CliEnv {
  /** `--json` was given: print one JSON document on stdout and nothing else. */
  readonly json: boolean;
  /** Root of local state: `--state-dir`, `DATANET_STATE_DIR`, or `.datanet` in the working folder. */
  stateDir(): string;
  /**
   * Opens the run store (PGlite under the state dir, or PostgreSQL from `DATABASE_URL`/profile).
   * The embedded store admits one process: while another holds the state folder's lock this
   * throws StoreLockedError (naming the holder's pid), even for a command that only reads.
   */
  openDb(): Promise<{ db: Kysely<any>; dialect: 'postgres' | 'pglite' }>;
  /** Prints a human line (suppressed under `--json`). */
  say(line: string): void;
  /** Prints the machine-readable result (only under `--json`). */
  result(value: unknown): void;
}

/**
 * A command module (named in a package's `package.json` under `datanet.commands`) default-exports
 * a function that adds its subcommand to the program. Throw UsageError or CliError to fail.
 */
export type RegisterCommand = (program: Command, env: CliEnv) => void;
