import { sql, type Kysely } from 'kysely';
import { num } from '@datanet/datanet';

export interface ReviewerStats {
  reviewer: string;
  status: 'active' | 'suspended';
  suspendedReason: string | null;
  served: number;
  decisions: number;
  /** Gold answers (approve or reject on a gold item); in a reviewer's own view, those of whole windows only (GOLD_WINDOW). */
  goldAnswered: number;
  goldCorrect: number;
  /** goldCorrect / goldAnswered, null before any gold answer. */
  accuracy: number | null;
  compared: number;
  agreed: number;
  /** Agreement with the consensus of items they voted on, null before any settled. */
  agreement: number | null;
  /** Per UTC day: decisions, gold accuracy and agreement that day. */
  daily: { day: string; decisions: number; accuracy: number | null; agreement: number | null }[];
}

export interface QueueStats {
  datanet: string;
  items: { open: number; escalated: number; approved: number; rejected: number };
  /** Age of open items (ms): the oldest, and the median. */
  age: { oldestMs: number | null; medianMs: number | null };
  throughput: { decisionsLastHour: number; decisionsLastDay: number; settledLastHour: number; settledLastDay: number; decisions: number };
  /** Human decisions per settled item (the quorum's cost). */
  decisionsPerItem: number | null;
  reasons: { reason: string; count: number }[];
  reviewers: ReviewerStats[];
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/**
 * A reviewer sees their gold figures in whole windows of this many decisions: counters that moved
 * with each answer would tell them, right after a vote, whether its item was gold.
 */
export const GOLD_WINDOW = 20;

/**
 * A reviewer's own figures on one Datanet. Gold answers count once the window of GOLD_WINDOW
 * decisions they fall in is complete, so the figures say how a window went, never which item was
 * gold. A suspended reviewer sees them all (the suspension's reason says the accuracy anyway).
 */
export async function reviewerStats(db: Kysely<any>, datanet: string, reviewer: string): Promise<ReviewerStats> {
  const who = reviewer.toLowerCase();
  const live = (await reviewersOf(db, datanet, who))[0] ?? emptyReviewer(who);
  if (live.status === 'suspended') return live;
  const rows = await sql<{ gold_correct: boolean | null; day: string }>`
    select gold_correct, to_char(to_timestamp(decided_at / 1000.0) at time zone 'UTC', 'YYYY-MM-DD') as day
    from review_decisions where datanet = ${datanet} and reviewer = ${who} and role = 'reviewer' order by seq`.execute(db);
  const answered = rows.rows.slice(0, rows.rows.length - (rows.rows.length % GOLD_WINDOW)).filter((r) => r.gold_correct !== null);
  const right = answered.filter((r) => r.gold_correct).length;
  const byDay = (day: string) => answered.filter((r) => r.day === day);
  return {
    ...live,
    goldAnswered: answered.length,
    goldCorrect: right,
    accuracy: ratio(right, answered.length),
    daily: live.daily.map((d) => ({ ...d, accuracy: ratio(byDay(d.day).filter((r) => r.gold_correct).length, byDay(d.day).length) })),
  };
}

/** The queue as stewards see it: backlog, age, throughput, rejection reasons, every reviewer's quality. */
export async function queueStats(db: Kysely<any>, datanet: string, now = Date.now()): Promise<QueueStats> {
  const states = await sql<{ state: string; n: unknown }>`select state, count(*) as n from review_items
    where datanet = ${datanet} and kind <> 'gold' group by state`.execute(db);
  const by = Object.fromEntries(states.rows.map((r) => [r.state, num(r.n)]));
  const ages = await sql<{ oldest: unknown; median: unknown }>`select min(created_at) as oldest,
      percentile_disc(0.5) within group (order by created_at) as median
    from review_items where datanet = ${datanet} and kind <> 'gold' and state in ('open', 'escalated')`.execute(db);
  const a = ages.rows[0];
  const t = await sql<{ h: unknown; d: unknown; all: unknown }>`select
      count(*) filter (where decided_at > ${now - 3_600_000}) as h,
      count(*) filter (where decided_at > ${now - 86_400_000}) as d, count(*) as all
    from review_decisions where datanet = ${datanet} and kind <> 'gold' and role <> 'system'`.execute(db);
  const s = await sql<{ h: unknown; d: unknown; all: unknown }>`select
      count(*) filter (where decided_at > ${now - 3_600_000}) as h,
      count(*) filter (where decided_at > ${now - 86_400_000}) as d, count(*) as all
    from review_outcomes where datanet = ${datanet}`.execute(db);
  const human = await sql<{ n: unknown }>`select count(*) as n from review_decisions d
    join review_outcomes o on o.item_id = d.item_id where o.datanet = ${datanet} and d.role <> 'system'`.execute(db);
  const reasons = await sql<{ reason: string; n: unknown }>`select coalesce(reason, 'unspecified') as reason, count(*) as n
    from review_outcomes where datanet = ${datanet} and outcome = 'rejected' group by 1 order by 2 desc, 1`.execute(db);
  const settled = num(s.rows[0]?.all);
  return {
    datanet,
    items: { open: by.open ?? 0, escalated: by.escalated ?? 0, approved: by.approved ?? 0, rejected: by.rejected ?? 0 },
    age: {
      oldestMs: a?.oldest == null ? null : now - num(a.oldest),
      medianMs: a?.median == null ? null : now - num(a.median),
    },
    throughput: {
      decisionsLastHour: num(t.rows[0]?.h),
      decisionsLastDay: num(t.rows[0]?.d),
      settledLastHour: num(s.rows[0]?.h),
      settledLastDay: num(s.rows[0]?.d),
      decisions: num(t.rows[0]?.all),
    },
    decisionsPerItem: ratio(num(human.rows[0]?.n), settled),
    reasons: reasons.rows.map((r) => ({ reason: r.reason, count: num(r.n) })),
    reviewers: await reviewersOf(db, datanet),
  };
}

async function reviewersOf(db: Kysely<any>, datanet: string, only?: string): Promise<ReviewerStats[]> {
  let q = db.selectFrom('review_reviewers').selectAll().where('datanet', '=', datanet);
  if (only) q = q.where('reviewer', '=', only);
  const rows = await q.orderBy('reviewer').execute();
  const daily = await sql<{ reviewer: string; day: string; decisions: unknown; gold: unknown; right: unknown }>`
    select reviewer, to_char(to_timestamp(decided_at / 1000.0) at time zone 'UTC', 'YYYY-MM-DD') as day,
      count(*) as decisions, count(gold_correct) as gold, count(*) filter (where gold_correct) as right
    from review_decisions where datanet = ${datanet} and role = 'reviewer' ${only ? sql`and reviewer = ${only}` : sql``}
    group by 1, 2 order by 1, 2`.execute(db);
  const agree = await sql<{ reviewer: string; day: string; n: unknown; ok: unknown }>`
    select reviewer, to_char(to_timestamp(at / 1000.0) at time zone 'UTC', 'YYYY-MM-DD') as day,
      count(*) as n, count(*) filter (where agreed) as ok
    from review_agreement where datanet = ${datanet} ${only ? sql`and reviewer = ${only}` : sql``}
    group by 1, 2`.execute(db);
  const agreeBy = new Map(agree.rows.map((r) => [`${r.reviewer} ${r.day}`, r]));
  const agreeTotal = (reviewer: string) =>
    agree.rows.filter((a) => a.reviewer === reviewer).reduce((t, a) => ({ n: t.n + num(a.n), ok: t.ok + num(a.ok) }), { n: 0, ok: 0 });
  return rows.map((r) => {
    const days = daily.rows.filter((d) => d.reviewer === r.reviewer);
    const goldAnswered = num(r.gold_answered);
    const { n: compared, ok: agreed } = agreeTotal(r.reviewer);
    return {
      reviewer: r.reviewer,
      status: r.status,
      suspendedReason: r.suspended_reason ?? null,
      served: num(r.served),
      decisions: days.reduce((n, d) => n + num(d.decisions), 0),
      goldAnswered,
      goldCorrect: num(r.gold_correct),
      accuracy: ratio(num(r.gold_correct), goldAnswered),
      compared,
      agreed,
      agreement: ratio(agreed, compared),
      daily: days.map((d) => {
        const g = agreeBy.get(`${r.reviewer} ${d.day}`);
        return {
          day: d.day,
          decisions: num(d.decisions),
          accuracy: ratio(num(d.right), num(d.gold)),
          agreement: g ? ratio(num(g.ok), num(g.n)) : null,
        };
      }),
    };
  });
}

function emptyReviewer(reviewer: string): ReviewerStats {
  return {
    reviewer,
    status: 'active',
    suspendedReason: null,
    served: 0,
    decisions: 0,
    goldAnswered: 0,
    goldCorrect: 0,
    accuracy: null,
    compared: 0,
    agreed: 0,
    agreement: null,
    daily: [],
  };
}

export interface ContributorReviewCounts {
  contributor: string;
  held: number;
  approved: number;
  rejected: number;
  open: number;
}

/** Per contributor: records held for review and how they were decided (review rejections count as rejections). */
export async function contributorReviewCounts(db: Kysely<any>, datanet: string): Promise<ContributorReviewCounts[]> {
  const rows = await sql<{ contributor: string; held: unknown; approved: unknown; rejected: unknown; open: unknown }>`
    select contributor, count(*) as held,
      count(*) filter (where state = 'approved') as approved,
      count(*) filter (where state = 'rejected') as rejected,
      count(*) filter (where state in ('open', 'escalated')) as open
    from review_items where datanet = ${datanet} and kind = 'record' and contributor is not null
    group by contributor order by contributor`.execute(db);
  return rows.rows.map((r) => ({
    contributor: r.contributor,
    held: num(r.held),
    approved: num(r.approved),
    rejected: num(r.rejected),
    open: num(r.open),
  }));
}
