import { z } from 'zod';

const ADDRESS = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address: 0x and 40 hex digits');
const DURATION = z
  .union([z.int().min(0), z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration is an integer of milliseconds or e.g. 90s, 30m, 48h, 3d')])
  .describe('milliseconds, or a duration such as 30m, 48h, 3d');
const REASON = z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a reason code is lower-case letters, digits, "_" or "-"');

/**
 * Who reviews. Addresses named here may review; so may anyone with the reviewer role on the Datanet
 * (`roles.reviewers`, or granted on the server), and, when `earned` is set, any contributor whose
 * standing and accepted contributions reach it.
 */
export const ReviewersSchema = z
  .object({
    addresses: z.array(ADDRESS).default([]).describe('reviewers by address (added to the reviewer role on `datanet serve`)'),
    earned: z
      .object({
        minStanding: z.number().min(0).max(1).describe('standing at least this'),
        minAccepted: z.int().min(0).describe('and at least this many accepted contributions'),
      })
      .strict()
      .optional()
      .describe('reviewer rights earned by contributors'),
    domains: z.array(z.string().min(1)).default([]).describe('domain tags of the expertise reviews need (shown with each item)'),
  })
  .strict();

/** What a person must see before it is accepted. Everything not held goes through as without review. */
export const ReviewHoldSchema = z
  .object({
    firstRecords: z.int().min(0).default(0).describe("each contributor's first N accepted records (0: none by this rule)"),
    belowStanding: z.number().min(0).max(1).optional().describe('every record of a contributor whose standing is below this'),
    qualityBelow: z.number().min(0).max(1).optional().describe('records whose quality_score (quality.filter scores) is below this'),
    nearDuplicates: z
      .object({
        maxSimilarity: z
          .number()
          .min(0)
          .max(1)
          .describe('near duplicates dropped with an estimated similarity below this are held instead (a person decides)'),
      })
      .strict()
      .optional()
      .describe('borderline near duplicates: shown beside the earlier record'),
    auditFraction: z.number().min(0).max(1).default(0).describe('a random (seeded, reproducible) fraction of everything else'),
    topExposure: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe('the fraction of records with the highest reward exposure (needs an exposure column from attribution)'),
    seed: z.string().min(1).default('review').describe('seed of the audit sample (same seed, same sample)'),
  })
  .strict();

/** When a decision stands: Common Voice's quorum, a deadline, and the reasons a rejection may give. */
export const ReviewDecisionSchema = z
  .object({
    minApprovals: z.int().min(1).default(2).describe('approved when approvals >= this and approvals > rejections'),
    minRejections: z.int().min(1).default(2).describe('rejected when rejections >= this and rejections > approvals'),
    stewardOverride: z.boolean().default(true).describe("a steward's or owner's override decides an item at once"),
    deadline: DURATION.default('72h'),
    onDeadline: z
      .enum(['accept', 'reject', 'escalate'])
      .default('escalate')
      .describe('what happens to items still open at the deadline: accepted, rejected (review.deadline), or left to stewards'),
    reasons: z
      .array(REASON)
      .min(1)
      .default(['incorrect', 'unsafe', 'off_topic', 'low_quality', 'duplicate'])
      .describe('reason codes a rejection must give (recorded as review.<code>)'),
    blind: z.boolean().default(true).describe("hide the contributor's address from reviewers"),
  })
  .strict()
  .superRefine((d, ctx) => {
    // An escalated item waits for a steward's override; without overrides it would wait for good,
    // and the run parked on its batch with it.
    if (!d.stewardOverride && d.onDeadline === 'escalate')
      ctx.addIssue({
        code: 'custom',
        path: ['onDeadline'],
        message:
          'escalate leaves items to stewards, and stewardOverride is false: nobody could decide them. Choose accept or reject, or allow overrides',
      });
  });

/** Reviewer quality: gold items with known answers, accuracy and agreement, suspension. */
export const ReviewerQualitySchema = z
  .object({
    gold: z
      .string()
      .min(1)
      .optional()
      .describe('JSONL of gold items (the record fields plus expected: approve | reject), relative to this file'),
    goldFraction: z.number().min(0).max(0.5).default(0.1).describe("share of each reviewer's queue that is gold"),
    minGoldAnswered: z.int().min(1).default(5).describe('gold answers needed before accuracy can suspend'),
    minAccuracy: z.number().min(0).max(1).default(0.7).describe('rights suspended when gold accuracy falls below this'),
  })
  .strict();

export const ReviewPolicySchema = z
  .object({
    version: z.int().min(1).default(1).describe('policy version, recorded with every decision; raise it when the policy changes'),
    reviewers: ReviewersSchema.prefault({}),
    hold: ReviewHoldSchema.prefault({}),
    decision: ReviewDecisionSchema.prefault({}),
    quality: ReviewerQualitySchema.prefault({}),
  })
  .strict()
  .describe('human review before acceptance (operators/review); a Datanet without it accepts as before');

export type ReviewPolicy = z.output<typeof ReviewPolicySchema>;
export type ReviewPolicyInput = z.input<typeof ReviewPolicySchema>;
