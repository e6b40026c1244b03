import type { Kysely } from 'kysely';
import { withDuckDb, sqlIdent, sqlString } from '@datanet/connector-duckdb';
import { contributorStats, num, type DatanetDefinition, type ReviewPolicy } from '@datanet/datanet';
import { selectHeld, type HoldReason } from '../hold/select-held.js';
import type { NewReviewItem } from '../queue/queue-types.js';

export interface HeldInputs {
  table: string;
  scores?: string;
  nearDuplicates?: string;
  earlier?: string;
}

export interface HeldColumns {
  id: string;
  contributor: string;
  order?: string;
  /** Record fields reviewers see. */
  fields: string[];
}

/** What the step holds: items for the queue, and the held near duplicates (rows of their own table). */
export interface HeldBatch {
  items: NewReviewItem[];
  /** Ids held from the main table. */
  tableIds: string[];
  /** Ids held from the near-duplicates table (dropped by dedupe, shown beside the earlier record). */
  nearIds: string[];
  /** Records of the main table, for the summary. */
  records: number;
}

type Row = Record<string, unknown>;

/**
 * Reads the step's tables and decides what is held, with the registry's view of each contributor
 * (standing, their first records held so far). Only the columns reviewers see are read.
 */
export async function readHeld(
  db: Kysely<any>,
  def: DatanetDefinition,
  review: ReviewPolicy,
  inputs: HeldInputs,
  cols: HeldColumns,
  batch: string,
): Promise<HeldBatch> {
  return withDuckDb(async (s) => {
    const has = async (path: string, col: string) =>
      (
        await s.all<{ n: unknown }>(
          `select count(*) as n from (describe select * from read_parquet(${sqlString(path)})) where column_name = $c`,
          { c: col },
        )
      ).map((r) => num(r.n))[0] > 0;
    const fields: string[] = [];
    for (const f of cols.fields) if (await has(inputs.table, f)) fields.push(f);
    const pick = (alias: string) => [cols.id, cols.contributor, ...fields].map((c) => `${alias}.${sqlIdent(c)}`).join(', ');
    const order = cols.order && (await has(inputs.table, cols.order)) ? `t.${sqlIdent(cols.order)}` : 'file_row_number';
    const scoreJoin = inputs.scores ? `left join read_parquet(${sqlString(inputs.scores)}) q on q.id = t.${sqlIdent(cols.id)}` : '';
    const score = inputs.scores ? 'q.quality_score' : 'null';
    const exposure = (await has(inputs.table, 'exposure')) ? 't.exposure' : 'null';
    const rows = await s.all<Row>(
      `select ${pick('t')}, ${order} as __order, ${score} as __score, ${exposure} as __exposure
       from read_parquet(${sqlString(inputs.table)}, file_row_number = true) t ${scoreJoin}`,
    );
    const stats = await contributorStats(db, def.id, def.standing);
    const standing = new Map(stats.map((x) => [x.contributor.toLowerCase(), x.standing]));
    const prior = await db
      .selectFrom('review_newcomers')
      .select(['contributor', (eb) => eb.fn.countAll().as('n')])
      .where('datanet', '=', def.id)
      .where('batch', '<>', batch)
      .groupBy('contributor')
      .execute();
    const newcomerHeld = new Map(prior.map((p) => [String(p.contributor), num(p.n)]));
    const held = selectHeld(
      rows.map((r) => ({
        id: String(r[cols.id]),
        contributor: String(r[cols.contributor]),
        order: num(r.__order),
        qualityScore: r.__score == null ? null : Number(r.__score),
        exposure: r.__exposure == null ? null : Number(r.__exposure),
      })),
      { newcomerHeld, standing },
      review.hold,
    );
    const payload = (r: Row) => Object.fromEntries(fields.map((f) => [f, r[f] ?? null]));
    const items: NewReviewItem[] = [];
    const tableIds: string[] = [];
    for (const r of rows) {
      const reasons = held.get(String(r[cols.id]));
      if (!reasons) continue;
      tableIds.push(String(r[cols.id]));
      items.push(item(def.id, batch, String(r[cols.id]), String(r[cols.contributor]), payload(r), reasons, r.__exposure));
    }
    const newcomers = items.filter((i) => i.heldFor.includes('newcomer'));
    if (newcomers.length)
      await db
        .insertInto('review_newcomers')
        .values(newcomers.map((i) => ({ datanet: def.id, contributor: i.contributor!.toLowerCase(), record_id: i.ref, batch })))
        .onConflict((oc) => oc.columns(['datanet', 'contributor', 'record_id']).doNothing())
        .execute();

    const nearIds: string[] = [];
    const max = review.hold.nearDuplicates?.maxSimilarity;
    if (inputs.nearDuplicates && max !== undefined) {
      const near = await s.all<Row>(
        `select ${pick('d')}, d.duplicate_of as __of, d.similarity as __sim from read_parquet(${sqlString(inputs.nearDuplicates)}) d
         where d.similarity < $max order by d.${sqlIdent(cols.id)}`,
        { max },
      );
      const earlier = new Map<string, Row>();
      const sources = [inputs.earlier, inputs.table].filter((p): p is string => Boolean(p));
      for (const src of sources) {
        if (!near.length) break;
        const found = await s.all<Row>(
          `select ${pick('e')} from read_parquet(${sqlString(src)}) e where e.${sqlIdent(cols.id)} in
             (select duplicate_of from read_parquet(${sqlString(inputs.nearDuplicates)}) where similarity < $max)`,
          { max },
        );
        for (const f of found) if (!earlier.has(String(f[cols.id]))) earlier.set(String(f[cols.id]), f);
      }
      for (const r of near) {
        const id = String(r[cols.id]);
        if (held.has(id)) continue;
        nearIds.push(id);
        const e = earlier.get(String(r.__of));
        items.push(
          item(
            def.id,
            batch,
            id,
            String(r[cols.contributor]),
            {
              ...payload(r),
              similarity: Number(r.__sim),
              earlier: { id: String(r.__of), ...(e ? payload(e) : {}) },
            },
            ['near_duplicate'],
            null,
          ),
        );
      }
    }
    return { items, tableIds, nearIds, records: rows.length };
  });
}

function item(
  datanet: string,
  batch: string,
  ref: string,
  contributor: string,
  payload: Record<string, unknown>,
  heldFor: HoldReason[],
  exposure: unknown,
): NewReviewItem {
  // No record id in what reviewers see: gold items have none, and must look the same.
  return {
    datanet,
    kind: 'record',
    ref,
    batch,
    contributor,
    payload,
    heldFor,
    priority: exposure == null ? 0 : Number(exposure),
  };
}
