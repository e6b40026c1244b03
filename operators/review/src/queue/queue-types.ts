import type { Verdict } from '../rule/decision-rule.js';

export type ItemKind = 'record' | 'gold' | 'dispute';
export type Outcome = 'approved' | 'rejected';

/** An item to put in front of reviewers. */
export interface NewReviewItem {
  datanet: string;
  /** 'record' (a held record) or 'dispute' (issue 15: approved = upheld, rejected = dismissed). */
  kind: 'record' | 'dispute';
  /** What it is about: a record id, a dispute id. Unique per (datanet, kind, batch). */
  ref: string;
  /** Items settled together: a run step's held records, or one dispute. */
  batch: string;
  /** Whose it is: never a reviewer of it. */
  contributor: string | null;
  /** Other addresses that may not decide it (a dispute's filer). */
  exclude?: string[];
  /** What reviewers see (record fields, the earlier record of a near duplicate, evidence). */
  payload: Record<string, unknown>;
  /** Why it is held, e.g. ['newcomer', 'audit']. */
  heldFor: string[];
  /** Higher first among items of the same deadline (reward exposure). */
  priority?: number;
}

/** The decision rule and reviewer-quality settings the queue applies (from the Datanet's `review:`). */
export interface QueuePolicy {
  version: number;
  minApprovals: number;
  minRejections: number;
  stewardOverride: boolean;
  reasons: string[];
  blind: boolean;
  domains: string[];
  goldFraction: number;
  minGoldAnswered: number;
  minAccuracy: number;
  /** How long a handed-out item stays reserved for its reviewer. */
  leaseMs: number;
}

/** One item as a reviewer sees it. Gold items look like records. */
export interface ReviewItemView {
  id: string;
  kind: 'record' | 'dispute';
  heldFor: string[];
  /** null when the policy blinds reviewers. */
  contributor: string | null;
  payload: Record<string, unknown>;
  deadline: string;
  leaseExpiresAt: string;
  domains: string[];
  reasons: string[];
}

export interface DecisionRequest {
  datanet: string;
  itemId: string;
  reviewer: string;
  verdict: Verdict;
  reason?: string | null;
  note?: string | null;
  /** A steward's or owner's override (decides at once when the policy allows it). */
  override?: boolean;
}

export interface DecisionResult {
  itemId: string;
  verdict: Verdict;
  /** The same decision was recorded before: nothing changed. */
  replay: boolean;
  /** The item's state after the decision. */
  state: 'open' | 'escalated' | 'approved' | 'rejected';
  /** Set on gold items once answered (not shown to the reviewer until stats). */
  suspended: boolean;
}

/** A settled item, as written to review_outcomes and handed to outcome handlers. */
export interface ReviewOutcome {
  itemId: string;
  datanet: string;
  kind: ItemKind;
  ref: string;
  batch: string;
  outcome: Outcome;
  reason: string | null;
  /** moot: closed because another decision answered its question (a dispute of a contribution revoked by another). */
  decidedBy: 'quorum' | 'steward' | 'deadline' | 'moot';
  approvals: number;
  rejections: number;
  policyVersion: number;
  decidedAt: number;
}

export class ReviewError extends Error {
  override name = 'ReviewError';
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** Fastify answers a thrown error with this status and `{ error: code, message }`. */
  get statusCode(): number {
    return this.status;
  }
}
