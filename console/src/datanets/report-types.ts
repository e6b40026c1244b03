// GET /v1/datanets/{id}/report (operators/report/src/routes/report-routes.ts): the quality report
// model the HTML report renders, plus rejections per day. Replace with the typed client's type once
// the route is in openapi.json.
export interface Member {
  id: string;
  contributor: string | null;
  excerpt: string | null;
  similarity: number | null;
}

export interface StewardReport {
  datanet: string;
  runId: string | null;
  generatedAt: string;
  totals: {
    submittedFiles: number | null;
    acceptedFiles: number | null;
    rejectedFiles: number | null;
    acceptanceRate: number | null;
    acceptedRecords: number;
    intakeRejections: number;
    duplicates: number;
    qualityRejected: number;
    keptRecords: number;
  };
  contributors: {
    contributor: string;
    submittedFiles: number | null;
    acceptedFiles: number | null;
    rejectedFiles: number | null;
    acceptanceRate: number;
    acceptedRecords: number;
    intakeRejections: number;
    duplicates: number;
    qualityRejected: number;
    revoked: number;
    standing: number;
  }[];
  rejectionReasons: { stage: string; reason: string; count: number; example: string | null }[];
  duplicates: {
    rows: number;
    clusters: number;
    largestCluster: number;
    top: { clusterId: string; size: number; keeper: Member; keeperFromEarlierRun: boolean; examples: Member[] }[];
  };
  qualityScores: {
    count: number;
    mean: number;
    median: number;
    passed: number;
    bins: { from: number; to: number; count: number }[];
  } | null;
  rules: { rule: string; family: string | null; threshold: number | null; checked: number; failed: number; passRate: number }[];
  notes: string[];
  rejectionsByDay: { day: string; reason: string; count: number }[];
}

export interface QueueStats {
  items: { open: number; escalated: number; approved: number; rejected: number };
  age: { oldestMs: number | null; medianMs: number | null };
  throughput: { decisionsLastHour: number; decisionsLastDay: number; settledLastDay: number };
  reasons: { reason: string; count: number }[];
  reviewers: { reviewer: string; status: string; decisions: number; accuracy: number | null; agreement: number | null }[];
}
