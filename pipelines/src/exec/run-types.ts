import { randomBytes } from 'node:crypto';

/** What an executor tells its caller (the CLI's display) while a run goes on. */
export type RunEvent =
  | { type: 'run-started'; runId: string; steps: string[]; resumed: boolean }
  | { type: 'step-started'; stepId: string; attempt: number; partitions?: number }
  | { type: 'step-progress'; stepId: string; done: number; total?: number; message?: string }
  | { type: 'step-finished'; stepId: string; cached: boolean; durationMs: number; reason: string }
  | { type: 'step-failed'; stepId: string; attempt: number; error: string; retryInMs?: number }
  | { type: 'step-skipped'; stepId: string; reason: string }
  | { type: 'log'; stepId: string; level: string; message: string }
  | { type: 'run-finished'; runId: string; status: string; error?: string };

export interface RunOptions {
  noCache?: boolean;
  /** Re-run these steps and everything downstream of them, cache or not. */
  from?: string[];
  concurrency?: number;
  signal?: AbortSignal;
  listener?: (event: RunEvent) => void;
  resources?: Record<string, unknown>;
  /** `--param` overrides as given, kept with the run so `resume` recompiles it the same way. */
  paramOverrides?: Record<string, string>;
  runId?: string;
  worker?: string;
}

export function newRunId(): string {
  const d = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `${d}-${randomBytes(3).toString('hex')}`;
}
