import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { loadDatanetDefinition, resolveDatanetPath, type StandingPolicy } from '@datanet/datanet';
import { buildQualityReport } from './build-report.js';
import type { GatherOptions } from './gather/gather-tables.js';
import { findReportRun, inputsFromRun, type ReportRun } from './gather/run-inputs.js';
import type { QualityReportModel } from './model/report-model.js';
import { renderQualityHtml } from './render/render-html.js';
import { renderQualitySummary } from './render/render-summary.js';

export interface WriteQualityReportOptions {
  datanet: string;
  runId?: string;
  /** Folder for quality-report.html and .json; default `<stateDir>/reports/<datanet>/<run id>`. */
  outDir?: string;
  stateDir: string;
  /** Overrides the standing policy of the Datanet definition (found in configs/datanets/). */
  policy?: StandingPolicy;
  /** Where to look for `configs/datanets/<id>.yaml`; the working folder by default. */
  baseDir?: string;
  options?: GatherOptions;
}

export interface QualityReportFiles {
  model: QualityReportModel;
  run: ReportRun;
  html: string;
  json: string;
  summary: string;
}

/** The core of `datanet report quality`: finds the run, builds the model, writes HTML and JSON. */
export async function writeQualityReport(
  db: Kysely<any>,
  dialect: 'postgres' | 'pglite',
  o: WriteQualityReportOptions,
): Promise<QualityReportFiles> {
  const run = await findReportRun(db, { datanet: o.datanet, runId: o.runId });
  const { inputs, notes } = await inputsFromRun(run);
  let policy = o.policy;
  if (!policy) {
    try {
      policy = loadDatanetDefinition(resolveDatanetPath(o.datanet, o.baseDir)).standing;
    } catch {
      notes.push(`no Datanet definition found for "${o.datanet}": standing uses the default policy`);
    }
  }
  const model = await buildQualityReport({
    datanet: o.datanet,
    runId: run.runId,
    inputs,
    registry: { db, dialect, policy },
    options: o.options,
  });
  model.notes.unshift(`run ${run.runId} (${run.pipeline}, ${run.status}): ${run.chosenBecause}`, ...notes);
  const dir = resolve(o.outDir ?? join(o.stateDir, 'reports', safeName(o.datanet), safeName(run.runId)));
  await mkdir(dir, { recursive: true });
  const html = join(dir, 'quality-report.html');
  const json = join(dir, 'quality-report.json');
  await writeFile(html, renderQualityHtml(model));
  await writeFile(json, JSON.stringify(model, null, 2) + '\n');
  return { model, run, html, json, summary: renderQualitySummary(model) };
}

/** Datanet and run ids become folder names: nothing that could climb out of the reports folder. */
function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}
