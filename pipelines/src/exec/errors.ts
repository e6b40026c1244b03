/** A step ran past its `timeout`. */
export class StepTimeoutError extends Error {
  override name = 'StepTimeoutError';
  constructor(
    readonly stepId: string,
    readonly timeoutMs: number,
  ) {
    super(`step "${stepId}" timed out after ${formatMs(timeoutMs)} (timeout: ${formatMs(timeoutMs)}) and was aborted`);
  }
}

/** The run was cancelled (Ctrl-C, `datanet cancel`); it can be resumed. */
export class RunCancelledError extends Error {
  override name = 'RunCancelledError';
  constructor(message = 'run cancelled') {
    super(message);
  }
}

/** Errors that will fail the same way on every attempt: retrying them only wastes time. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RunCancelledError) return false;
  const name = (err as Error)?.name;
  return name !== 'ConfigError' && name !== 'OutputContractError' && name !== 'ValidationError';
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
