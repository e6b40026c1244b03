import type { DuckDbSession } from '@datanet/connector-duckdb';
import type { DuplicateCluster, DuplicateSummary, RejectionReason, RulePassRate, ScoreDistribution } from '../model/report-model.js';
import { DEFAULT_COLUMNS, parquetScan, type ColumnNames, type ReportInputs, type TableSource } from './table-inputs.js';
import { rulesFromReports, rulesFromRejected } from './rule-pass-rates.js';

export interface ContributorCounts {
  contributor: string;
  acceptedRecords: number;
  intakeRejections: number;
  duplicates: number;
  qualityRejected: number;
}

/** Everything the run's tables say, before the registry is consulted. */
export interface TableFacts {
  acceptedRecords: number;
  intakeRejections: number;
  duplicates: number;
  qualityRejected: number;
  contributors: ContributorCounts[];
  reasons: RejectionReason[];
  duplicateSummary: DuplicateSummary;
  scores: ScoreDistribution | null;
  rules: RulePassRate[];
  notes: string[];
}

export interface GatherOptions {
  /** How many duplicate clusters to show, biggest first. */
  topClusters?: number;
  /** Example members shown per cluster. */
  examplesPerCluster?: number;
  /** Characters of text kept in an excerpt. */
  excerptChars?: number;
  /** Histogram bins of the quality-score distribution over [0, 1]. */
  scoreBins?: number;
}

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** Aggregates the run's Parquet tables with DuckDB (they are never pulled into JS rows whole). */
export async function gatherTableFacts(session: DuckDbSession, inputs: ReportInputs, options: GatherOptions = {}): Promise<TableFacts> {
  const cols: ColumnNames = { ...DEFAULT_COLUMNS, ...inputs.columns };
  const notes: string[] = [];
  const has = (s?: TableSource[]) => Boolean(s && s.length);
  const columnsOf = async (view: string) =>
    new Set((await session.all<{ column_name: string }>(`describe ${view}`)).map((r) => r.column_name));
  const col = (set: Set<string>, name: string, fallback = 'null') => (set.has(name) ? `cast(v.${ident(name)} as varchar)` : fallback);

  // A keyed view of accepted records lets the other tables borrow contributor and text by id.
  if (has(inputs.accepted)) {
    await session.exec(`create or replace view acc_raw as ${parquetScan(inputs.accepted!)}`);
    const c = await columnsOf('acc_raw');
    requireColumn(c, cols.id, 'accepted', inputs.accepted!);
    if (!c.has(cols.contributor))
      notes.push(`the accepted table has no "${cols.contributor}" column: per-contributor record counts are unknown`);
    await session.exec(
      `create or replace view acc as select ${col(c, cols.id)} as __id, ${col(c, cols.contributor)} as __contributor, ${col(c, cols.text)} as __text from acc_raw v`,
    );
  } else {
    await session.exec(
      `create or replace view acc as select null::varchar as __id, null::varchar as __contributor, null::varchar as __text where false`,
    );
    notes.push('no accepted table: accepted record counts are 0 and duplicate keepers cannot be shown');
  }

  const enrich = async (name: string, sources: TableSource[] | undefined, extra: (c: Set<string>) => string) => {
    if (!has(sources)) {
      await session.exec(
        `create or replace view ${name} as select null::varchar as __id, null::varchar as __contributor, null::varchar as __text, null::varchar as __label ${extra(new Set())} where false`,
      );
      return false;
    }
    await session.exec(`create or replace view ${name}_raw as ${parquetScan(sources!, true)}`);
    const c = await columnsOf(`${name}_raw`);
    if (!c.has(cols.contributor) && !has(inputs.accepted))
      notes.push(`the ${name} table has no "${cols.contributor}" column and no accepted table to look it up in`);
    const contributor = c.has(cols.contributor) ? `coalesce(${col(c, cols.contributor)}, a.__contributor)` : 'a.__contributor';
    const text = c.has(cols.text) ? `coalesce(${col(c, cols.text)}, a.__text)` : 'a.__text';
    const id = c.has(cols.id) ? col(c, cols.id) : 'null';
    await session.exec(
      `create or replace view ${name} as select ${id} as __id, ${contributor} as __contributor, ${text} as __text, v.__label ${extra(c)} ` +
        `from ${name}_raw v left join (select __id, any_value(__contributor) as __contributor, any_value(__text) as __text from acc group by 1) a on a.__id = ${id}`,
    );
    return true;
  };

  await enrich('rej', inputs.rejections, (c) => `, ${col(c, 'reason_code', q('rejected'))} as __reason, ${col(c, 'message')} as __message`);
  const dupOk = await enrich(
    'dup',
    inputs.duplicates,
    (c) =>
      `, ${col(c, 'duplicate_of')} as __of, ${col(c, 'cluster_id', col(c, 'duplicate_of'))} as __cluster, ${c.has('similarity') ? 'cast(v.similarity as double)' : 'null::double'} as __similarity`,
  );
  const qrejOk = await enrich(
    'qrej',
    inputs.qualityRejected,
    (c) => `, ${col(c, 'rule', q('quality'))} as __reason, ${col(c, 'reason')} as __message, ${col(c, 'failed_rules')} as __failed`,
  );

  const count = async (view: string) => Number((await session.all<{ n: number }>(`select count(*) as n from ${view}`))[0]?.n ?? 0);
  const acceptedRecords = await count('acc');
  const intakeRejections = await count('rej');
  const duplicates = await count('dup');
  const qualityRejected = await count('qrej');

  const contributors = await session.all<ContributorCounts>(
    `with t as (
       select __contributor as c, 1 as a, 0 as r, 0 as d, 0 as qr from acc
       union all select __contributor, 0, 1, 0, 0 from rej
       union all select __contributor, 0, 0, 1, 0 from dup
       union all select __contributor, 0, 0, 0, 1 from qrej)
     select c as contributor, sum(a)::bigint as "acceptedRecords", sum(r)::bigint as "intakeRejections",
            sum(d)::bigint as duplicates, sum(qr)::bigint as "qualityRejected"
     from t where c is not null group by c order by c`,
  );

  const reasons = await session.all<RejectionReason>(
    `select stage, reason, count(*)::bigint as count, min(example) as example from (
       select 'intake' as stage, __reason as reason, __message as example from rej
       union all select 'dedupe', coalesce(nullif(__label, ''), 'duplicate'), 'duplicate of ' || coalesce(__of, '?') from dup
       union all select 'quality', __reason, __message from qrej)
     group by stage, reason order by count desc, stage, reason`,
  );

  const duplicateSummary = dupOk ? await duplicateClusters(session, options) : emptyDuplicates();
  const scores = has(inputs.qualityScores) ? await scoreDistribution(session, inputs.qualityScores!, options.scoreBins ?? 10) : null;
  let rules = rulesFromReports(inputs.qualityReports ?? []);
  if (!rules.length && qrejOk && scores) rules = await rulesFromRejected(session, scores.count);
  if (has(inputs.qualityRejected) && !rules.length) notes.push('per-rule pass rates need the quality.filter report or scores table');

  return { acceptedRecords, intakeRejections, duplicates, qualityRejected, contributors, reasons, duplicateSummary, scores, rules, notes };
}

