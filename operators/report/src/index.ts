// Light to import: DuckDB and the renderers load inside run() and the command.
export { reportQuality } from './report-operator.js';
export type * from './model/report-model.js';
export { REPORT_MODEL_VERSION } from './model/report-model.js';
export type { ReportInputs, TableSource, ColumnNames } from './gather/table-inputs.js';
export { buildQualityReport, mergeContributors } from './build-report.js';
export type { BuildReportRequest } from './build-report.js';
export { renderQualityHtml } from './render/render-html.js';
export { renderQualitySummary } from './render/render-summary.js';
export { findReportRun, inputsFromRun, QualityReportError } from './gather/run-inputs.js';
export type { ReportRun } from './gather/run-inputs.js';
export { writeQualityReport } from './write-report.js';
export type { QualityReportFiles, WriteQualityReportOptions } from './write-report.js';
