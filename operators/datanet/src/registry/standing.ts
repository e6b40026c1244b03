import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { StandingPolicy } from '../definition/datanet-definition.js';
import { DEFAULT_STANDING_POLICY, acceptanceRate, standingFrom } from '../policy/standing-policy.js';
import { num } from './open-registry.js';

/**
 * A contributor's contributions by what they count for: accepted (standing counts them), revoked
 * (a penalty), dropped after intake (nothing). A revocation of a contribution a later step had
 * dropped costs nothing: it was never accepted data.
 */
function contributionCounts(eb: ExpressionBuilder<any, 'contributions'>) {
  const where = (revoked: 'is' | 'is not', dropped: 'is' | 'is not') =>
    eb.fn.count('id').filterWhere((w) => w.and([w('revoked_at', revoked, null), w('dropped_at', dropped, null)]));
  return [where('is', 'is').as('accepted'), where('is not', 'is').as('revoked'), where('is', 'is not').as('dropped')];
}

/** Current standing of a contributor in a Datanet, from the registry. */
export async function standingOf(
  db: Kysely<any>,
  datanet: string,
  contributor: string,
  policy: StandingPolicy = DEFAULT_STANDING_POLICY,
): Promise<number> {
  const row = await db
    .selectFrom('contributions')
    .select(contributionCounts)
    .where('datanet', '=', datanet)
    .where('contributor', '=', contributor)
    .executeTakeFirst();
  return standingFrom({ accepted: num(row?.accepted), revoked: num(row?.revoked) }, policy);
}

/**
 * Serialises the changes of one contributor's standing in a Datanet that report it as before ->
 * after (revocations): a transaction-scoped advisory lock. Read the standing after taking it, so a
 * concurrent change of the same contributor has committed (or waits) and "before" is true.
 */
export async function holdStandingOf(trx: Kysely<any>, datanet: string, contributor: string): Promise<void> {
  if (!trx.isTransaction) throw new Error('holdStandingOf needs a transaction (the lock lasts until it ends)');
  await sql`select pg_advisory_xact_lock(hashtext(${`datanet-standing:${datanet}:${contributor.toLowerCase()}`}))`.execute(trx);
}

/** Appends to the standing history (once per event and reference) and returns the standing after it. */
export async function noteStanding(
  db: Kysely<any>,
  e: {
    datanet: string;
    contributor: string;
    event: 'accepted' | 'rejected' | 'revoked' | 'dropped' | 'restored';
    ref: string;
    policy?: StandingPolicy;
    now?: number;
  },
): Promise<number> {
  const standing = await standingOf(db, e.datanet, e.contributor, e.policy);
  await db
    .insertInto('standing_history')
    .values({ datanet: e.datanet, contributor: e.contributor, event: e.event, ref: e.ref, standing, at: e.now ?? Date.now() })
    .onConflict((oc) => oc.columns(['datanet', 'contributor', 'event', 'ref']).doNothing())
    .execute();
  return standing;
}

export interface StandingHistoryEntry {
  event: string;
  ref: string;
  standing: number;
  at: number;
}

export async function standingHistory(db: Kysely<any>, datanet: string, contributor: string): Promise<StandingHistoryEntry[]> {
  const rows = await db
    .selectFrom('standing_history')
    .select(['event', 'ref', 'standing', 'at'])
    .where('datanet', '=', datanet)
    .where('contributor', '=', contributor)
    .orderBy('at')
    .execute();
  return rows.map((r) => ({ event: r.event, ref: r.ref, standing: Number(r.standing), at: num(r.at) }));
}

export interface ContributorStats {
  contributor: string;
  submittedFiles: number;
  acceptedFiles: number;
  rejectedFiles: number;
  /** accepted / submitted files. */
  acceptanceRate: number;
  /** Contributions that count: neither revoked nor dropped by a later step. */
  contributions: number;
  revoked: number;
  /** Recorded at intake, then dropped by dedupe, quality or review: not counted. */
  dropped: number;
  standing: number;
}

/**
 * Acceptance rate and standing of every contributor of a Datanet. Files count only when their
 * submission was authenticated (a forged signature is nobody's file, so it cannot hurt the address
 * it names).
 */
export async function contributorStats(
  db: Kysely<any>,
  datanet: string,
  policy: StandingPolicy = DEFAULT_STANDING_POLICY,
  only?: { contributor: string },
): Promise<ContributorStats[]> {
  // One contributor's page reads that contributor's rows (by index), not the whole Datanet's.
  // The address as stored: as signed, checksummed (ethers' getAddress).
  const who = only?.contributor;
  const files = await db
    .selectFrom('submission_files')
    .$if(who !== undefined, (q) => q.where('contributor', '=', who!))
    .select((eb) => [
      'contributor',
      eb.fn.countAll().as('submitted'),
      eb.fn.countAll().filterWhere('status', '=', 'accepted').as('accepted'),
    ])
    .where('datanet', '=', datanet)
    .groupBy('contributor')
    .execute();
  const contributions = await db
    .selectFrom('contributions')
    .select((eb) => ['contributor', ...contributionCounts(eb)])
    .where('datanet', '=', datanet)
    .$if(who !== undefined, (q) => q.where('contributor', '=', who!))
    .groupBy('contributor')
    .execute();
  const out = new Map<string, ContributorStats>();
  const entry = (contributor: string) => {
    let s = out.get(contributor);
    if (!s) {
      s = {
        contributor,
        submittedFiles: 0,
        acceptedFiles: 0,
        rejectedFiles: 0,
        acceptanceRate: 0,
        contributions: 0,
        revoked: 0,
        dropped: 0,
        standing: 0,
      };
      out.set(contributor, s);
    }
    return s;
  };
  for (const f of files) {
    const s = entry(f.contributor);
    s.submittedFiles = num(f.submitted);
    s.acceptedFiles = num(f.accepted);
    s.rejectedFiles = s.submittedFiles - s.acceptedFiles;
  }
  for (const c of contributions) {
    const s = entry(c.contributor);
    s.contributions = num(c.accepted);
    s.revoked = num(c.revoked);
    s.dropped = num(c.dropped);
  }
  for (const s of out.values()) {
    s.acceptanceRate = acceptanceRate(s.acceptedFiles, s.submittedFiles);
    s.standing = standingFrom({ accepted: s.contributions, revoked: s.revoked, rejected: s.rejectedFiles }, policy);
  }
  return [...out.values()].sort((a, b) => a.contributor.localeCompare(b.contributor));
}
