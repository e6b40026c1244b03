/** The copied-passages section of the steward report, from dedupe.reuse reports. */
export interface ReuseSection {
  records: number;
  rejected: number;
  matches: number;
  minContainment: number;
  /** Copies with their source, highest containment first, each copied span beside the source's. */
  examples: {
    id: string;
    sourceId: string;
    containment: number;
    sourceCoverage: number;
    spans: { start: number; end: number; sourceStart: number; sourceEnd: number; text: string; sourceText: string }[];
  }[];
}

interface ReuseReportJson {
  operator?: string;
  records?: number;
  rejected?: number;
  matches?: number;
  settings?: { minContainment?: number };
  examples?: {
    id: string;
    source_id: string;
    containment: number;
    source_coverage: number;
    spans: ReuseSection['examples'][number]['spans'];
  }[];
}

/** Sums one or more dedupe.reuse reports (one per partition) into the section; null when there are none. */
export function reuseSectionFrom(reports: unknown[], limit = 10): ReuseSection | null {
  const rs = reports.filter((r): r is ReuseReportJson => !!r && (r as ReuseReportJson).operator === 'dedupe.reuse');
  if (!rs.length) return null;
  const examples = rs
    .flatMap((r) => r.examples ?? [])
    .sort((a, b) => b.containment - a.containment)
    .slice(0, limit)
    .map((x) => ({ id: x.id, sourceId: x.source_id, containment: x.containment, sourceCoverage: x.source_coverage, spans: x.spans }));
  return {
    records: rs.reduce((s, r) => s + (r.records ?? 0), 0),
    rejected: rs.reduce((s, r) => s + (r.rejected ?? 0), 0),
    matches: rs.reduce((s, r) => s + (r.matches ?? 0), 0),
    minContainment: rs[0].settings?.minContainment ?? 0,
    examples,
  };
}