function requireColumn(columns: Set<string>, name: string, table: string, sources: TableSource[]): void {
  if (columns.has(name)) return;
  throw new Error(
    `${table} table (${sources.map((s) => s.path).join(', ')}) has no column "${name}"; it has ${[...columns].join(', ')}. ` +
      "Set the report's idColumn/textColumn/contributorColumn to the names this table uses",
  );
}

function emptyDuplicates(): DuplicateSummary {
  return { rows: 0, clusters: 0, largestCluster: 0, ofEarlierRuns: 0, top: [] };
}

async function duplicateClusters(session: DuckDbSession, options: GatherOptions): Promise<DuplicateSummary> {
  const top = options.topClusters ?? 10;
  const per = options.examplesPerCluster ?? 3;
  const chars = options.excerptChars ?? 160;
  const [summary] = await session.all<{ rows: number; clusters: number; largest: number; earlier: number }>(
    `with c as (select __cluster, count(*) + 1 as size from dup group by 1)
     select (select count(*) from dup)::bigint as rows, count(*)::bigint as clusters, coalesce(max(size), 0)::bigint as largest,
            (select count(*) from dup where __of is not null and __of not in (select __id from acc where __id is not null))::bigint as earlier
     from c`,
  );
  const clusters = await session.all<{ cluster: string; size: number; keeper: string | null }>(
    `select __cluster as cluster, (count(*) + 1)::bigint as size, min(__of) as keeper from dup group by 1 order by size desc, cluster limit ${top}`,
  );
  const ids = clusters.map((c) => q(c.cluster)).join(', ') || 'null';
  const members = await session.all<{
    cluster: string;
    id: string;
    contributor: string | null;
    text: string | null;
    similarity: number | null;
  }>(
    `select cluster, id, contributor, text, similarity from (
       select __cluster as cluster, __id as id, __contributor as contributor, left(__text, ${chars}) as text, __similarity as similarity,
              row_number() over (partition by __cluster order by __id) as rn
       from dup where __cluster in (${ids})) where rn <= ${per} order by cluster, id`,
  );
  const keepers = await session.all<{ id: string; contributor: string | null; text: string | null }>(
    `select __id as id, any_value(__contributor) as contributor, left(any_value(__text), ${chars}) as text from acc
     where __id in (${clusters.map((c) => q(c.keeper ?? c.cluster)).join(', ') || 'null'}) group by 1`,
  );
  const keeperById = new Map(keepers.map((k) => [k.id, k]));
  const top_: DuplicateCluster[] = clusters.map((c) => {
    const keeperId = c.keeper ?? c.cluster;
    const k = keeperById.get(keeperId);
    return {
      clusterId: c.cluster,
      size: Number(c.size),
      keeper: { id: keeperId, contributor: k?.contributor ?? null, excerpt: k?.text ?? null, similarity: 1 },
      keeperFromEarlierRun: !k,
      examples: members
        .filter((m) => m.cluster === c.cluster)
        .map((m) => ({
          id: m.id,
          contributor: m.contributor,
          excerpt: m.text,
          similarity: m.similarity === null ? null : Number(m.similarity),
        })),
    };
  });
  return {
    rows: Number(summary.rows),
    clusters: Number(summary.clusters),
    largestCluster: Number(summary.largest),
    ofEarlierRuns: Number(summary.earlier),
    top: top_,
  };
}

