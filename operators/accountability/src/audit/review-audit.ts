import type { Kysely } from 'kysely';
import { onReviewOutcome, type ReviewOutcome } from '@datanet/review';
import { appendAudit } from './audit-log.js';

/**
 * Logs each settled review of a held record (`review.decided`) in the Datanet's audit chain, inside
 * the queue's deciding transaction: the decision and its entry commit together, once. Registered by
 * the accountability routes, so the server that takes the decisive vote logs it.
 */
export function registerReviewAudit(): void {
  onReviewOutcome('record', async (tx: Kysely<any>, o: ReviewOutcome) => {
    await appendAudit(tx, {
      datanet: o.datanet,
      actor: o.decidedBy === 'quorum' ? `review:${o.itemId}` : `${o.decidedBy}:${o.itemId}`,
      kind: 'review.decided',
      subject: o.ref,
      key: `review.decided:${o.itemId}`,
      at: o.decidedAt,
      payload: {
        item: o.itemId,
        record: o.ref,
        batch: o.batch,
        outcome: o.outcome,
        reason: o.reason,
        decidedBy: o.decidedBy,
        approvals: o.approvals,
        rejections: o.rejections,
        policyVersion: o.policyVersion,
      },
    });
  });
}
