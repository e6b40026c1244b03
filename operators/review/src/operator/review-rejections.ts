import type { Kysely } from 'kysely';
import { recordRejections } from '@datanet/datanet';

export interface ReviewRejection {
  submissionId: string;
  file: string;
  recordIndex: number;
  contributor: string;
  /** The Datanet's reason code; recorded as review.<code>. */
  code: string;
  message: string;
}

/**
 * A review rejection is a rejection: it goes to the registry's rejections (reason review.<code>)
 * beside intake's, where acceptance and the steward report count it. It never touches the
 * contribution rows standing is computed from (only a revocation lowers standing), so a review
 * rejection never lowers standing. Idempotent, as recordRejections is.
 */
export async function recordReviewRejections(
  db: Kysely<any>,
  datanet: string,
  runId: string | null,
  rows: ReviewRejection[],
): Promise<void> {
  await recordRejections(
    db,
    rows.map((r) => ({
      datanet,
      submissionId: r.submissionId,
      file: r.file,
      recordIndex: r.recordIndex,
      contributor: r.contributor,
      authenticated: true,
      reasonCode: `review.${r.code}`,
      message: r.message,
      runId,
    })),
  );
}
