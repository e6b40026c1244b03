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

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
