import { sql, type Kysely } from 'kysely';
import type { StandingPolicy } from '../definition/datanet-definition.js';
import { DEFAULT_STANDING_POLICY } from '../policy/standing-policy.js';
import { num } from './open-registry.js';
import { holdStandingOf, noteStanding, standingOf } from './standing.js';

export interface ContributionRecord {
  /** Content hash of the normalised record (hex sha256). */
  id: string;
  datanet: string;
  contributor: string;
  submissionId: string;
  sourceFile: string;
  recordIndex: number;
  licence: string;
  /** Granted consent flags, sorted and comma-separated. */
  consent: string;
  submittedAt: number;
  validatorVersion: string;
  runId?: string | null;
}

export interface StoredContribution extends ContributionRecord {
  acceptedAt: number;
  revokedAt: number | null;
  revokeReason: string | null;
  /** When a later step dropped it (a duplicate, a quality or review rejection); null while it stands. */
  droppedAt: number | null;
  /** Which step and why, e.g. "dedupe.exact: duplicate of <id>", "review.off_topic". */
  dropReason: string | null;
}

export interface RecordResult {
  /** Records stored now, or stored earlier by this same submission/file/index (a re-run). */
  accepted: StoredContribution[];
  /** Records whose content was already contributed by someone (or somewhere) else: the earliest keeps it. */
  duplicates: { record: ContributionRecord; existing: StoredContribution }[];
}

const CHUNK = 500;

/**
 * Records accepted contributions, idempotently: a content hash is stored once per Datanet, and the
 * earliest contribution keeps it. Re-recording the same record from the same submission, file and
 * index (a re-run) returns it as accepted again.
 */
