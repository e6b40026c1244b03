/** A Parquet artifact to read, with a label that names where it came from (a step, a dedupe kind). */
export interface TableSource {
  path: string;
  /** For duplicates: the reason code shown for its rows (`exact_duplicate`, `near_duplicate`). */
  label?: string;
}

/**
 * What a quality report is built from: the Parquet tables of one run (any of them may be missing)
 * and the JSON reports of its quality steps. Column names are the ones the intake, dedupe and
 * quality operators write; `columns` renames them for tables produced elsewhere.
 */
export interface ReportInputs {
  accepted?: TableSource[];
  rejections?: TableSource[];
  duplicates?: TableSource[];
  qualityRejected?: TableSource[];
  qualityScores?: TableSource[];
  /** `quality.filter` report documents (per-rule pass rates and thresholds). */
  qualityReports?: unknown[];
  /** `quality.checks` report documents (declarative column checks). */
  checksReports?: unknown[];
  columns?: Partial<ColumnNames>;
}

export interface ColumnNames {
  id: string;
  text: string;
  contributor: string;
}

export const DEFAULT_COLUMNS: ColumnNames = { id: 'id', text: 'text', contributor: 'contributor' };

/** A Parquet file list as a DuckDB table expression; union by name lets steps differ in extra columns. */
export function parquetScan(sources: TableSource[], withLabel = false): string {
  const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
  return sources
    .map((s) => `select *${withLabel ? `, ${quote(s.label ?? '')} as __label` : ''} from read_parquet(${quote(s.path)})`)
    .join(' union all by name ');
}
