import type { Kysely } from 'kysely';
import { holdContributionDisputes, revokeContribution, type StandingPolicy } from '@datanet/datanet';
import { holdOpenItems, reviewItemId, settleHeldItems } from '@datanet/review';
import { appendAudit, auditEntryByKey } from '../audit/audit-log.js';
import { migrateAccountability } from '../store/migrations.js';
import { DisputeRefusedError } from './dispute-errors.js';
import { disputeFromRow, type Dispute } from './dispute-store.js';

export interface ResolveDisputeRequest {
  id: string;
  decision: 'upheld' | 'dismissed';
  /** Who decided: a steward's address, or the review queue item's id for a quorum. */
  actor: string;
  /** `deadline`: nobody decided it in time and the review's `onDeadline` (accept or reject) did. */
  via: 'steward' | 'quorum' | 'deadline';
  note?: string;
  standingPolicy?: StandingPolicy;
  now?: number;
}

export interface ResolveDisputeResult {
  dispute: Dispute;
  /** False: it was resolved before (a retry, a second resolver); nothing changed now. */
  resolved: boolean;
  /** Upheld, and this resolution revoked the contribution and lowered its owner's standing. */
  revocation?: { contribution: string; contributor: string; standingBefore: number; standingAfter: number };
  /** Upheld, but the contribution was revoked before (by `byDispute`): nothing revoked or lowered again. */
  alreadyRevoked?: AlreadyRevoked;
  /** The contribution's other open disputes this revocation closed as `moot`. */
  closedAsMoot?: string[];
}

export interface AlreadyRevoked {
  contribution: string;
  contributor: string;
  revokedAt: number;
  /** The dispute whose resolution revoked it; null when something else did. */
  byDispute: string | null;
  /** The registry's revocation reason. */
  reason: string;
}

/** How and by which dispute `d`'s contribution was revoked (its `contribution.revoked` audit entry). */
async function alreadyRevoked(trx: Kysely<any>, d: Dispute): Promise<AlreadyRevoked> {
  const c = await trx
    .selectFrom('contributions')
    .select(['revoked_at', 'revoke_reason'])
    .where('datanet', '=', d.datanet)
    .where('id', '=', d.contributionId)
    .executeTakeFirstOrThrow();
  const entry = await auditEntryByKey(trx, d.datanet, `contribution.revoked:${d.contributionId}`);
  const by = (entry?.payload as { dispute?: unknown } | undefined)?.dispute;
  return {
    contribution: d.contributionId,
    contributor: d.contributor,
    revokedAt: Number(c.revoked_at),
    byDispute: typeof by === 'string' ? by : null,
    reason: c.revoke_reason ?? '',
  };
}

/**
 * Why `actor` may not decide dispute `d` as a steward, or undefined: nobody decides a dispute they
 * filed or one against their own contribution (the review queue excludes the same two addresses).
 * Addresses compare case-insensitively; a token (`token:<id>`) is neither.
 */
export function stewardConflict(d: Dispute, actor: string): string | undefined {
  const who = actor.toLowerCase();
  if (who === d.filer.toLowerCase())
    return `${who} filed dispute ${d.id} and may not decide it; another steward or the review quorum decides`;
  if (who === d.contributor.toLowerCase())
    return `dispute ${d.id} is against ${d.contributionId}, a contribution of ${who}, who may not decide it; another steward or the review quorum decides`;
  return undefined;
}

/** The review batch (of one item) in which the quorum decides a dispute (dispute-review.ts). */
export const disputeBatch = (dispute: string) => `dispute:${dispute}`;

const disputeItemId = (datanet: string, id: string) => reviewItemId(datanet, 'dispute', disputeBatch(id), id);

/**
 * Locks the contribution's disputes (holdContributionDisputes), then the dispute's review item
 * while it is open (none when it was never queued or is settled): the order in which the queue's
 * deciding transaction takes them.
 */
