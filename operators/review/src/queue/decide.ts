import { sql, type Kysely } from 'kysely';
import { num } from '@datanet/datanet';
import { tallyVotes, type Verdict, type Vote } from '../rule/decision-rule.js';
import { releaseIn } from './next-items.js';
import { holdDisputedContributions } from './dispute-lock.js';
import { settleItem, type ItemRowFull } from './settle-item.js';
import { ReviewError, type DecisionRequest, type DecisionResult, type QueuePolicy } from './queue-types.js';

/**
 * Records one decision and applies the rule, in one transaction under the item's row lock, so
 * concurrent decisions on an item are counted one after the other and none is lost. Idempotent:
 * the same reviewer deciding the same item again gets the first decision back (`replay`).
 */
export async function decide(db: Kysely<any>, req: DecisionRequest, policy: QueuePolicy, now = Date.now()): Promise<DecisionResult> {
  const reviewer = req.reviewer.toLowerCase();
  const role = req.override ? 'steward' : 'reviewer';
  // PostgreSQL's text refuses NUL: the caller's fault, said as such (the routes' schemas check it too).
  for (const field of ['reason', 'note'] as const)
    if (req[field]?.includes('\u0000')) throw new ReviewError(400, 'invalid_text', `${field} must not contain the NUL character (\\u0000)`);
  if (req.reason != null && req.verdict !== 'reject')
    throw new ReviewError(400, 'reason_not_allowed', `reason is given with reject only, not with ${req.verdict}: use note to say more`);
  if (req.verdict === 'reject') {
    if (!req.reason) throw new ReviewError(400, 'reason_required', `a rejection needs a reason, one of: ${policy.reasons.join(', ')}`);
    if (!policy.reasons.includes(req.reason))
      throw new ReviewError(400, 'unknown_reason', `reason "${req.reason}" is not one of this Datanet's: ${policy.reasons.join(', ')}`);
  }
  if (req.override && req.verdict !== 'approve' && req.verdict !== 'reject')
    throw new ReviewError(400, 'bad_override', 'an override approves or rejects');

  return db.transaction().execute(async (tx) => {
    await holdDisputedContributions(tx, { ids: [req.itemId] });
    const found =
      await sql<ItemRowFull>`select * from review_items where id = ${req.itemId} and datanet = ${req.datanet} for update`.execute(tx);
    const item = found.rows[0];
    if (!item) throw new ReviewError(404, 'unknown_item', `no review item ${req.itemId} on ${req.datanet}`);
    if (item.exclude.includes(`,${reviewer},`))
      throw new ReviewError(403, 'own_item', 'you may not review your own record (or a dispute you filed)');

    const earlier = await sql<{ verdict: Verdict }>`select verdict from review_decisions
      where item_id = ${item.id} and reviewer = ${reviewer} and role = ${role}`.execute(tx);
    if (earlier.rows[0])
      return {
        itemId: item.id,
        verdict: earlier.rows[0].verdict,
        replay: true,
        state: item.kind === 'gold' ? goldState(earlier.rows[0].verdict) : (item.state as DecisionResult['state']),
        suspended: false,
      };

    let assignment: { released: boolean; expires_at: unknown } | undefined;
    if (req.override) {
      if (!policy.stewardOverride)
        throw new ReviewError(403, 'override_disabled', "this Datanet's review policy allows no steward override");
      if (item.kind === 'gold') throw new ReviewError(409, 'not_overridable', 'this item cannot be overridden');
    }
    // Settled without this vote (a steward, the deadline, the quorum) while it was held: a vote now
    // would count for nothing, so it is refused, not recorded as if it had (figures count votes).
    if (item.kind !== 'gold' && (item.state === 'approved' || item.state === 'rejected')) throw await alreadyDecided(tx, item);
    if (!req.override) {
      const me = await sql<{ status: string }>`select status from review_reviewers
        where datanet = ${req.datanet} and reviewer = ${reviewer} for update`.execute(tx);
      if (me.rows[0]?.status === 'suspended')
        throw new ReviewError(403, 'reviewer_suspended', `your review rights on ${req.datanet} are suspended`);
      const a = await sql<{ released: boolean; expires_at: unknown }>`select released, expires_at from review_assignments
        where item_id = ${item.id} and reviewer = ${reviewer}`.execute(tx);
      assignment = a.rows[0];
      if (!assignment) throw new ReviewError(409, 'not_assigned', 'this item was not handed to you: ask for your next items first');
      // A vote needs the lease it was handed under: once it ran out or was released, the item may be
      // with someone else, and counting this vote too would hand it beyond the votes it needs.
      const expires = num(assignment.expires_at);
      if (assignment.released || expires <= now)
        throw new ReviewError(
          409,
          'lease_expired',
          `your lease on item ${item.id} ${assignment.released ? 'was released' : `ran out at ${new Date(expires).toISOString()}`}: ` +
            `fetch the item again with next (GET /v1/datanets/${req.datanet}/review/next, \`datanet review next\`); ` +
            'it is handed back to you while it still needs a vote',
        );
    }

    const goldCorrect =
      item.kind === 'gold' && (req.verdict === 'approve' || req.verdict === 'reject') ? req.verdict === item.gold_expected : null;
    await tx
      .insertInto('review_decisions')
      .values({
        item_id: item.id,
        datanet: item.datanet,
        kind: item.kind,
        reviewer,
        role,
        verdict: req.verdict,
        reason: req.reason ?? null,
        note: req.note ?? null,
        gold_correct: goldCorrect,
        policy_version: policy.version,
        decided_at: now,
      })
      .execute();
    if (assignment) {
      await sql`update review_assignments set decided_at = ${now} where item_id = ${item.id} and reviewer = ${reviewer}`.execute(tx);
      if (item.kind !== 'gold')
        await sql`update review_items set outstanding = greatest(0, outstanding - 1) where id = ${item.id}`.execute(tx);
    }

    if (item.kind === 'gold') {
      const suspended = goldCorrect === null ? false : await scoreGold(tx, req.datanet, reviewer, goldCorrect, policy, now);
      return { itemId: item.id, verdict: req.verdict, replay: false, state: goldState(req.verdict), suspended };
    }
    const rows = await sql<{ reviewer: string; verdict: Verdict; role: string; reason: string | null }>`
      select reviewer, verdict, role, reason from review_decisions where item_id = ${item.id} and role <> 'system' order by seq`.execute(
      tx,
    );
    const votes: Vote[] = rows.rows.map((r) => ({
      reviewer: r.reviewer,
      verdict: r.verdict,
      override: r.role === 'steward',
      reason: r.reason,
    }));
    const excluded = item.exclude.split(',').filter(Boolean);
    const t = tallyVotes(votes, policy, excluded);
    if (t.state === 'open') {
      // A flag sends the item to stewards; it leaves reviewers' queues until one decides.
      const state = req.verdict === 'flag' && !req.override ? 'escalated' : item.state;
      await sql`update review_items set approvals = ${t.approvals}, rejections = ${t.rejections}, state = ${state}
        where id = ${item.id}`.execute(tx);
      return { itemId: item.id, verdict: req.verdict, replay: false, state: state as DecisionResult['state'], suspended: false };
    }
    await settleItem(tx, item, {
      outcome: t.state,
      reason: t.reason,
      decidedBy: t.overriddenBy ? 'steward' : 'quorum',
      approvals: t.approvals,
      rejections: t.rejections,
      counted: t.counted.filter((v) => !v.override),
      now,
    });
    return { itemId: item.id, verdict: req.verdict, replay: false, state: t.state, suspended: false };
  });
}

