import type { Kysely } from 'kysely';
import { dropContributions, recordRejections, type StandingPolicy } from '@datanet/datanet';

export interface ReviewRejection {
  /** The record's id (a contribution id when the table came from intake). */
  id: string;
  /** Where intake took it from: absent for a table without intake's provenance columns. */
  submissionId?: string;
  file?: string;
  recordIndex?: number;
  contributor: string;
  /** The Datanet's reason code; recorded as review.<code>. */
  code: string;
  message: string;
}

/**
 * A review rejection is a rejection: it goes to the registry's rejections (reason review.<code>)
 * beside intake's, where acceptance and the steward report count it, and the contribution intake
 * recorded is dropped, so standing stops counting it. That is not a penalty: standing goes back to
 * what it would be had the record never been sent (a revocation of accepted data is what lowers
 * it). Idempotent, as recordRejections and dropContributions are.
 */
export async function recordReviewRejections(
  db: Kysely<any>,
  datanet: string,
  runId: string | null,
  rows: ReviewRejection[],
  policy?: StandingPolicy,
): Promise<void> {
  const located = rows.filter((r) => r.submissionId !== undefined && r.file !== undefined && r.recordIndex !== undefined);
  if (located.length)
    await recordRejections(
      db,
      located.map((r) => ({
        datanet,
        submissionId: r.submissionId!,
        file: r.file!,
        recordIndex: r.recordIndex!,
        contributor: r.contributor,
        authenticated: true,
        reasonCode: `review.${r.code}`,
        message: r.message,
        runId,
      })),
    );
  await dropContributions(
    db,
    rows.map((r) => ({ datanet, id: r.id, reason: `review.${r.code}` })),
    { policy },
  );
}