async function holdDisputeReview(trx: Kysely<any>, id: string) {
  const d = await trx.selectFrom('disputes').select(['datanet', 'contribution_id']).where('id', '=', id).executeTakeFirst();
  if (!d) return [];
  await holdContributionDisputes(trx, d.datanet, d.contribution_id);
  return holdOpenItems(trx, [disputeItemId(d.datanet, id)]);
}

/**
 * Closes the other open disputes of a contribution `by` (upheld) has just revoked, as `moot`: nobody
 * decided them and their question is answered, so they leave the review queue (their items settled
 * as moot, no vote counted) instead of taking reviewers' time, and count neither for nor against
 * their filers. Each gets a `dispute.moot` entry (keyed as a resolution, so once). Inside the
 * revoking transaction, which holds the contribution's dispute lock (no dispute of it is opened,
 * decided or enqueued meanwhile). Returns the disputes closed.
 */
async function closeMootDisputes(trx: Kysely<any>, by: Dispute, via: string, now: number): Promise<Dispute[]> {
  const open = await trx
    .selectFrom('disputes')
    .select('id')
    .where('datanet', '=', by.datanet)
    .where('contribution_id', '=', by.contributionId)
    .where('status', '=', 'open')
    .where('id', '<>', by.id)
    .orderBy('id')
    .execute();
  if (!open.length) return [];
  const items = await holdOpenItems(
    trx,
    open.map((o) => disputeItemId(by.datanet, o.id)),
  );
  const note = `contribution ${by.contributionId} was revoked by dispute ${by.id} (upheld by ${by.resolvedBy} via ${via}); closed without a decision`;
  const rows = await trx
    .updateTable('disputes')
    .set({ status: 'moot', resolved_at: now, resolved_by: `dispute:${by.id}`, resolved_via: 'moot', resolution_note: note })
    .where(
      'id',
      'in',
      open.map((o) => o.id),
    )
    .where('status', '=', 'open')
    .returningAll()
    .execute();
  const closed = rows.map(disputeFromRow).sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const m of closed)
    await appendAudit(trx, {
      datanet: m.datanet,
      actor: `dispute:${by.id}`,
      kind: 'dispute.moot',
      subject: m.contributionId,
      key: `dispute.resolved:${m.id}`,
      at: now,
      payload: { dispute: m.id, contribution: m.contributionId, contributor: m.contributor, revokedBy: by.id, via: 'moot', note },
    });
  // Their review items leave the queue: no vote on them counts any more.
  await settleHeldItems(trx, items, 'approved', now, 'moot');
  return closed;
}

/**
 * Resolves an open dispute exactly once: the status change, the revocation (when upheld), the
 * standing it lowers and their audit entries commit in ONE transaction, and only the first
 * resolver's `UPDATE ... WHERE status = 'open'` matches. A crash leaves the dispute open; a retry
 * or a second resolver changes nothing and gets the stored outcome.
 *
 * Upheld: the contribution is revoked (registry `revoked_at`, reason naming the dispute and who
 * decided), so the next dataset version leaves it out and no epoch not yet final pays for it.
 * Rewards already final are not clawed back. Dismissed: nothing changes but the filer's count of
 * dismissed disputes (see DisputePolicy.dismissedLimit).
 */
export async function resolveDispute(db: Kysely<any>, req: ResolveDisputeRequest): Promise<ResolveDisputeResult> {
  await migrateAccountability(db);
  const now = req.now ?? Date.now();
  return db.transaction().execute(async (trx) => {
    // The dispute's review item (when the quorum may also decide it) is locked first, in the order
    // the queue's deciding transaction takes them, and settled with this decision: otherwise it
    // stayed open, handed to reviewers to vote on a question already answered.
    const queued = await holdDisputeReview(trx, req.id);
    const r = await resolveDisputeIn(trx, { ...req, now });
    if (r.resolved) await settleHeldItems(trx, queued, req.decision === 'upheld' ? 'approved' : 'rejected', now);
    return r;
  });
}

