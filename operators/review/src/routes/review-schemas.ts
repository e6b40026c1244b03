import { z } from 'zod';
import { DATANET_ID } from '@datanet/datanet';
import { GOLD_WINDOW } from '../queue/review-stats.js';
import { VERDICTS } from '../rule/decision-rule.js';

// The review API's shapes: the console's reviewer inbox and the CLI read these (openapi.json).

export const Refusal = z.object({ error: z.string(), message: z.string() });
export const DatanetParam = z.object({ id: z.string().regex(DATANET_ID, 'a Datanet id') });
export const ItemParam = DatanetParam.extend({ item: z.string().regex(/^[0-9a-f]{32}$/, 'a review item id (32 hex digits)') });

export const ReviewItem = z.object({
  id: z.string(),
  kind: z.enum(['record', 'dispute']),
  heldFor: z.array(z.string()).describe('why it is held: newcomer, low_standing, low_quality, near_duplicate, exposure, audit, dispute'),
  contributor: z.string().nullable().describe('null when the policy blinds reviewers'),
  payload: z.record(z.string(), z.unknown()).describe('the record fields; a near duplicate also has `earlier` and `similarity`'),
  deadline: z.string(),
  leaseExpiresAt: z.string().describe('the item is reserved for you until then'),
  domains: z.array(z.string()),
  reasons: z.array(z.string()).describe('reason codes a rejection may give'),
});

export const NextItems = z.object({ items: z.array(ReviewItem) });

// PostgreSQL's text cannot hold NUL: refused as the field's fault, not a 500.
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'must not contain the NUL character (\\u0000)');
const reason = text(64)
  .optional()
  .describe('required for reject, refused with any other verdict (400 reason_not_allowed): one of the Datanet reason codes');

export const DecisionBody = z
  .object({
    verdict: z.enum(VERDICTS as [string, ...string[]]),
    reason,
    note: text(2000).optional(),
  })
  .strict();

export const OverrideBody = z
  .object({
    verdict: z.enum(['approve', 'reject']),
    reason,
    note: text(2000).optional(),
  })
  .strict();

export const DecisionReply = z.object({
  itemId: z.string(),
  verdict: z.string(),
  replay: z.boolean().describe('the same decision was recorded before; nothing changed'),
  state: z.enum(['open', 'escalated', 'approved', 'rejected']),
  suspended: z.boolean().describe('this answer suspended your review rights'),
});

export const ReviewerStatsSchema = z.object({
  reviewer: z.string(),
  status: z.enum(['active', 'suspended']),
  suspendedReason: z.string().nullable(),
  served: z.number(),
  decisions: z.number(),
  goldAnswered: z
    .number()
    .describe(
      `gold answers; in GET review/me only those among whole windows of ${GOLD_WINDOW} decisions (a figure that moved with each vote would tell which item was gold)`,
    ),
  goldCorrect: z.number(),
  accuracy: z.number().nullable().describe('goldCorrect / goldAnswered; null before any gold answer is counted'),
  compared: z.number(),
  agreed: z.number(),
  agreement: z.number().nullable(),
  daily: z.array(z.object({ day: z.string(), decisions: z.number(), accuracy: z.number().nullable(), agreement: z.number().nullable() })),
});

export const QueueStatsSchema = z.object({
  datanet: z.string(),
  items: z.object({ open: z.number(), escalated: z.number(), approved: z.number(), rejected: z.number() }),
  age: z.object({ oldestMs: z.number().nullable(), medianMs: z.number().nullable() }),
  throughput: z.object({
    decisionsLastHour: z.number(),
    decisionsLastDay: z.number(),
    settledLastHour: z.number(),
    settledLastDay: z.number(),
    decisions: z.number(),
  }),
  decisionsPerItem: z.number().nullable(),
  reasons: z.array(z.object({ reason: z.string(), count: z.number() })),
  reviewers: z.array(ReviewerStatsSchema),
  batches: z.array(
    z.object({
      batch: z.string(),
      runId: z.string().nullable(),
      stepId: z.string().nullable(),
      items: z.number(),
      open: z.number(),
      deadline: z.string(),
      settledAt: z.string().nullable(),
    }),
  ),
});