export async function recordContributions(
  db: Kysely<any>,
  records: ContributionRecord[],
  options: { now?: number; policy?: StandingPolicy } = {},
): Promise<RecordResult> {
  const now = options.now ?? Date.now();
  const result: RecordResult = { accepted: [], duplicates: [] };
  for (let i = 0; i < records.length; i += CHUNK) {
    const chunk = dedupeById(records.slice(i, i + CHUNK));
    await db
      .insertInto('contributors')
      .values([...new Set(chunk.map((r) => r.contributor))].map((address) => ({ address, first_seen_at: now })))
      .onConflict((oc) => oc.column('address').doNothing())
      .execute();
    await db
      .insertInto('contributions')
      .values(
        chunk.map((r) => ({
          datanet: r.datanet,
          id: r.id,
          contributor: r.contributor,
          submission_id: r.submissionId,
          source_file: r.sourceFile,
          record_index: r.recordIndex,
          licence: r.licence,
          consent: r.consent,
          submitted_at: r.submittedAt,
          validator_version: r.validatorVersion,
          run_id: r.runId ?? null,
          accepted_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['datanet', 'id']).doNothing())
      .execute();
    const byDatanet = new Map<string, string[]>();
    for (const r of chunk) byDatanet.set(r.datanet, [...(byDatanet.get(r.datanet) ?? []), r.id]);
    const stored = new Map<string, StoredContribution>();
    for (const [datanet, ids] of byDatanet) {
      const rows = await db.selectFrom('contributions').selectAll().where('datanet', '=', datanet).where('id', 'in', ids).execute();
      for (const row of rows) stored.set(`${datanet}\n${row.id}`, fromRow(row));
    }
    for (const r of records.slice(i, i + CHUNK)) {
      const existing = stored.get(`${r.datanet}\n${r.id}`)!;
      const same =
        existing.submissionId === r.submissionId && existing.sourceFile === r.sourceFile && existing.recordIndex === r.recordIndex;
      if (same) result.accepted.push(existing);
      else result.duplicates.push({ record: r, existing });
    }
  }
  const touched = new Set(result.accepted.map((c) => `${c.datanet}\n${c.contributor}\n${c.submissionId}\n${c.sourceFile}`));
  for (const key of touched) {
    const [datanet, contributor, submission, file] = key.split('\n');
    await noteStanding(db, { datanet, contributor, event: 'accepted', ref: `${submission}/${file}`, policy: options.policy, now });
  }
  return result;
}

export interface RevokeResult {
  revoked: boolean;
  contribution: StoredContribution;
  standingBefore: number;
  standingAfter: number;
}

/**
 * The fence between revoking a Datanet's contributions and finalising its settlements (a
 * transaction-scoped advisory lock): revocations hold it shared, so any number run at once; the
 * transaction that makes an epoch final holds it exclusive and reads the revoked set inside it.
 * So a revocation either commits first and the epoch does not become final with it unpaid-for,
 * or waits and applies from the next epoch: never "committed, yet paid for after".
 */
export async function holdRevocationFence(trx: Kysely<any>, datanet: string, mode: 'shared' | 'exclusive'): Promise<void> {
  if (!trx.isTransaction) throw new Error('holdRevocationFence needs a transaction (the lock lasts until it ends)');
  const key = `datanet-revocations:${datanet}`;
  if (mode === 'shared') await sql`select pg_advisory_xact_lock_shared(hashtext(${key}))`.execute(trx);
  else await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
}

/**
 * The lock under which disputes of one contribution are opened, decided and closed (a
 * transaction-scoped advisory lock): whatever may settle a dispute of it takes this first, before
 * any review item, dispute row or audit entry, so a revocation can close the contribution's other
 * open disputes (and their review items) without two deciders waiting on each other, and nobody
 * opens a dispute on it between the revocation and that closing.
 */
export async function holdContributionDisputes(trx: Kysely<any>, datanet: string, contributionId: string): Promise<void> {
  if (!trx.isTransaction) throw new Error('holdContributionDisputes needs a transaction (the lock lasts until it ends)');
  await sql`select pg_advisory_xact_lock(hashtext(${`datanet-dispute:${datanet}:${contributionId}`}))`.execute(trx);
}

/**
 * Revokes an accepted contribution (upheld dispute, later-found duplicate or poison); lowers
 * standing. One transaction (the caller's, when given one) behind the revocation fence; the owner's
 * standing is read under holdStandingOf, so concurrent revocations of one owner report each step.
 */
export async function revokeContribution(
  db: Kysely<any>,
  args: { datanet: string; id: string; reason: string; now?: number; policy?: StandingPolicy },
): Promise<RevokeResult> {
  if (!db.isTransaction) return db.transaction().execute((trx) => revokeContribution(trx, args));
  await holdRevocationFence(db, args.datanet, 'shared');
  const now = args.now ?? Date.now();
  const policy = args.policy ?? DEFAULT_STANDING_POLICY;
  const before = await db
    .selectFrom('contributions')
    .selectAll()
    .where('datanet', '=', args.datanet)
    .where('id', '=', args.id)
    .executeTakeFirst();
  if (!before) throw new Error(`no contribution ${args.id} in Datanet ${args.datanet}; check the id (a content hash) and the Datanet`);
  // Read under the owner's lock: two revocations of two contributions of one owner at once would
  // otherwise both read the standing before either and report the same before -> after.
  await holdStandingOf(db, args.datanet, before.contributor);
  const standingBefore = await standingOf(db, args.datanet, before.contributor, policy);
  const updated = await db
    .updateTable('contributions')
    .set({ revoked_at: now, revoke_reason: args.reason })
    .where('datanet', '=', args.datanet)
    .where('id', '=', args.id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  const standingAfter = await noteStanding(db, {
    datanet: args.datanet,
    contributor: before.contributor,
    event: 'revoked',
    ref: args.id,
    policy,
    now,
  });
  return { revoked: Boolean(updated), contribution: fromRow(updated ?? before), standingBefore, standingAfter };
}

export interface DroppedContribution {
  datanet: string;
  /** The contribution id (content hash). */
  id: string;
  /** Which step dropped it and why: "dedupe.exact: duplicate of <id>", "quality.filter: too_short", "review.off_topic". */
  reason: string;
}

/**
 * Marks contributions that a step after intake dropped: a duplicate, a quality rejection, a review
 * rejection. Intake records a record once it is valid, before dedupe, quality and review have
 * judged it; a record they drop was never accepted data, so standing, earned review rights and the
 * contributor's counts stop counting it (back to what they were without it: a drop is not a
 * penalty, unlike a revocation). Ids that are not contributions (a table from elsewhere), revoked
 * or already dropped are left as they are (the first reason stays), so re-runs change nothing.
 * Returns the contributions it dropped now.
 */
export async function dropContributions(
  db: Kysely<any>,
  dropped: DroppedContribution[],
  options: { now?: number; policy?: StandingPolicy } = {},
): Promise<StoredContribution[]> {
  const now = options.now ?? Date.now();
  const out: StoredContribution[] = [];
  const byDatanet = new Map<string, Map<string, string>>();
  for (const d of dropped) {
    const m = byDatanet.get(d.datanet) ?? new Map<string, string>();
    if (!m.has(d.id)) m.set(d.id, d.reason);
    byDatanet.set(d.datanet, m);
  }
  for (const [datanet, reasons] of byDatanet) {
    const entries = [...reasons];
    // One statement per chunk, each row with its own reason (a duplicate names its representative).
    for (let i = 0; i < entries.length; i += CHUNK) {
      const part = entries.slice(i, i + CHUNK);
      const rows = await sql<Record<string, unknown>>`
        update contributions c set dropped_at = ${now}, drop_reason = v.reason
          from unnest(${part.map(([id]) => id)}::text[], ${part.map(([, r]) => r)}::text[]) as v(id, reason)
         where c.datanet = ${datanet} and c.id = v.id and c.dropped_at is null and c.revoked_at is null
        returning c.*`.execute(db);
      out.push(...rows.rows.map(fromRow));
    }
  }
  await noteStandingOf(db, out, 'dropped', options.policy, now);
  return out;
}

/**
 * Undoes drops: a near duplicate that review approved, or a record a filter step drops no more
 * (its threshold or rules changed, and it now keeps the record), goes into the dataset after all,
 * so it is accepted data again. Only drops whose reason starts with `reasonPrefix` are undone (the
 * step's own: one step never undoes another's). Returns the contributions restored now.
 */
export async function restoreContributions(
  db: Kysely<any>,
  datanet: string,
  ids: readonly string[],
  reasonPrefix: string,
  options: { now?: number; policy?: StandingPolicy } = {},
): Promise<StoredContribution[]> {
  const out: StoredContribution[] = [];
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const rows = await db
      .updateTable('contributions')
      .set({ dropped_at: null, drop_reason: null })
      .where('datanet', '=', datanet)
      .where('id', 'in', unique.slice(i, i + CHUNK))
      .where('dropped_at', 'is not', null)
      .where(sql<boolean>`starts_with(drop_reason, ${reasonPrefix})`)
      .returningAll()
      .execute();
    out.push(...rows.map(fromRow));
  }
  await noteStandingOf(db, out, 'restored', options.policy, options.now ?? Date.now());
  return out;
}

/** One standing-history entry per contributor and submitted file the change touched. */
async function noteStandingOf(
  db: Kysely<any>,
  changed: StoredContribution[],
  event: 'dropped' | 'restored',
  policy: StandingPolicy | undefined,
  now: number,
): Promise<void> {
  const touched = new Set(changed.map((c) => `${c.datanet}\n${c.contributor}\n${c.submissionId}\n${c.sourceFile}`));
  for (const key of touched) {
    const [datanet, contributor, submission, file] = key.split('\n');
    await noteStanding(db, { datanet, contributor, event, ref: `${submission}/${file}@${now}`, policy, now });
  }
}

/** Contributions of a Datanet (optionally of one submission), in acceptance order. */
export async function listContributions(db: Kysely<any>, datanet: string, submissionId?: string): Promise<StoredContribution[]> {
  let q = db.selectFrom('contributions').selectAll().where('datanet', '=', datanet);
  if (submissionId) q = q.where('submission_id', '=', submissionId);
  const rows = await q.orderBy('accepted_at').orderBy('submission_id').orderBy('source_file').orderBy('record_index').execute();
  return rows.map(fromRow);
}

function dedupeById(records: ContributionRecord[]): ContributionRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const key = `${r.datanet}\n${r.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function fromRow(row: any): StoredContribution {
  return {
    id: row.id,
    datanet: row.datanet,
    contributor: row.contributor,
    submissionId: row.submission_id,
    sourceFile: row.source_file,
    recordIndex: num(row.record_index),
    licence: row.licence,
    consent: row.consent,
    submittedAt: num(row.submitted_at),
    validatorVersion: row.validator_version,
    runId: row.run_id,
    acceptedAt: num(row.accepted_at),
    revokedAt: row.revoked_at === null ? null : num(row.revoked_at),
    revokeReason: row.revoke_reason,
    droppedAt: row.dropped_at === null || row.dropped_at === undefined ? null : num(row.dropped_at),
    dropReason: row.drop_reason ?? null,
  };
}
