/**
 * The steward quality report as plain JSON. Gatherers (tables, registry, run store) fill it in,
 * renderers (HTML, terminal) only read it: neither side knows the other's internals, and the JSON
 * written beside the HTML is exactly this document.
 */
import type { ReviewSection } from '../gather/review-section.js';

export const REPORT_MODEL_VERSION = 1;

export interface QualityReportModel {
  kind: 'datanet.quality-report';
  version: typeof REPORT_MODEL_VERSION;
  datanet: string;
  runId: string | null;
  generatedAt: string;
  /** Where each part came from: digests or paths of the tables read, and whether the registry was used. */
  sources: ReportSources;
  totals: ReportTotals;
  contributors: ContributorSummary[];
  rejectionReasons: RejectionReason[];
  duplicates: DuplicateSummary;
  qualityScores: ScoreDistribution | null;
  rules: RulePassRate[];
  /** Declarative column checks (quality.checks), in suite order. */
  checks: ColumnCheck[];
  /** Facts the steward should know about gaps in the data (a missing input, a fallback used). */
  notes: string[];
  /** Human review of the Datanet (review queue in the run store), when it has any. */
  review?: ReviewSection | null;
}

export interface ReportSources {
  accepted: string[];
  rejections: string[];
  duplicates: string[];
  qualityRejected: string[];
  qualityScores: string[];
  qualityReports: number;
  checksReports: number;
  registry: boolean;
}

export interface ReportTotals {
  /** Files submitted (registry), or null when only tables were available. */
  submittedFiles: number | null;
  acceptedFiles: number | null;
  rejectedFiles: number | null;
  /** accepted / submitted files over the whole Datanet, or null when unknown. */
  acceptanceRate: number | null;
  /** Records that passed intake (rows of the accepted table). */
  acceptedRecords: number;
  /** Rows of the intake rejections table (whole submissions, files or records). */
  intakeRejections: number;
  duplicates: number;
  qualityRejected: number;
  /** Records left after dedupe and quality: accepted - duplicates - quality rejections. */
  keptRecords: number;
}

export interface ContributorSummary {
  contributor: string;
  submittedFiles: number | null;
  acceptedFiles: number | null;
  rejectedFiles: number | null;
  /** accepted / submitted files (DESIGN.md); from records when files are unknown, see acceptanceBasis. */
  acceptanceRate: number;
  acceptanceBasis: 'files' | 'records';
  acceptedRecords: number;
  intakeRejections: number;
  duplicates: number;
  qualityRejected: number;
  revoked: number;
  standing: number;
  standingSource: 'registry' | 'tables';
}

export interface RejectionReason {
  stage: 'intake' | 'dedupe' | 'quality';
  reason: string;
  count: number;
  /** One human message (or measured value) for the reason, to show what it looks like. */
  example: string | null;
}

export interface DuplicateSummary {
  /** Dropped duplicate rows. */
  rows: number;
  /** Distinct clusters with at least one dropped row. */
  clusters: number;
  largestCluster: number;
  /** Dropped rows whose credit went to a record accepted in an earlier run. */
  ofEarlierRuns: number;
  /** Biggest clusters first, with example members. */
  top: DuplicateCluster[];
}

export interface DuplicateCluster {
  clusterId: string;
  /** Members including the record that keeps the credit. */
  size: number;
  keeper: ClusterMember;
  /** The keeper is not in this run's accepted table: it was accepted earlier. */
  keeperFromEarlierRun: boolean;
  examples: ClusterMember[];
}

export interface ClusterMember {
  id: string;
  contributor: string | null;
  /** The first characters of the text, for eyeballing. */
  excerpt: string | null;
  similarity: number | null;
}

export interface ScoreDistribution {
  count: number;
  mean: number;
  median: number;
  min: number;
  max: number;
  passed: number;
  /** Equal-width bins over [0, 1]. */
  bins: { from: number; to: number; count: number }[];
}

export interface RulePassRate {
  rule: string;
  family: string | null;
  threshold: number | null;
  checked: number;
  failed: number;
  passRate: number;
  /** Records this rule was the first failure of (the reason code they were rejected with). */
  firstFailure: number | null;
}

export interface ColumnCheck {
  name: string;
  check: string;
  column: string | null;
  severity: 'error' | 'warn';
  success: boolean;
  /** Rows checked (non-null values for value checks), when the check counts rows. */
  elementCount: number | null;
  unexpectedCount: number | null;
  unexpectedPercent: number | null;
  /** An observed value (row count, mean, type) or the error that stopped the check. */
  observed: string | null;
}
