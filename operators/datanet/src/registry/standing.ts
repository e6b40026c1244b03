import { sql, type Kysely } from 'kysely';
import type { StandingPolicy } from '../definition/datanet-definition.js';
import { DEFAULT_STANDING_POLICY, acceptanceRate, standingFrom } from '../policy/standing-policy.js';
import { num } from './open-registry.js';

/** A contributor's contributions to one Datanet by what they count for (see contributionCounts). */
interface ContributionCounts {
  contributor: string;
  /** Standing counts them: neither revoked, waiting for review nor dropped. */
  accepted: number;
  /** Held in a review queue (open or escalated), not revoked: not accepted yet. */
  waitingForReview: number;
  /** Dropped after intake by a later step, not revoked, not waiting for review. */
  dropped: number;
  /** Revoked, whatever else became of them. */
  revoked: number;
  /** Revoked and not dropped before: the revocations that lower standing. */
  penalised: number;
}

/**
 * A contributor's (or every contributor's) contributions to a Datanet (or to every Datanet) by fate, with the definitions
 * of a submission's status (GET /v1/submissions/{id}) and of the contributor's list of submissions:
 * revoked first; then waiting for review, held in a review queue (open or escalated items of the
 * review package's table, when the store has it): a newcomer's record held there is not accepted
 * until reviewers approve it (review comes before acceptance), and a near duplicate held there is
 * dropped by dedupe until they do, and waits, it is not dropped; then dropped by a later step;
 * else accepted, and standing counts it. A revocation of a contribution a later step had dropped
 * costs nothing: it was never accepted data.
 */
export async function contributionCounts(
  db: Kysely<any>,
  datanet: string | undefined,
  contributor?: string,
): Promise<ContributionCounts[]> {
  const review = await sql<{ t: boolean }>`select to_regclass('review_items') is not null as t`.execute(db);
  // The Datanet's held refs, joined once (hashed) rather than looked up for each contribution:
  // review_items is indexed by (datanet, state), not by ref. Without a Datanet, every Datanet's.
  const [join, held] = review.rows[0]?.t
    ? [
        sql`left join (select distinct datanet, ref from review_items
                        where state in ('open', 'escalated') ${datanet === undefined ? sql`` : sql`and datanet = ${datanet}`}) h
              on h.datanet = c.datanet and h.ref = c.id`,
        sql`h.ref is not null`,
      ]
    : [sql``, sql`false`];
  const { rows } = await sql<Record<keyof ContributionCounts, string | number>>`
    select c.contributor,
           count(*) filter (where c.revoked_at is null and not ${held} and c.dropped_at is null) as accepted,
           count(*) filter (where c.revoked_at is null and ${held}) as "waitingForReview",
           count(*) filter (where c.revoked_at is null and not ${held} and c.dropped_at is not null) as dropped,
           count(*) filter (where c.revoked_at is not null) as revoked,
           count(*) filter (where c.revoked_at is not null and c.dropped_at is null) as penalised
      from contributions c ${join}
     where true ${datanet === undefined ? sql`` : sql`and c.datanet = ${datanet}`}
       ${contributor === undefined ? sql`` : sql`and c.contributor = ${contributor}`}
     group by c.contributor`.execute(db);
  return rows.map((r) => ({
    contributor: String(r.contributor),
    accepted: num(r.accepted),
    waitingForReview: num(r.waitingForReview),
    dropped: num(r.dropped),
    revoked: num(r.revoked),
    penalised: num(r.penalised),
  }));
}

/** Current standing of a contributor in a Datanet, from the registry. */
export async function standingOf(
  db: Kysely<any>,
  datanet: string,
  contributor: string,
  policy: StandingPolicy = DEFAULT_STANDING_POLICY,
): Promise<number> {
  const [row] = await contributionCounts(db, datanet, contributor);
  return standingFrom({ accepted: row?.accepted ?? 0, revoked: row?.penalised ?? 0 }, policy);
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
  /** Contributions that count: accepted, neither revoked, waiting for review nor dropped by a later step. */
  contributions: number;
  /** Held in a review queue until reviewers decide (a near duplicate held there included): not counted yet. */
  waitingForReview: number;
  /** Revoked (first, whatever else became of them); each lowers standing unless a later step had dropped it. */
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
  const contributions = await contributionCounts(db, datanet, who);
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
        waitingForReview: 0,
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
  const penalised = new Map<string, number>();
  for (const c of contributions) {
    const s = entry(c.contributor);
    s.contributions = c.accepted;
    s.waitingForReview = c.waitingForReview;
    s.revoked = c.revoked;
    s.dropped = c.dropped;
    penalised.set(c.contributor, c.penalised);
  }
  for (const s of out.values()) {
    s.acceptanceRate = acceptanceRate(s.acceptedFiles, s.submittedFiles);
    s.standing = standingFrom({ accepted: s.contributions, revoked: penalised.get(s.contributor) ?? 0, rejected: s.rejectedFiles }, policy);
  }
  return [...out.values()].sort((a, b) => a.contributor.localeCompare(b.contributor));
}
