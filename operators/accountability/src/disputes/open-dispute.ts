import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  durationMs,
  holdContributionDisputes,
  standingOf,
  type DisputePolicy,
  type DisputeReason,
  type StandingPolicy,
} from '@datanet/datanet';
import { appendAudit } from '../audit/audit-log.js';
import { migrateAccountability } from '../store/migrations.js';
import { DisputeRefusedError } from './dispute-errors.js';
import { disputeFromRow, type Dispute } from './dispute-store.js';

export type DisputeRole = 'owner' | 'steward' | 'reviewer' | 'contributor';

/** Roles weakest first, as the server ranks them. */
const RANK: readonly DisputeRole[] = ['contributor', 'reviewer', 'steward', 'owner'];

/**
 * The role a filer who holds `held` acts in: the strongest role at or below it that the Datanet's
 * `openers` lets open disputes; anyone signed in is a contributor (who then needs minStanding).
 * The disputes route and `datanet dispute open` both choose so, so they agree.
 */
export function disputeRoleFor(held: DisputeRole, openers: readonly DisputeRole[]): DisputeRole {
  return [...RANK].reverse().find((r) => RANK.indexOf(r) <= RANK.indexOf(held) && openers.includes(r)) ?? 'contributor';
}

export interface OpenDisputeRequest {
  datanet: string;
  contributionId: string;
  /** Who files it (lower-case 0x address). */
  filer: string;
  /** The role the filer acts in; the caller has checked they hold it (server roles or the Datanet's YAML). */
  role: DisputeRole;
  reason: DisputeReason;
  /** For `duplicate`: the earlier contribution this one duplicates. */
  duplicateOf?: string;
  evidence: string;
  policy: DisputePolicy;
  standingPolicy?: StandingPolicy;
  now?: number;
}

export interface OpenDisputeResult {
  dispute: Dispute;
  /** False: the same filer already had this dispute open; nothing new was recorded. */
  created: boolean;
}

/**
 * Opens a dispute on an accepted contribution, under the Datanet's dispute rights: the filer's role
 * must be one of `policy.openers` (a plain contributor also needs `minStanding`), the reason one of
 * `policy.reasons`, the evidence at least `minEvidenceChars`, and a filer with `dismissedLimit`
 * dismissed disputes within `dismissedWindow` waits until the oldest of them leaves the window.
 * Idempotent per (filer, contribution) while open. Recorded with its audit entry in one transaction.
 */