/** resolveDispute inside the caller's transaction (the review queue's deciding transaction). */
export async function resolveDisputeIn(trx: Kysely<any>, req: ResolveDisputeRequest): Promise<ResolveDisputeResult> {
  const now = req.now ?? Date.now();
  const row = await trx
    .updateTable('disputes')
    .set({
      status: req.decision,
      resolved_at: now,
      resolved_by: req.actor.toLowerCase(),
      resolved_via: req.via,
      resolution_note: req.note ?? null,
    })
    .where('id', '=', req.id)
    .where('status', '=', 'open')
    .returningAll()
    .executeTakeFirst();
  if (!row) {
    const stored = await trx.selectFrom('disputes').selectAll().where('id', '=', req.id).executeTakeFirst();
    if (!stored) throw new DisputeRefusedError('unknown_dispute', `no dispute ${req.id}`, 404);
    return { dispute: disputeFromRow(stored), resolved: false };
  }
  let d = disputeFromRow(row);
  const logDecision = (payload: Record<string, unknown> = {}) =>
    appendAudit(trx, {
      datanet: d.datanet,
      actor: d.resolvedBy!,
      kind: `dispute.${req.decision}`,
      subject: d.contributionId,
      key: `dispute.resolved:${d.id}`,
      at: now,
      payload: {
        dispute: d.id,
        contribution: d.contributionId,
        contributor: d.contributor,
        via: req.via,
        note: d.resolutionNote,
        ...payload,
      },
    });
  if (req.decision === 'dismissed') {
    await logDecision();
    return { dispute: d, resolved: true };
  }
  // Re-entrant when the caller took it (resolveDispute, the queue's deciding transaction); before
  // any audit entry of this transaction, as openDispute takes it before its own.
  await holdContributionDisputes(trx, d.datanet, d.contributionId);
  const r = await revokeContribution(trx, {
    datanet: d.datanet,
    id: d.contributionId,
    reason: `dispute ${d.id} upheld (${d.reason}) by ${d.resolvedBy} via ${req.via}`,
    now,
    policy: req.standingPolicy,
  });
  if (!r.revoked) {
    // Another dispute (or a concurrent resolver, whose row lock this one waited on) revoked it
    // first: this dispute is upheld, but revokes nothing and moves no standing again. Its record,
    // its answer and its log entry say so and name what did.
    const already = await alreadyRevoked(trx, d);
    const note = `contribution ${d.contributionId} was already revoked${already.byDispute ? ` by dispute ${already.byDispute}` : ''} at ${new Date(already.revokedAt).toISOString()}; nothing was revoked again`;
    const noted = await trx
      .updateTable('disputes')
      .set({ resolution_note: d.resolutionNote ? `${d.resolutionNote} (${note})` : note })
      .where('id', '=', d.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    d = disputeFromRow(noted);
    await logDecision({ alreadyRevokedBy: already.byDispute, alreadyRevokedAt: already.revokedAt });
    return { dispute: d, resolved: true, alreadyRevoked: already };
  }
  await logDecision();
  await appendAudit(trx, {
    datanet: d.datanet,
    actor: d.resolvedBy!,
    kind: 'contribution.revoked',
    subject: d.contributionId,
    key: `contribution.revoked:${d.contributionId}`,
    at: now,
    payload: {
      contribution: d.contributionId,
      contributor: d.contributor,
      dispute: d.id,
      reason: d.reason,
      by: d.resolvedBy,
      via: req.via,
    },
  });
  await appendAudit(trx, {
    datanet: d.datanet,
    actor: d.resolvedBy!,
    kind: 'standing.changed',
    subject: d.contributor,
    key: `standing.changed:revoked:${d.contributionId}`,
    at: now,
    payload: { contributor: d.contributor, before: r.standingBefore, after: r.standingAfter, cause: `revocation of ${d.contributionId}` },
  });
  const moot = await closeMootDisputes(trx, d, req.via, now);
  return {
    ...(moot.length ? { closedAsMoot: moot.map((m) => m.id) } : {}),
    dispute: d,
    resolved: true,
    revocation: {
      contribution: d.contributionId,
      contributor: d.contributor,
      standingBefore: r.standingBefore,
      standingAfter: r.standingAfter,
    },
  };
}