async function scoreDistribution(session: DuckDbSession, sources: TableSource[], bins: number): Promise<ScoreDistribution | null> {
  await session.exec(`create or replace view scores as ${parquetScan(sources)}`);
  const c = new Set((await session.all<{ column_name: string }>('describe scores')).map((r) => r.column_name));
  if (!c.has('quality_score')) {
    throw new Error(
      `quality scores table (${sources.map((s) => s.path).join(', ')}) has no quality_score column; wire the scores output of quality.filter`,
    );
  }
  const passed = c.has('passed') ? 'count(*) filter (where passed)' : 'null';
  const [s] = await session.all<{ n: number; mean: number; median: number; min: number; max: number; passed: number | null }>(
    `select count(quality_score)::bigint as n, avg(quality_score) as mean, median(quality_score) as median, min(quality_score) as min,
            max(quality_score) as max, ${passed}::bigint as passed from scores`,
  );
  if (!Number(s.n)) return null;
  const counts = await session.all<{ bin: number; n: number }>(
    `select least(greatest(floor(quality_score * ${bins}), 0), ${bins - 1})::int as bin, count(*)::bigint as n from scores where quality_score is not null group by 1`,
  );
  const byBin = new Map(counts.map((r) => [Number(r.bin), Number(r.n)]));
  return {
    count: Number(s.n),
    mean: Number(s.mean),
    median: Number(s.median),
    min: Number(s.min),
    max: Number(s.max),
    passed: Number(s.passed ?? 0),
    bins: Array.from({ length: bins }, (_, i) => ({ from: i / bins, to: (i + 1) / bins, count: byBin.get(i) ?? 0 })),
  };
}