const DECIDED_BY: Record<string, string> = {
  quorum: 'the review quorum',
  steward: 'a steward',
  deadline: 'its deadline',
  moot: 'another decision that made it moot',
};

/** The refusal of a vote on a settled item, saying how it was settled. */
async function alreadyDecided(tx: Kysely<any>, item: ItemRowFull): Promise<ReviewError> {
  const o = await sql<{ decided_by: string }>`select decided_by from review_outcomes where item_id = ${item.id}`.execute(tx);
  const by = o.rows[0] ? ` (by ${DECIDED_BY[o.rows[0].decided_by] ?? o.rows[0].decided_by})` : '';
  return new ReviewError(409, 'already_decided', `item ${item.id} is already ${item.state}${by}; this decision was not counted`);
}

/** A gold item is answered as a record's first vote would be: a flag escalates it, anything else leaves it open. */
const goldState = (verdict: Verdict): DecisionResult['state'] => (verdict === 'flag' ? 'escalated' : 'open');

/** Counts a gold answer; suspends the reviewer when their accuracy falls below the policy's floor. */
async function scoreGold(tx: Kysely<any>, datanet: string, reviewer: string, correct: boolean, policy: QueuePolicy, now: number) {
  const r = await sql<{ gold_answered: unknown; gold_correct: unknown }>`update review_reviewers
    set gold_answered = gold_answered + 1, gold_correct = gold_correct + ${correct ? 1 : 0}
    where datanet = ${datanet} and reviewer = ${reviewer} returning gold_answered, gold_correct`.execute(tx);
  const answered = num(r.rows[0]?.gold_answered);
  const right = num(r.rows[0]?.gold_correct);
  if (answered < policy.minGoldAnswered || right / answered >= policy.minAccuracy) return false;
  const why = `gold accuracy ${right}/${answered} is below ${policy.minAccuracy}`;
  await sql`update review_reviewers set status = 'suspended', suspended_at = ${now}, suspended_reason = ${why}
    where datanet = ${datanet} and reviewer = ${reviewer}`.execute(tx);
  // Whatever they were holding here goes back to the queue for someone else; a suspension on one
  // Datanet takes nothing from their work on another.
  const live = await sql<{ item_id: string }>`select a.item_id from review_assignments a join review_items i on i.id = a.item_id
    where a.reviewer = ${reviewer} and i.datanet = ${datanet} and a.decided_at is null and a.released = false
    order by a.item_id`.execute(tx);
  for (const a of live.rows) await releaseIn(tx, a.item_id, reviewer);
  return true;
}
