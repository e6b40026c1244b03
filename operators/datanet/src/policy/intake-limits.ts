import { z } from 'zod';

const MIB = 1024 * 1024;
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration given as an integer (ms) or a string such as "90s", "5m", "6h", "1d". */
export function durationMs(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new Error(`"${value}" is not a duration (an integer of milliseconds, or e.g. 90s, 5m, 6h, 1d)`);
  return Number(m[1]) * UNITS[m[2]];
}

const Duration = z
  .union([z.int().min(0), z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration is an integer of milliseconds or e.g. 90s, 5m, 6h, 1d')])
  .transform((v) => durationMs(v));

/**
 * Hard limits on what intake will read of one submission. Every parser runs under them, so no
 * single contributor can make intake hang, run out of memory or bill the daily cap for less than
 * the text it yields. The defaults are safe for an intake open to anyone.
 */
export const INTAKE_LIMIT_FIELDS = {
  maxManifestBytes: z
    .int()
    .min(1024)
    .default(1 * MIB)
    .describe('submission.json larger than this is refused before it is parsed'),
  maxDecompressedBytes: z
    .int()
    .min(1)
    .default(64 * MIB)
    .describe('bytes a compressed file (.docx, .parquet) may expand to; a zip bomb stops here'),
  maxTextBytes: z
    .int()
    .min(1)
    .default(16 * MIB)
    .describe('UTF-8 bytes of text one file may yield (records or extracted text)'),
  maxRecordsPerFile: z.int().min(1).default(100_000).describe('records (lines, rows) in one file'),
  maxPages: z.int().min(1).default(2_000).describe('pages in one PDF'),
  maxNestingDepth: z.int().min(1).default(64).describe('nesting of JSON arrays/objects in a record and in the manifest'),
  parseTimeoutMs: z.int().min(100).default(30_000).describe('wall time to parse one file; the parser is killed past it'),
  parseMemoryMb: z.int().min(32).default(256).describe('heap of the worker that parses .docx/.pdf/.parquet; it is killed past it'),
  maxSubmissionAge: Duration.default(86_400_000).describe('a submission signed longer ago than this (ms, or e.g. "1d") is refused'),
  maxClockSkew: Duration.default(300_000).describe('how far ahead of the intake clock a signing time may be (ms, or e.g. "5m")'),
};

export interface IntakeLimits {
  maxManifestBytes: number;
  maxDecompressedBytes: number;
  maxTextBytes: number;
  maxRecordsPerFile: number;
  maxPages: number;
  maxNestingDepth: number;
  parseTimeoutMs: number;
  parseMemoryMb: number;
  maxSubmissionAge: number;
  maxClockSkew: number;
}

/** The defaults, for callers that hold limits without the intake fields (older definitions, tests). */
export const DEFAULT_INTAKE_LIMITS: IntakeLimits = z.object(INTAKE_LIMIT_FIELDS).parse({});

/** Intake limits of a Datanet's `limits:`, any missing field at its default. */
export function intakeLimits(limits: Partial<IntakeLimits> | undefined): IntakeLimits {
  const out = { ...DEFAULT_INTAKE_LIMITS };
  for (const k of Object.keys(out) as (keyof IntakeLimits)[]) if (typeof limits?.[k] === 'number') out[k] = limits[k] as number;
  return out;
}
