import { join } from 'node:path';
import { Float64, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import type { Kysely } from 'kysely';
import type { OperatorContext } from '@datanet/pipelines';
import { sqlIdent, sqlString, withDuckDb, writeRowSubsets } from '@datanet/connector-duckdb';
import { num, restoreContributions, type StandingPolicy } from '@datanet/datanet';
import { recordReviewRejections, type ReviewRejection } from './review-rejections.js';

interface OutcomeRow {
  item_id: string;
  ref: string;
  outcome: string;
  reason: string | null;
  decided_by: string;
  approvals: unknown;
  rejections: unknown;
  decided_at: unknown;
}

export interface ReviewWriteRequest {
  datanet: string;
  batch: string;
  runId: string;
  table: string;
  nearDuplicates?: string;
  idColumn: string;
  contributorColumn: string;
  /** Ids held from each table (the rest of the main table goes through unheld). */
  tableIds: string[];
  nearIds: string[];
  /** The Datanet's standing policy, for the standing history of dropped and restored contributions. */
  standingPolicy?: StandingPolicy;
}

/**
 * The step's outputs once every held record is settled: `accepted` (the unheld plus the approved,
 * the input's columns untouched), `rejections` (reason review.<code>), `decisions` (every vote).
 * Review rejections are also written to the registry's rejections, so intake's accounting and the
 * steward report count them as rejections, and the rejected contributions are dropped (standing
 * stops counting them, as it never counted them before intake; a rejection is not a penalty). A near
 * duplicate that review approved goes into the dataset after all: dedupe's drop of it is undone.
 */
export async function writeReviewOutputs(ctx: OperatorContext<unknown>, db: Kysely<any>, r: ReviewWriteRequest) {
  const outcomes = (
    await db
      .selectFrom('review_outcomes')
      .select(['item_id', 'ref', 'outcome', 'reason', 'decided_by', 'approvals', 'rejections', 'decided_at'])
      .where('batch', '=', r.batch)
      .orderBy('ref')
      .execute()
  ).map((o) => o as OutcomeRow);
  const byRef = new Map(outcomes.map((o) => [o.ref, o]));
  const heldMain = new Set(r.tableIds);
  const approvedNear = new Set(r.nearIds.filter((id) => byRef.get(id)?.outcome === 'approved'));

  const { mainRows, nearRows, contributors, columns, provenance } = await withDuckDb(async (s) => {
    const idc = sqlIdent(r.idColumn);
    const ids = await s.all<{ id: string; n: unknown }>(
      `select ${idc}::varchar as id, file_row_number as n from read_parquet(${sqlString(r.table)}, file_row_number = true)`,
    );
    const mainRows = ids
      .filter((x) => !heldMain.has(x.id) || byRef.get(x.id)?.outcome === 'approved')
      .map((x) => num(x.n))
      .sort((a, b) => a - b);
    let nearRows: number[] = [];
    if (r.nearDuplicates && approvedNear.size) {
      const near = await s.all<{ id: string; n: unknown }>(
        `select ${idc}::varchar as id, file_row_number as n from read_parquet(${sqlString(r.nearDuplicates)}, file_row_number = true)`,
      );
      nearRows = near.filter((x) => approvedNear.has(x.id)).map((x) => num(x.n));
    }
    const columns = (await s.all<{ column_name: string }>(`describe select * from read_parquet(${sqlString(r.table)})`)).map(
      (c) => c.column_name,
    );
    const hasProvenance = ['submission_id', 'source_file', 'record_index'].every((c) => columns.includes(c));
    const rejectedIds = outcomes.filter((o) => o.outcome === 'rejected').map((o) => o.ref);
    const who = new Map<string, { contributor: string; submission_id?: string; source_file?: string; record_index?: number }>();
    for (const src of [r.table, r.nearDuplicates].filter((p): p is string => Boolean(p))) {
      if (!rejectedIds.length) break;
      const extra = hasProvenance ? ', submission_id, source_file, record_index' : '';
      const rows = await s.all<Record<string, unknown>>(
        `select ${idc}::varchar as id, ${sqlIdent(r.contributorColumn)} as contributor${extra} from read_parquet(${sqlString(src)})
         where ${idc}::varchar in (select ref from (select unnest(string_split($ids, ',')) as ref))`,
        { ids: rejectedIds.join(',') },
      );
      for (const x of rows)
        if (!who.has(String(x.id)))
          who.set(String(x.id), {
            contributor: String(x.contributor),
            ...(hasProvenance
              ? { submission_id: String(x.submission_id), source_file: String(x.source_file), record_index: num(x.record_index) }
              : {}),
          });
    }
    return { mainRows, nearRows, contributors: who, columns, provenance: hasProvenance };
  });

  const [mainFile] = await writeRowSubsets(r.table, ctx.workDir, [{ file: 'accepted-main.parquet', rows: mainRows }]);
  let acceptedFile = mainFile;
  if (r.nearDuplicates && nearRows.length) {
    const [nearFile] = await writeRowSubsets(r.nearDuplicates, ctx.workDir, [{ file: 'accepted-near.parquet', rows: nearRows, columns }]);
    acceptedFile = join(ctx.workDir, 'accepted.parquet');
    await withDuckDb((s) =>
      s.copyToParquet(
        `select * from read_parquet(${sqlString(mainFile)}) union all by name select * from read_parquet(${sqlString(nearFile)})`,
        acceptedFile,
      ),
    );
  }
  const approved = outcomes.filter((o) => o.outcome === 'approved').length;
  const rejected = outcomes.filter((o) => o.outcome === 'rejected');
  await ctx.output('accepted').writeParquetFile(acceptedFile, {
    summary: [`${mainRows.length + nearRows.length} accepted: ${approved} approved by review, the rest not held`],
  });

  const reasonCode = (o: OutcomeRow) => `review.${o.reason ?? 'rejected'}`;
  const message = (o: OutcomeRow) =>
    o.decided_by === 'quorum'
      ? `rejected by review: ${num(o.rejections)} rejection(s) against ${num(o.approvals)} approval(s)`
      : o.decided_by === 'steward'
        ? 'rejected by a steward'
        : 'rejected at the review deadline';
  await ctx.output('rejections').writeTable(
    new Table({
      id: vectorFromArray(
        rejected.map((o) => o.ref),
        new Utf8(),
      ),
      contributor: vectorFromArray(
        rejected.map((o) => contributors.get(o.ref)?.contributor ?? ''),
        new Utf8(),
      ),
      reason_code: vectorFromArray(rejected.map(reasonCode), new Utf8()),
      message: vectorFromArray(rejected.map(message), new Utf8()),
      approvals: vectorFromArray(
        rejected.map((o) => num(o.approvals)),
        new Int32(),
      ),
      rejections: vectorFromArray(
        rejected.map((o) => num(o.rejections)),
        new Int32(),
      ),
      decided_by: vectorFromArray(
        rejected.map((o) => o.decided_by),
        new Utf8(),
      ),
      decided_at: vectorFromArray(
        rejected.map((o) => num(o.decided_at)),
        new Float64(),
      ),
    }),
    { summary: [`${rejected.length} rejected by review`] },
  );
  const rows: ReviewRejection[] = rejected.map((o) => {
    const c = contributors.get(o.ref);
    return {
      id: o.ref,
      ...(provenance && c?.submission_id ? { submissionId: c.submission_id, file: c.source_file!, recordIndex: c.record_index! } : {}),
      contributor: c?.contributor ?? '',
      code: o.reason ?? 'rejected',
      message: message(o),
    };
  });
  await recordReviewRejections(db, r.datanet, r.runId, rows, r.standingPolicy);
  await restoreContributions(db, r.datanet, [...approvedNear], 'dedupe.minhash:', { policy: r.standingPolicy });

  const decisions = await db
    .selectFrom('review_decisions as d')
    .innerJoin('review_items as i', 'i.id', 'd.item_id')
    .select(['d.seq', 'd.item_id', 'i.ref', 'd.reviewer', 'd.role', 'd.verdict', 'd.reason', 'd.decided_at', 'd.policy_version'])
    .where('i.batch', '=', r.batch)
    .orderBy('d.seq')
    .execute();
  await ctx.output('decisions').writeTable(
    new Table({
      item_id: vectorFromArray(
        decisions.map((d) => String(d.item_id)),
        new Utf8(),
      ),
      record_id: vectorFromArray(
        decisions.map((d) => String(d.ref)),
        new Utf8(),
      ),
      reviewer: vectorFromArray(
        decisions.map((d) => String(d.reviewer)),
        new Utf8(),
      ),
      role: vectorFromArray(
        decisions.map((d) => String(d.role)),
        new Utf8(),
      ),
      verdict: vectorFromArray(
        decisions.map((d) => String(d.verdict)),
        new Utf8(),
      ),
      reason: vectorFromArray(
        decisions.map((d) => (d.reason as string | null) ?? null),
        new Utf8(),
      ),
      decided_at: vectorFromArray(
        decisions.map((d) => num(d.decided_at)),
        new Float64(),
      ),
      policy_version: vectorFromArray(
        decisions.map((d) => num(d.policy_version)),
        new Int32(),
      ),
    }),
    { summary: [`${decisions.length} decisions on ${outcomes.length} held records`] },
  );
  return { accepted: mainRows.length + nearRows.length, approved, rejected: rejected.length, decisions: decisions.length };
}
