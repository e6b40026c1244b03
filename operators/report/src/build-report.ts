import type { Kysely } from 'kysely';
import {
  DEFAULT_STANDING_POLICY,
  contributorStats,
  openRegistry,
  standingFrom,
  type ContributorStats,
  type StandingPolicy,
} from '@datanet/datanet';
import { withDuckDb } from '@datanet/connector-duckdb';
import { gatherTableFacts, type ContributorCounts, type GatherOptions } from './gather/gather-tables.js';
import type { ReportInputs } from './gather/table-inputs.js';
import { checksFromReports } from './gather/rule-pass-rates.js';
import { gatherReviewSection } from './gather/review-section.js';
import { REPORT_MODEL_VERSION, type ContributorSummary, type QualityReportModel } from './model/report-model.js';

export interface BuildReportRequest {
  datanet: string;
  runId?: string | null;
  inputs: ReportInputs;
  /** The run store: acceptance by files and standing come from the Datanet registry in it. */
  registry?: { db: Kysely<any>; dialect: 'postgres' | 'pglite'; policy?: StandingPolicy };
  options?: GatherOptions;
  now?: Date;
}

/** Builds the report model from a run's tables and, when given, the Datanet registry. */
export async function buildQualityReport(req: BuildReportRequest): Promise<QualityReportModel> {
  const facts = await withDuckDb((session) => gatherTableFacts(session, req.inputs, req.options), { threads: 2 });
  const notes = [...facts.notes];
  let stats: ContributorStats[] = [];
  if (req.registry) {
    await openRegistry(req.registry.db, req.registry.dialect);
    stats = await contributorStats(req.registry.db, req.datanet, req.registry.policy ?? DEFAULT_STANDING_POLICY);
    if (!stats.length)
      notes.push(
        `the registry has no submissions for Datanet "${req.datanet}": acceptance is by records and standing is computed from this run's tables`,
      );
  }
  const policy = req.registry?.policy ?? DEFAULT_STANDING_POLICY;
  const contributors = mergeContributors(facts.contributors, stats, policy);
  const fromRegistry = stats.length > 0;
  const sum = (f: (s: ContributorStats) => number) => stats.reduce((t, s) => t + f(s), 0);
  const submittedFiles = fromRegistry ? sum((s) => s.submittedFiles) : null;
  const acceptedFiles = fromRegistry ? sum((s) => s.acceptedFiles) : null;
  const paths = (s?: { path: string }[]) => (s ?? []).map((x) => x.path);
  const review = req.registry ? await gatherReviewSection(req.registry.db, req.datanet) : null;
  return {
    kind: 'datanet.quality-report',
    version: REPORT_MODEL_VERSION,
    datanet: req.datanet,
    runId: req.runId ?? null,
    generatedAt: (req.now ?? new Date()).toISOString(),
    sources: {
      accepted: paths(req.inputs.accepted),
      rejections: paths(req.inputs.rejections),
      duplicates: paths(req.inputs.duplicates),
      qualityRejected: paths(req.inputs.qualityRejected),
      qualityScores: paths(req.inputs.qualityScores),
      qualityReports: req.inputs.qualityReports?.length ?? 0,
      checksReports: req.inputs.checksReports?.length ?? 0,
      registry: fromRegistry,
    },
    totals: {
      submittedFiles,
      acceptedFiles,
      rejectedFiles: fromRegistry ? sum((s) => s.rejectedFiles) : null,
      acceptanceRate: submittedFiles ? acceptedFiles! / submittedFiles : null,
      acceptedRecords: facts.acceptedRecords,
      intakeRejections: facts.intakeRejections,
      duplicates: facts.duplicates,
      qualityRejected: facts.qualityRejected,
      keptRecords: Math.max(0, facts.acceptedRecords - facts.duplicates - facts.qualityRejected),
    },
    contributors,
    rejectionReasons: facts.reasons.map((r) => ({ ...r, count: Number(r.count) })),
    duplicates: facts.duplicateSummary,
    qualityScores: facts.scores,
    rules: facts.rules,
    checks: checksFromReports(req.inputs.checksReports ?? []),
    notes,
    ...(review ? { review } : {}),
  };
}

/**
 * One row per contributor seen in the registry or the tables. The registry is authoritative for
 * files, acceptance rate and standing; without it, acceptance is accepted / (accepted + rejected)
 * records and standing follows the same policy with no revocations known.
 */
export function mergeContributors(counts: ContributorCounts[], stats: ContributorStats[], policy: StandingPolicy): ContributorSummary[] {
  const byKey = new Map<string, ContributorSummary>();
  const key = (address: string) => address.toLowerCase();
  for (const s of stats) {
    byKey.set(key(s.contributor), {
      contributor: s.contributor,
      submittedFiles: s.submittedFiles,
      acceptedFiles: s.acceptedFiles,
      rejectedFiles: s.rejectedFiles,
      acceptanceRate: s.acceptanceRate,
      acceptanceBasis: 'files',
      acceptedRecords: 0,
      intakeRejections: 0,
      duplicates: 0,
      qualityRejected: 0,
      revoked: s.revoked,
      standing: s.standing,
      standingSource: 'registry',
    });
  }
  for (const c of counts) {
    const existing = byKey.get(key(c.contributor));
    const n = {
      acceptedRecords: Number(c.acceptedRecords),
      intakeRejections: Number(c.intakeRejections),
      duplicates: Number(c.duplicates),
      qualityRejected: Number(c.qualityRejected),
    };
    if (existing) {
      Object.assign(existing, n);
      continue;
    }
    // The registry leaves out addresses only claimed by unauthenticated submissions (a forged
    // signature is nobody's file); a rejection row naming one must not list it as a contributor.
    if (stats.length && n.acceptedRecords === 0) continue;
    const seen = n.acceptedRecords + n.intakeRejections;
    byKey.set(key(c.contributor), {
      contributor: c.contributor,
      submittedFiles: null,
      acceptedFiles: null,
      rejectedFiles: null,
      acceptanceRate: seen ? n.acceptedRecords / seen : 0,
      acceptanceBasis: 'records',
      ...n,
      revoked: 0,
      standing: standingFrom({ accepted: n.acceptedRecords, revoked: 0, rejected: n.intakeRejections }, policy),
      standingSource: 'tables',
    });
  }
  return [...byKey.values()].sort((a, b) => b.acceptanceRate - a.acceptanceRate || a.contributor.localeCompare(b.contributor));
}
