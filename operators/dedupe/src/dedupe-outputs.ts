import { Bool, Float64, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import type { OperatorContext, PortSpec } from '@datanet/pipelines';
import { writeRowSubsets } from '@datanet/connector-duckdb';
import { dropFilteredRows } from '@datanet/datanet';

/** What a dedupe pass decided for each input row. */
export interface DedupeDecision {
  ids: string[];
  /** Id of the record that keeps the credit for row i's cluster (itself when kept). */
  representative: string[];
  clusterSize: Int32Array;
  /** Estimated (or exact, 1) similarity of row i to its representative. */
  similarity: Float64Array;
  /** What row i was judged by ('exact', 'word', 'char') and the similarity a duplicate needs. */
  judgedBy?: string[];
  thresholds?: Float64Array;
}

// textColumn is absent when the step leaves it to its Datanet: then only the id column is declared.
type Cfg = { textColumn?: string; idColumn: string };

export function dedupePorts(): Record<string, PortSpec<Cfg>> {
  const base = (c: Cfg) => ({ [c.idColumn]: 'any' as const, ...(c.textColumn ? { [c.textColumn]: 'utf8' as const } : {}) });
  return {
    kept: { kind: 'table', description: 'input rows that survive, same columns', schema: (c) => ({ columns: base(c), open: true }) },
    duplicates: {
      kind: 'table',
      description: 'dropped rows, same columns plus duplicate_of (the record keeping the credit), cluster_id and similarity',
      schema: (c) => ({ columns: { ...base(c), duplicate_of: 'utf8', cluster_id: 'utf8', similarity: 'float64' }, open: true }),
    },
    clusters: {
      kind: 'table',
      description:
        'every input id with its cluster_id (a record with no duplicate is its own cluster), the unit it was judged by (exact, word, char) and the threshold',
      schema: {
        columns: { id: 'utf8', cluster_id: 'utf8', cluster_size: 'int32', kept: 'bool', judged_by: 'utf8', threshold: 'float64' },
        open: false,
      },
    },
    report: { kind: 'report', description: 'counts, settings, implied threshold' },
  };
}

/**
 * Writes the step's outputs. With `registry` (the input table, the step's name and Datanet), the
 * duplicates that are a Datanet's contributions are dropped in its registry too: standing stops
 * counting them (dropFilteredRows).
 */
export async function writeDedupeOutputs(
  ctx: OperatorContext<Cfg>,
  inputPath: string,
  d: DedupeDecision,
  report: Record<string, unknown>,
  registry?: { table: Table; operator: string; datanet?: string },
): Promise<void> {
  const keptRows: number[] = [];
  const dupRows: number[] = [];
  d.ids.forEach((id, i) => (d.representative[i] === id ? keptRows : dupRows).push(i));
  const [kept, dups] = await writeRowSubsets(inputPath, ctx.workDir, [
    { file: 'kept.parquet', rows: keptRows },
    {
      file: 'duplicates.parquet',
      rows: dupRows,
      extra: {
        duplicate_of: { type: 'utf8', values: dupRows.map((r) => d.representative[r]) },
        cluster_id: { type: 'utf8', values: dupRows.map((r) => d.representative[r]) },
        similarity: { type: 'float64', values: dupRows.map((r) => d.similarity[r]) },
      },
    },
  ]);
  await ctx.output('kept').writeParquetFile(kept);
  await ctx.output('duplicates').writeParquetFile(dups, { summary: [`${dupRows.length} duplicates removed`] });
  await ctx.output('clusters').writeTable(
    new Table({
      id: vectorFromArray(d.ids, new Utf8()),
      cluster_id: vectorFromArray(d.representative, new Utf8()),
      cluster_size: vectorFromArray(Array.from(d.clusterSize), new Int32()),
      kept: vectorFromArray(
        d.ids.map((id, i) => d.representative[i] === id),
        new Bool(),
      ),
      judged_by: vectorFromArray(d.judgedBy ?? d.ids.map(() => 'exact'), new Utf8()),
      threshold: vectorFromArray(Array.from(d.thresholds ?? new Float64Array(d.ids.length).fill(1)), new Float64()),
    }),
  );
  const registered = registry
    ? await dropFilteredRows(ctx.db, {
        table: registry.table,
        operator: registry.operator,
        rows: dupRows,
        kept: keptRows,
        idColumn: ctx.config.idColumn,
        datanet: registry.datanet,
        pipelineDir: ctx.run.pipelineDir,
        reason: (r) =>
          d.similarity[r] >= 1
            ? `duplicate of ${d.representative[r]}`
            : `near duplicate of ${d.representative[r]} (similarity ${d.similarity[r].toFixed(3)})`,
      })
    : undefined;
  if (registered?.dropped || registered?.restored)
    ctx.logger.info(`${registry!.operator}: registry: ${registered.dropped} contributions dropped, ${registered.restored} restored`);
  await ctx.output('report').writeReport({ ...report, records: d.ids.length, kept: keptRows.length, duplicates: dupRows.length });
}

/** The decision of a disabled step: every record is its own cluster and is kept. */
export function keepAll(ids: string[]): DedupeDecision {
  return {
    ids,
    representative: ids.slice(),
    clusterSize: new Int32Array(ids.length).fill(1),
    similarity: new Float64Array(ids.length).fill(1),
  };
}

/** Sizes of clusters keyed by representative, counted over the batch plus an accepted representative. */
export function clusterSizes(ids: string[], representative: string[]): Int32Array {
  const batch = new Set(ids);
  const count = new Map<string, number>();
  for (const rep of representative) count.set(rep, (count.get(rep) ?? 0) + 1);
  // A representative accepted in an earlier run is a member too, though it is not in this batch.
  for (const [rep, n] of count) if (!batch.has(rep)) count.set(rep, n + 1);
  return Int32Array.from(representative, (rep) => count.get(rep)!);
}

/** Summary counts of the clusters in a decision, for reports. */
export function clusterSummary(d: DedupeDecision): Record<string, number> {
  const batch = new Set(d.ids);
  const reps = new Map<string, number>();
  let creditedToIndex = 0;
  d.ids.forEach((id, i) => {
    const rep = d.representative[i];
    if (rep === id) return;
    reps.set(rep, d.clusterSize[i]);
    if (!batch.has(rep)) creditedToIndex++;
  });
  return {
    duplicateClusters: reps.size,
    largestCluster: [...reps.values()].reduce((m, v) => Math.max(m, v), 1),
    duplicatesOfEarlierRuns: creditedToIndex,
  };
}
