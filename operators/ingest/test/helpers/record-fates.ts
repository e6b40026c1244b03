import type { Kysely } from 'kysely';
import { dropContributions, recordContributions, recordRejections, revokeContribution } from '@datanet/datanet';

/** The contribution id of record i in these fixtures. */
export const recordId = (i: number) => `${i}`.padStart(64, 'e');
/** The contribution that kept the credit of the duplicates. */
export const SOURCE = 'f'.repeat(64);

/**
 * A decided submission whose records met every fate, as intake and the later steps write them:
 * intake recorded records 0-6 and 8-9 of records.jsonl and refused record 7 (schema_mismatch);
 * later steps dropped 1 (dedupe.exact), 2 (dedupe.minhash), 3 (dedupe.reuse), 4 (quality.filter)
 * and 5 (review.off_topic, with a rejection row of its own: dropFilteredRows writes "<operator>:
 * <why>", review writes review.<code>); a dispute revoked 6; 9 is a near duplicate dropped by
 * dedupe until reviewers approve it (holdForReview puts it, and 8, in the queue).
 */
export async function recordFates(db: Kysely<any>, o: { datanet: string; submission: string; contributor: string }): Promise<void> {
  await recordContributions(
    db,
    [0, 1, 2, 3, 4, 5, 6, 8, 9].map((i) => ({
      id: recordId(i),
      datanet: o.datanet,
      contributor: o.contributor,
      submissionId: o.submission,
      sourceFile: 'records.jsonl',
      recordIndex: i,
      licence: 'CC-BY-4.0',
      consent: 'training',
      submittedAt: 1,
      validatorVersion: 'test',
    })),
  );
  const rejection = {
    datanet: o.datanet,
    submissionId: o.submission,
    file: 'records.jsonl',
    contributor: o.contributor,
    authenticated: true,
  };
  await recordRejections(db, [{ ...rejection, recordIndex: 7, reasonCode: 'schema_mismatch', message: 'no answer field' }]);
  await dropContributions(db, [
    { datanet: o.datanet, id: recordId(1), reason: `dedupe.exact: duplicate of ${SOURCE}` },
    { datanet: o.datanet, id: recordId(2), reason: `dedupe.minhash: near duplicate of ${SOURCE} (similarity 0.912)` },
    { datanet: o.datanet, id: recordId(3), reason: `dedupe.reuse: reused from ${SOURCE}` },
    { datanet: o.datanet, id: recordId(4), reason: 'quality.filter: min_answer_words' },
    { datanet: o.datanet, id: recordId(5), reason: 'review.off_topic' },
  ]);
  await recordRejections(db, [{ ...rejection, recordIndex: 5, reasonCode: 'review.off_topic', message: 'a reviewer found it off topic' }]);
  await revokeContribution(db, { datanet: o.datanet, id: recordId(6), reason: 'dispute upheld: licence' });
  await dropContributions(db, [
    { datanet: o.datanet, id: recordId(9), reason: `dedupe.minhash: near duplicate of ${SOURCE} (similarity 0.7)` },
  ]);
}

/**
 * The review queue's items of those records (its tables exist once a server has started): 8 waits
 * as a newcomer's and an audit's, 9 as a near duplicate escalated to stewards; 0's item is decided.
 */
export async function holdForReview(db: Kysely<any>, datanet: string): Promise<void> {
  const item = (ref: string, heldFor: string, state: string) => ({
    id: `item-${ref}`,
    datanet,
    kind: 'record',
    ref,
    batch: 'b1',
    payload: '{}',
    held_for: heldFor,
    deadline: Date.now() + 3_600_000,
    min_approvals: 2,
    min_rejections: 2,
    policy_version: 1,
    state,
    created_at: Date.now(),
  });
  await db
    .insertInto('review_items')
    .values([
      item(recordId(8), 'newcomer,audit', 'open'),
      item(recordId(9), 'near_duplicate', 'escalated'),
      item(recordId(0), 'newcomer', 'approved'),
    ])
    .execute();
}
