import { inspect } from 'node:util';

/**
 * The engine's errors. Every error the engine raises is a DatanetError; those that would fail the
 * same way on every attempt are NonRetryableErrors, and the retry decision is `instanceof`, never a
 * comparison of names (a subclass keeps the behaviour whatever it calls itself).
 */
export class DatanetError extends Error {
  override name = 'DatanetError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Thrown by an operator (or the engine) to fail its step at once, whatever `retries:` says: bad
 * input, a broken contract, a refusal by an outside system that a retry cannot change.
 */
export class NonRetryableError extends DatanetError {
  override name = 'NonRetryableError';
}

/** A step's config references env or secrets that are not set. */
export class StepConfigError extends NonRetryableError {
  override name = 'StepConfigError';
}

/** A step ran past its `timeout`. Retryable: a slow machine may do better next time. */
export class StepTimeoutError extends DatanetError {
  override name = 'StepTimeoutError';
  constructor(
    readonly stepId: string,
    readonly timeoutMs: number,
  ) {
    super(`step "${stepId}" timed out after ${formatMs(timeoutMs)} (timeout: ${formatMs(timeoutMs)}) and was aborted`);
  }
}

/** The run was cancelled (Ctrl-C, `datanet cancel`); it can be resumed. */
export class RunCancelledError extends DatanetError {
  override name = 'RunCancelledError';
  constructor(message = 'run cancelled') {
    super(message);
  }
}

/** Errors that will fail the same way on every attempt, or a cancelled run: retrying them only wastes time. */
export function isRetryable(err: unknown): boolean {
  return !(err instanceof NonRetryableError) && !(err instanceof RunCancelledError);
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

/**
 * What went wrong, as one readable string. Not only Errors are thrown: a library may reject with a
 * plain object, and a worker thread's failure crosses structured clone as one. Those read by their
 * `message` (and `name` / `code`) when they have one, else as their fields, never as "[object Object]".
 */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err !== 'object' || err === null) return String(err);
  const { message, name, code } = err as { message?: unknown; name?: unknown; code?: unknown };
  if (typeof message === 'string' && message) {
    const label = [name, code].filter((x) => (typeof x === 'string' || typeof x === 'number') && x !== 'Error').join(' ');
    return label ? `${label}: ${message}` : message;
  }
  const shown = inspect(err, { depth: 3, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 500 });
  return `${Object.prototype.toString.call(err).slice(8, -1)} thrown: ${shown.length > 2000 ? `${shown.slice(0, 2000)}…` : shown}`;
}
