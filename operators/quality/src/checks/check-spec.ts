import { z } from 'zod';

const common = {
  name: z.string().optional().describe('label in the report (defaults to "<check> <column>")'),
  severity: z.enum(['error', 'warn']).default('error').describe('error fails the step; warn only reports'),
};
const column = z.string().min(1);
const mostly = z.number().min(0).max(1).default(1).describe('fraction of non-null values that must pass');
const bounds = {
  min: z.number().optional(),
  max: z.number().optional(),
  strictMin: z.boolean().default(false),
  strictMax: z.boolean().default(false),
};

/**
 * One declarative column check. Value checks (in_set, regex, between, length_between, unique)
 * judge non-null values only and pass when at least `mostly` of them are as expected, as Great
 * Expectations does; not_null judges every row.
 */
export const CheckSpec = z.discriminatedUnion('check', [
  z.object({ check: z.literal('column_exists'), column, ...common }).strict(),
  z.object({ check: z.literal('not_null'), column, mostly, ...common }).strict(),
  z.object({ check: z.literal('unique'), column, mostly, ...common }).strict(),
  z
    .object({
      check: z.literal('in_set'),
      column,
      values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
      mostly,
      ...common,
    })
    .strict(),
  z
    .object({
      check: z.literal('regex'),
      column,
      pattern: z.string().min(1).describe('RE2 syntax; matches anywhere in the value unless anchored'),
      mostly,
      ...common,
    })
    .strict(),
  z.object({ check: z.literal('between'), column, ...bounds, mostly, ...common }).strict(),
  z.object({ check: z.literal('length_between'), column, ...bounds, mostly, ...common }).strict(),
  z.object({ check: z.literal('mean_between'), column, ...bounds, ...common }).strict(),
  z.object({ check: z.literal('row_count_between'), ...bounds, ...common }).strict(),
  z
    .object({
      check: z.literal('type'),
      column,
      type: z.enum(['integer', 'float', 'number', 'string', 'boolean', 'date', 'timestamp']).describe('logical type of the column'),
      ...common,
    })
    .strict(),
]);
export type CheckSpec = z.output<typeof CheckSpec>;

export const CheckSuite = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    checks: z.array(CheckSpec).min(1),
  })
  .strict();
export type CheckSuite = z.output<typeof CheckSuite>;

export interface CheckResult {
  name: string;
  check: CheckSpec['check'];
  column?: string;
  severity: 'error' | 'warn';
  success: boolean;
  element_count?: number;
  missing_count?: number;
  unexpected_count?: number;
  /** Percent of non-null values (not_null: of all rows), as Great Expectations reports it. */
  unexpected_percent?: number;
  partial_unexpected_list?: unknown[];
  /** 0-based row numbers of the first unexpected values. */
  partial_unexpected_index_list?: number[];
  observed_value?: unknown;
  /** Set when the check could not run (missing column, bad pattern). */
  error?: string;
}
