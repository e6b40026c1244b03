import { sql, type Kysely } from 'kysely';
import { contributorReviewCounts, queueStats, type ContributorReviewCounts, type QueueStats } from '@datanet/review';

/** The steward report's review section: what people decided, how fast, how well. */
export interface ReviewSection {
  /** Held records: open, escalated to stewards, approved, rejected. */
  items: QueueStats['items'];
  throughput: QueueStats['throughput'];
  /** Human decisions per settled record (the quorum's cost). */
  decisionsPerItem: number | null;
  age: QueueStats['age'];
  reasons: QueueStats['reasons'];
  reviewers: {
    reviewer: string;
    status: string;
    suspendedReason: string | null;
    decisions: number;
    goldAnswered: number;
    accuracy: number | null;
    compared: number;
    agreement: number | null;
  }[];
  contributors: ContributorReviewCounts[];
}

/** Reads the review queue of a Datanet from the run store; null when it was never reviewed. */
export async function gatherReviewSection(db: Kysely<any>, datanet: string): Promise<ReviewSection | null> {
  const { rows } = await sql<{ t: string | null }>`select to_regclass('review_items')::text as t`.execute(db);
  if (!rows[0]?.t) return null;
  const s = await queueStats(db, datanet);
  const contributors = await contributorReviewCounts(db, datanet);
  if (!contributors.length && !s.reviewers.length) return null;
  return {
    items: s.items,
    throughput: s.throughput,
    decisionsPerItem: s.decisionsPerItem,
    age: s.age,
    reasons: s.reasons,
    reviewers: s.reviewers.map((r) => ({
      reviewer: r.reviewer,
      status: r.status,
      suspendedReason: r.suspendedReason,
      decisions: r.decisions,
      goldAnswered: r.goldAnswered,
      accuracy: r.accuracy,
      compared: r.compared,
      agreement: r.agreement,
    })),
    contributors,
  };
}