export async function openDispute(db: Kysely<any>, req: OpenDisputeRequest): Promise<OpenDisputeResult> {
  await migrateAccountability(db);
  const now = req.now ?? Date.now();
  const filer = req.filer.toLowerCase();
  const p = req.policy;
  if (!p.openers.includes(req.role))
    throw new DisputeRefusedError(
      'not_allowed',
      `in Datanet ${req.datanet} only ${p.openers.join(', ')} may open disputes, not a ${req.role}`,
      403,
    );
  if (!p.reasons.includes(req.reason))
    throw new DisputeRefusedError(
      'bad_evidence',
      `reason "${req.reason}" is not accepted in Datanet ${req.datanet}; use one of ${p.reasons.join(', ')}`,
    );
  if (req.evidence.trim().length < p.minEvidenceChars)
    throw new DisputeRefusedError(
      'bad_evidence',
      `evidence must say why in at least ${p.minEvidenceChars} characters (got ${req.evidence.trim().length})`,
    );
  if (req.reason === 'duplicate' && !req.duplicateOf)
    throw new DisputeRefusedError('bad_evidence', 'a "duplicate" dispute must name the earlier contribution (duplicateOf)');

  return db.transaction().execute(async (trx) => {
    // One opener of a (filer, contribution) at a time, across processes; and none while a
    // revocation closes the contribution's open disputes (resolve-dispute.ts).
    await holdContributionDisputes(trx, req.datanet, req.contributionId);
    const c = await trx
      .selectFrom('contributions')
      .select(['id', 'contributor', 'revoked_at', 'dropped_at', 'drop_reason', 'accepted_at'])
      .where('datanet', '=', req.datanet)
      .where('id', '=', req.contributionId)
      .executeTakeFirst();
    if (!c)
      throw new DisputeRefusedError(
        'unknown_contribution',
        `no accepted contribution ${req.contributionId} in Datanet ${req.datanet}`,
        404,
      );
    if (c.revoked_at !== null && c.revoked_at !== undefined)
      throw new DisputeRefusedError('already_revoked', `contribution ${req.contributionId} is already revoked`, 409);
    if (c.dropped_at !== null && c.dropped_at !== undefined)
      throw new DisputeRefusedError(
        'not_accepted',
        `contribution ${req.contributionId} was dropped after intake (${c.drop_reason}): it is in no dataset version and earns nothing, so there is nothing to dispute`,
        409,
      );
    if (req.duplicateOf) {
      if (req.duplicateOf === req.contributionId)
        throw new DisputeRefusedError(
          'bad_evidence',
          `duplicateOf names ${req.duplicateOf} itself: name the earlier contribution it repeats`,
        );
      const earlier = await trx
        .selectFrom('contributions')
        .select(['id', 'accepted_at'])
        .where('datanet', '=', req.datanet)
        .where('id', '=', req.duplicateOf)
        .executeTakeFirst();
      if (!earlier)
        throw new DisputeRefusedError(
          'bad_evidence',
          `duplicateOf names ${req.duplicateOf}, which is not a contribution of Datanet ${req.datanet}`,
        );
      // The earliest contribution keeps the credit: upholding "the original duplicates its later
      // copy" would revoke the original and leave the copy paid.
      if (Number(earlier.accepted_at) > Number(c.accepted_at))
        throw new DisputeRefusedError(
          'bad_evidence',
          `duplicateOf names ${req.duplicateOf}, accepted after ${req.contributionId} (${new Date(Number(earlier.accepted_at)).toISOString()} > ${new Date(Number(c.accepted_at)).toISOString()}): the earlier contribution keeps the credit, so dispute ${req.duplicateOf} as a duplicate of ${req.contributionId} instead`,
        );
    }
    const open = await trx
      .selectFrom('disputes')
      .selectAll()
      .where('datanet', '=', req.datanet)
      .where('contribution_id', '=', req.contributionId)
      .where('filer', '=', filer)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (open) return { dispute: disputeFromRow(open), created: false };
    if (req.role === 'contributor') {
      const standing = await standingOf(trx, req.datanet, filer, req.standingPolicy);
      if (standing < p.minStanding)
        throw new DisputeRefusedError(
          'not_allowed',
          `a contributor needs standing ${p.minStanding} to open a dispute in Datanet ${req.datanet}; yours is ${standing.toFixed(3)}`,
          403,
        );
    }
    const windowMs = durationMs(p.dismissedWindow);
    const dismissed = await trx
      .selectFrom('disputes')
      .select('resolved_at')
      .where('datanet', '=', req.datanet)
      .where('filer', '=', filer)
      .where('status', '=', 'dismissed')
      .where('resolved_at', '>', now - windowMs)
      .orderBy('resolved_at', 'desc')
      .execute();
    if (dismissed.length >= p.dismissedLimit) {
      const retryAt = Number(dismissed[p.dismissedLimit - 1].resolved_at) + windowMs;
      throw new DisputeRefusedError(
        'rate_limited',
        `${dismissed.length} of your disputes in Datanet ${req.datanet} were dismissed in the last ${p.dismissedWindow}; you may open another from ${new Date(retryAt).toISOString()}`,
        429,
        retryAt,
      );
    }
    const id = `dsp_${createHash('sha256')
      .update(JSON.stringify([req.datanet, req.contributionId, filer, now, req.reason]))
      .digest('hex')
      .slice(0, 24)}`;
    const row = await trx
      .insertInto('disputes')
      .values({
        id,
        datanet: req.datanet,
        contribution_id: req.contributionId,
        contributor: c.contributor,
        filer,
        filer_role: req.role,
        reason: req.reason,
        duplicate_of: req.duplicateOf ?? null,
        evidence: req.evidence,
        status: 'open',
        opened_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendAudit(trx, {
      datanet: req.datanet,
      actor: filer,
      kind: 'dispute.opened',
      subject: req.contributionId,
      key: `dispute.opened:${id}`,
      at: now,
      payload: {
        dispute: id,
        contribution: req.contributionId,
        contributor: c.contributor,
        role: req.role,
        reason: req.reason,
        duplicateOf: req.duplicateOf ?? null,
        // The audit log is public; the evidence is shown to signed-in members through the disputes
        // route. The public entry commits to it by hash, so the log still proves what was filed.
        evidenceSha256: createHash('sha256').update(req.evidence).digest('hex'),
      },
    });
    return { dispute: disputeFromRow(row), created: true };
  });
}
