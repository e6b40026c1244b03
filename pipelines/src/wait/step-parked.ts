import { NonRetryableError } from '../exec/errors.js';

/**
 * Thrown by `ctx.wait` when the condition does not hold yet: the step is parked, not failed. The
 * step lifecycle catches it (instanceof) and records the step as `waiting`; nothing retries it. It
 * extends NonRetryableError so that a runner unaware of waits fails the step at once, loudly,
 * instead of retrying it in a loop.
 */
export class StepParked extends NonRetryableError {
  override name = 'StepParked';
  constructor(
    readonly runId: string,
    readonly stepId: string,
    readonly partition: string,
    /** A short description of the condition, for `datanet show` and logs. */
    readonly waitingFor: string,
    readonly wakeAt: number | null,
  ) {
    super(`step "${stepId}" is waiting for ${waitingFor}`);
  }
}

/** The deadline of a wait passed under `onDeadline: fail`. */
export class WaitDeadlineError extends NonRetryableError {
  override name = 'WaitDeadlineError';
}
