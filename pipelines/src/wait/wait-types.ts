import type { ArtifactRef } from '../operator/operator-context.js';

/**
 * What a parked step waits for. The engine knows each kind only generically: a named signal (a
 * person's decision, a service's notice), a point in time, new entries in a folder, or another
 * run's success. What a signal means is the operator's business.
 */
export type WaitCondition =
  | { signal: string; /** signals of this name needed (default 1) */ count?: number }
  | { until: Date | number | string }
  | { files: string; /** new entries needed (default 1) */ count?: number }
  | { run: { pipeline: string } | { runId: string } };

/** At the deadline: fail the step, continue with what was decided so far, or take `default`. */
export type DeadlinePolicy = 'fail' | 'continue' | 'default';

export interface WaitOptions {
  /** An absolute time (Date, epoch ms, ISO string) or a duration from the first park ("48h", "30m"). */
  deadline?: Date | number | string;
  onDeadline?: DeadlinePolicy;
  /** The value `wait` resolves with under `onDeadline: default`. */
  default?: unknown;
  /** JSON the step gets back from `ctx.checkpoint()` when it continues. */
  checkpoint?: unknown;
  /** A file or folder under ctx.workDir, kept as an artifact and handed back by `ctx.checkpoint()`. */
  checkpointFile?: string;
}

export interface WaitSignal {
  id: number;
  name: string;
  payload: unknown;
  createdBy: string;
  createdAt: number;
}

export interface WaitResult {
  /** True when the condition held (or a person woke the step by hand). */
  satisfied: boolean;
  /** The deadline passed first (policies `continue` and `default`). */
  timedOut: boolean;
  reason: 'condition' | 'deadline' | 'manual';
  /** Signals of the awaited name so far, oldest first (signal conditions). */
  signals: WaitSignal[];
  /** New entries seen (files conditions), or the runs that succeeded (run conditions). */
  entries: string[];
  /** The default (policy `default`) or the payload of a manual wake. */
  value?: unknown;
  waitedMs: number;
}

export interface StepCheckpoint<T = unknown> {
  value: T | undefined;
  /** The saved checkpoint file, when one was given. */
  file?: ArtifactRef;
}
