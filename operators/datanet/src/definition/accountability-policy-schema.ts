import { z } from 'zod';
import { durationMs } from '../policy/intake-limits.js';

/** Why an accepted contribution is disputed. `duplicate` needs the id of the earlier contribution. */
export const DISPUTE_REASONS = ['incorrect', 'duplicate', 'licence', 'consent', 'poisoning'] as const;
export type DisputeReason = (typeof DISPUTE_REASONS)[number];

// Kept as written (not transformed to ms) so the definition reads back the way its author wrote it.
const duration = z
  .union([z.int().min(0), z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration is an integer of milliseconds or e.g. 90s, 30m, 24h, 7d')])
  .describe('milliseconds, or a duration such as 24h, 30m, 7d (0: none)');

/**
 * Who may dispute an accepted contribution, with what evidence, and who decides. Openers name
 * roles (`steward`, `reviewer`, `owner`, `contributor`); a contributor (anyone signed in) needs a
 * standing of at least `minStanding` in this Datanet.
 */
export const DisputePolicySchema = z
  .object({
    openers: z
      .array(z.enum(['owner', 'steward', 'reviewer', 'contributor']))
      .min(1)
      .default(['steward', 'reviewer'])
      .describe('roles that may open a dispute; `contributor` means anyone with minStanding'),
    minStanding: z.number().min(0).max(1).default(0.5).describe('standing a contributor needs to open a dispute'),
    reasons: z
      .array(z.enum(DISPUTE_REASONS))
      .min(1)
      .default([...DISPUTE_REASONS])
      .describe('reason codes accepted here'),
    minEvidenceChars: z.int().min(0).default(20).describe('shortest free-text evidence accepted'),
    resolvers: z
      .enum(['steward', 'quorum', 'steward-or-quorum'])
      .default('steward-or-quorum')
      .describe('who decides: a steward alone, the review quorum (review queue), or either'),
    dismissedLimit: z
      .int()
      .min(1)
      .default(3)
      .describe('a filer with this many dismissed disputes within dismissedWindow may not open another until the window passes'),
    dismissedWindow: duration.default('30d'),
  })
  .strict();

export type DisputePolicy = z.output<typeof DisputePolicySchema>;

/** Fields of the Datanet definition added for accountability (spread into its object). */
export const ACCOUNTABILITY_FIELDS = {
  disputes: DisputePolicySchema.prefault({}).describe('who may dispute an accepted contribution, with what evidence, and who decides'),
  challengeWindow: duration
    .default(0)
    .describe(
      "how long an epoch's proposed settlement stays open to challenge before it is final, committed and funded (0: final at once)",
    ),
};

/** The challenge window in milliseconds. */
export function challengeWindowMs(value: string | number | undefined): number {
  return value === undefined ? 0 : durationMs(value);
}
