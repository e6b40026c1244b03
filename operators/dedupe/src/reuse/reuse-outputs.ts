import { Float64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import type { OperatorContext, PortSpec } from '@datanet/pipelines';
import { writeRowSubsets } from '@datanet/connector-duckdb';
import type { ReuseDecision } from './decide-reuse.js';

type Cfg = { textColumn: string; idColumn: string };

export function reusePorts(): Record<string, PortSpec<Cfg>> {
  const base = (c: Cfg) => ({ [c.idColumn]: 'any' as const, [c.textColumn]: 'utf8' as const });
  return {
    kept: { kind: 'table', description: 'input rows not rejected, same columns', schema: (c) => ({ columns: base(c), open: true }) },
    rejected: {
      kind: 'table',
      description:
        "rows rejected as reused: same columns plus reason_code ('reused'), source_id (the earlier contribution credited) and containment",
      schema: (c) => ({ columns: { ...base(c), reason_code: 'utf8', source_id: 'utf8', containment: 'float64' }, open: true }),
    },
    matches: {
      kind: 'table',
      description:
        'one row per (record, earlier source) pair at or above minContainment: id, source_id, containment, source_coverage, and the copied spans as character offsets (JSON [[start, end], ...] in the record, source_spans in the source)',
      schema: {
        columns: { id: 'utf8', source_id: 'utf8', containment: 'float64', source_coverage: 'float64', spans: 'utf8', source_spans: 'utf8' },
        open: false,
      },
    },
    report: { kind: 'report', description: 'counts, settings, and the top matches with their copied spans side by side' },
  };
}

/** The report's examples: the record's copied spans beside the source's, longest containment first. */
export function spanExamples(
  d: ReuseDecision,
  ids: string[],
  texts: string[],
  sourceText: (id: string) => string | undefined,
  limit = 20,
  maxChars = 400,
): Record<string, unknown>[] {
  return [...d.matches]
    .sort((a, b) => b.match.containment - a.match.containment)
    .slice(0, limit)
    .map(({ row, match }) => {
      const src = sourceText(match.sourceId) ?? '';
      return {
        id: ids[row],
        source_id: match.sourceId,
        containment: +match.containment.toFixed(4),
        source_coverage: +match.sourceCoverage.toFixed(4),
        spans: match.spans.slice(0, 10).map((s) => ({
          start: s.start,
          end: s.end,
          sourceStart: s.sourceStart,
          sourceEnd: s.sourceEnd,
          text: texts[row].slice(s.start, Math.min(s.end, s.start + maxChars)),
          sourceText: src.slice(s.sourceStart, Math.min(s.sourceEnd, s.sourceStart + maxChars)),
        })),
      };
    });
}

export async function writeReuseOutputs(
  ctx: OperatorContext<Cfg>,
  inputPath: string,
  ids: string[],
  d: ReuseDecision,
  report: Record<string, unknown>,
): Promise<void> {
  const rejectedRows = [...d.rejected.keys()].sort((a, b) => a - b);
  const [kept, rejected] = await writeRowSubsets(inputPath, ctx.workDir, [
    { file: 'kept.parquet', rows: d.keep },
    {
      file: 'rejected.parquet',
      rows: rejectedRows,
      extra: {
        reason_code: { type: 'utf8', values: rejectedRows.map(() => 'reused') },
        source_id: { type: 'utf8', values: rejectedRows.map((r) => d.rejected.get(r)!.sourceId) },
        containment: { type: 'float64', values: rejectedRows.map((r) => d.rejected.get(r)!.containment) },
      },
    },
  ]);
  await ctx.output('kept').writeParquetFile(kept);
  await ctx.output('rejected').writeParquetFile(rejected, { summary: [`${rejectedRows.length} records rejected as reused`] });
  const m = d.matches;
  await ctx.output('matches').writeTable(
    new Table({
      id: vectorFromArray(
        m.map((x) => ids[x.row]),
        new Utf8(),
      ),
      source_id: vectorFromArray(
        m.map((x) => x.match.sourceId),
        new Utf8(),
      ),
      containment: vectorFromArray(
        m.map((x) => x.match.containment),
        new Float64(),
      ),
      source_coverage: vectorFromArray(
        m.map((x) => x.match.sourceCoverage),
        new Float64(),
      ),
      spans: vectorFromArray(
        m.map((x) => JSON.stringify(x.match.spans.map((s) => [s.start, s.end]))),
        new Utf8(),
      ),
      source_spans: vectorFromArray(
        m.map((x) => JSON.stringify(x.match.spans.map((s) => [s.sourceStart, s.sourceEnd]))),
        new Utf8(),
      ),
    }),
  );
  await ctx
    .output('report')
    .writeReport({ ...report, records: ids.length, kept: d.keep.length, rejected: rejectedRows.length, matches: m.length });
}
