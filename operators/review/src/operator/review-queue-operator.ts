import { z } from 'zod';
import { defineOperator } from '@datanet/pipelines';

const ReviewQueueConfig = z
  .object({
    datanet: z
      .string()
      .min(1)
      .describe('Datanet definition (its id, or a path relative to the pipeline file) whose review: section applies'),
    idColumn: z.string().min(1).default('id'),
    contributorColumn: z.string().min(1).default('contributor'),
    orderColumn: z.string().min(1).default('receipt_seq').describe("order of arrival: a contributor's first records are the lowest"),
    fields: z.array(z.string().min(1)).optional().describe("columns reviewers see (default: the Datanet's record fields, else text)"),
  })
  .strict();

const table = (description: string, optional = false) => ({ kind: 'table' as const, description, optional });

/**
 * Holds what the Datanet's review policy says a person must see, sends it to the review queue and
 * parks the step (no worker or process held) until every held record is decided or the deadline
 * policy applies. Without a `review:` section it passes its table through, as without review.
 */
export const reviewQueue = defineOperator({
  type: 'review.queue',
  version: '1',
  description: 'Human review: held records wait for a quorum of reviewers; outputs the unheld plus the approved',
  config: ReviewQueueConfig,
  inputs: {
    table: {
      ...table('records that passed the automated checks (e.g. quality.filter kept)'),
      schema: (c) => ({ columns: { [c.idColumn]: 'utf8', [c.contributorColumn]: 'utf8' }, open: true }),
    },
    scores: table('quality.filter scores (id, quality_score): for hold.qualityBelow', true),
    nearDuplicates: table('dedupe.minhash duplicates (duplicate_of, similarity): borderline ones are held, not dropped', true),
    earlier: table('a table to find the earlier record of a near duplicate in (e.g. dedupe.minhash kept)', true),
  },
  outputs: {
    accepted: {
      kind: 'table',
      description: 'the unheld plus the approved, same columns as the input',
      schema: (c) => ({ columns: { [c.idColumn]: 'utf8' }, open: true }),
    },
    rejections: {
      kind: 'table',
      description: 'records rejected by review: reason_code review.<code>, with the votes',
      schema: { columns: { id: 'utf8', contributor: 'utf8', reason_code: 'utf8', message: 'utf8' }, open: true },
    },
    decisions: {
      kind: 'table',
      description: 'every decision on the held records: reviewer, role, verdict, reason, time, policy version',
      schema: { columns: { item_id: 'utf8', record_id: 'utf8', reviewer: 'utf8', verdict: 'utf8' }, open: true },
    },
  },
  // The answer comes from people, not from the inputs: a new run must ask them again.
  cacheable: false,
  async run(ctx) {
    const { runReviewQueue } = await import('./run-review-queue.js');
    await runReviewQueue(ctx);
  },
});

export type ReviewQueueConfig = z.output<typeof ReviewQueueConfig>;
