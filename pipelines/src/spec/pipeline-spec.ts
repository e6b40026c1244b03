import { z } from 'zod';

/** `30s`, `5m`, `1h30m`, `250ms` or a number of milliseconds. */
export const DurationSchema = z.union([
  z.number().int().positive(),
  z.string().regex(/^(\d+(ms|s|m|h))+$/, 'a duration like "250ms", "30s", "5m" or "1h30m"'),
]);

export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return value;
  let total = 0;
  for (const [, n, unit] of value.matchAll(/(\d+)(ms|s|m|h)/g)) {
    total += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
  }
  return total;
}

export const RetrySchema = z.union([
  z.number().int().min(0).max(100),
  z
    .object({
      limit: z.number().int().min(0).max(100),
      backoff: z
        .object({
          initial: DurationSchema.default(200),
          factor: z.number().min(1).default(2),
          max: DurationSchema.default(30_000),
          jitter: z.number().min(0).max(1).default(0.2),
        })
        .strict()
        .optional(),
    })
    .strict(),
]);

export const ForeachSchema = z
  .object({
    input: z.string().describe('the input port whose table is split into partitions'),
    by: z.string().optional().describe('partition by the values of this column (one partition per value)'),
    shards: z.number().int().min(1).max(1_000_000).optional().describe('or: split rows into this many shards'),
  })
  .strict()
  .refine((f) => (f.by === undefined) !== (f.shards === undefined), { message: 'give exactly one of "by" or "shards"' });

const StepIdPattern = /^[a-z][a-z0-9_-]*$/i;

export const StepSpecSchema = z
  .object({
    uses: z.string().describe('operator type, e.g. table.read'),
    description: z.string().optional(),
    with: z.record(z.string(), z.unknown()).optional().describe("the operator's config"),
    needs: z.array(z.string()).optional().describe('upstream steps ("step") or outputs ("step.output")'),
    inputs: z.record(z.string(), z.string()).optional().describe('input port -> "step.output"'),
    retries: RetrySchema.optional(),
    timeout: DurationSchema.optional(),
    pool: z.string().optional().describe("worker pool; defaults to the operator's (cpu, gpu, or a label)"),
    foreach: ForeachSchema.optional(),
    cache: z.boolean().optional().describe('set false to always run this step'),
  })
  .strict();

export const ParameterSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z
    .object({
      type: z.enum(['string', 'number', 'boolean']).default('string'),
      default: z.union([z.string(), z.number(), z.boolean()]).optional(),
      description: z.string().optional(),
    })
    .strict(),
]);

export const ScheduleSchema = z
  .object({
    cron: z.string().describe('cron expression (5 or 6 fields)'),
    timezone: z.string().default('UTC'),
    catchup: z.enum(['none', 'all']).default('none'),
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();

/** `on:` triggers: a run starts when new data arrives, debounced and batched. */
export const TriggerSchema = z
  .object({
    files: z.string().optional().describe('a folder: each new entry in it (names starting with "." are skipped); relative to this file'),
    glob: z.string().optional().describe('a file glob (relative to this file): each new or changed matching file'),
    run: z
      .object({ pipeline: z.string() })
      .strict()
      .optional()
      .describe('each new successful run of this pipeline (e.g. the one that writes a dataset version)'),
    event: z.string().optional().describe('each new signal of this name (`datanet signal NAME`, or a service)'),
    debounce: DurationSchema.default('30s').describe('fire once no new entry arrived for this long'),
    maxBatch: z.number().int().min(1).max(100_000).default(500).describe('at most this many entries per run; a full batch fires at once'),
    param: z.string().default('batch').describe('the string parameter that receives the batch, as a JSON list'),
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    poll: DurationSchema.default('1s').describe('how often the scheduler looks'),
  })
  .strict()
  .refine((t) => [t.files, t.glob, t.run, t.event].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of "files", "glob", "run" or "event"',
  });

export const PipelineSpecSchema = z
  .object({
    $schema: z.string().optional(),
    apiVersion: z.literal('datanet/v1'),
    kind: z.literal('Pipeline'),
    metadata: z
      .object({
        name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'letters, digits, ".", "_" and "-"'),
        description: z.string().optional(),
        labels: z.record(z.string(), z.string()).optional(),
      })
      .strict(),
    parameters: z.record(z.string(), ParameterSchema).optional(),
    profile: z.string().optional().describe('profile name (configs/profiles/NAME.yaml) or path'),
    plugins: z.array(z.string()).optional().describe('operator modules: paths relative to this file, or package names'),
    schedule: ScheduleSchema.optional(),
    on: z
      .record(z.string().regex(StepIdPattern, 'a trigger name is a letter then letters, digits, "_" or "-"'), TriggerSchema)
      .optional()
      .describe('data triggers: start a run when new data arrives'),
    defaults: z
      .object({ retries: RetrySchema.optional(), timeout: DurationSchema.optional(), pool: z.string().optional() })
      .strict()
      .optional(),
    steps: z.record(z.string().regex(StepIdPattern, 'a step id is a letter then letters, digits, "_" or "-"'), StepSpecSchema),
  })
  .strict();

export type PipelineSpec = z.output<typeof PipelineSpecSchema>;
export type StepSpec = z.output<typeof StepSpecSchema>;
export type RetrySpec = z.output<typeof RetrySchema>;

export interface RetryPolicy {
  limit: number;
  initialMs: number;
  factor: number;
  maxMs: number;
  jitter: number;
}

export function retryPolicy(spec: RetrySpec | undefined): RetryPolicy {
  if (spec === undefined) return { limit: 0, initialMs: 200, factor: 2, maxMs: 30_000, jitter: 0.2 };
  if (typeof spec === 'number') return { limit: spec, initialMs: 200, factor: 2, maxMs: 30_000, jitter: 0.2 };
  const b = spec.backoff;
  return {
    limit: spec.limit,
    initialMs: b ? parseDuration(b.initial) : 200,
    factor: b?.factor ?? 2,
    maxMs: b ? parseDuration(b.max) : 30_000,
    jitter: b?.jitter ?? 0.2,
  };
}

/** Exponential backoff with jitter: attempt 1 failed -> wait ~initial, then x factor, capped. */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number, random = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** (failedAttempt - 1));
  return Math.round(base * (1 - policy.jitter + 2 * policy.jitter * random()));
}
