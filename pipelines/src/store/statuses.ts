/**
 * Every status a run or a step can be in, and the phases of a distributed foreach step. The store
 * keeps them as text; these unions are the only values written.
 */
export const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * pending: waits for its dependencies; queued: dispatched (distributed) and not yet claimed;
 * running: an attempt holds it; waiting: parked by its operator until a condition holds (no
 * worker, no process); then one of the four ends.
 */
export const STEP_STATUSES = ['pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** A distributed foreach step's parent row while it is running: partitions out (fanout), then their gather. */
export const STEP_PHASES = ['fanout', 'gather'] as const;
export type StepPhase = (typeof STEP_PHASES)[number];

export const TERMINAL_STEP_STATUSES: readonly StepStatus[] = ['succeeded', 'failed', 'skipped', 'cancelled'];
