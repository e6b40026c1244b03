import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { RunLookupError, RunReader, type RunView, type StepView } from '@datanet/pipelines';
import type { ReportInputs, TableSource } from './table-inputs.js';

/** No run to report on, or a run whose artifacts are gone: the CLI exits with 1. */
export class QualityReportError extends Error {
  override name = 'QualityReportError';
}

interface ArtifactLike {
  path: string;
  kind?: string;
}

export interface ReportStep {
  stepId: string;
  /** Operator type from the run's pipeline spec (`ingest.submissions`, `dedupe.minhash`...), or null if unknown. */
  uses: string | null;
  outputs: Record<string, ArtifactLike>[];
}

export interface ReportRun {
  runId: string;
  pipeline: string;
  createdAt: number;
  status: string;
  steps: ReportStep[];
  /** Why this run was picked (shown to the steward). */
  chosenBecause: string;
}

/**
 * The run to report on: the given id (or unique id prefix), else the newest run with intake,
 * dedupe or quality steps that finished with outputs, preferring runs whose pipeline or parameters
 * name the Datanet (a run store may hold runs of several Datanets). Read through the engine's
 * read API (RunReader), never its tables.
 */
export async function findReportRun(db: Kysely<any>, req: { datanet: string; runId?: string }): Promise<ReportRun> {
  const reader = new RunReader(db);
  if (req.runId) {
    let named: RunView;
    try {
      named = await reader.resolveRun(req.runId);
    } catch (err) {
      if (err instanceof RunLookupError) throw new QualityReportError(err.message);
      throw err;
    }
    const run = await loadRun(reader, named, 'named by --run');
    if (!run.steps.some((s) => s.outputs.length))
      throw new QualityReportError(`run ${run.runId} (${run.pipeline}) has no finished ingest, dedupe or quality step to report on`);
    return run;
  }
  const runs = await reader.listRuns({ limit: 200 });
  let fallback: ReportRun | undefined;
  for (const r of runs) {
    const mentions = await reader.runMentions(r.id, req.datanet);
    if (!mentions && fallback) continue;
    const run = await loadRun(
      reader,
      r,
      mentions ? `newest run naming Datanet ${req.datanet}` : `newest run with intake, dedupe or quality steps (none names ${req.datanet})`,
    );
    if (!run.steps.some((s) => s.outputs.length)) continue;
    if (mentions) return run;
    fallback ??= run;
  }
  if (fallback) return fallback;
  throw new QualityReportError(
    `no run with finished ingest, dedupe or quality steps in the run store${runs.length ? ` (looked at ${runs.length} runs)` : ''}; run the intake pipeline first, or pass --run RUN_ID`,
  );
}

async function loadRun(reader: RunReader, run: RunView, chosenBecause: string): Promise<ReportRun> {
  const byStep = new Map<string, StepView[]>();
  for (const s of await reader.steps(run.id, { partitions: true })) byStep.set(s.stepId, [...(byStep.get(s.stepId) ?? []), s]);
  const steps: ReportStep[] = [];
  for (const [stepId, parts] of byStep) {
    const type = parts[0].uses;
    const done = parts.filter((p) => p.status === 'succeeded' && Object.keys(p.outputs).length);
    // A fanned-out step also records its merged outputs on the '' partition: prefer those.
    const whole = done.filter((p) => p.partition === '');
    const outputs = (whole.length ? whole : done).map((p) => p.outputs as Record<string, ArtifactLike>);
    if (!outputs.some((o) => stageOf(type, o))) continue;
    steps.push({ stepId, uses: type, outputs });
  }
  return { runId: run.id, pipeline: run.pipeline, createdAt: run.createdAt, status: run.status, steps, chosenBecause };
}

/**
 * What a step contributes to the report: by operator type, or by the shape of its outputs, so
 * intake, dedupe or quality operators from other packages and plugins are recognised too.
 */
function stageOf(type: string | null, o: Record<string, ArtifactLike>): 'intake' | 'dedupe' | 'quality' | 'checks' | null {
  const t = type ?? '';
  if (t === 'quality.checks') return 'checks';
  if (t.startsWith('ingest.') || (o.accepted && o.rejections)) return 'intake';
  if (t.startsWith('dedupe.') || (o.duplicates && o.kept)) return 'dedupe';
  if (t === 'quality.filter' || (o.rejected && o.scores)) return 'quality';
  return null;
}

/** Maps a run's steps to report inputs by operator type (or, when unknown, by output port names). */
export async function inputsFromRun(run: ReportRun): Promise<{ inputs: ReportInputs; notes: string[] }> {
  const inputs: Required<
    Pick<ReportInputs, 'accepted' | 'rejections' | 'duplicates' | 'qualityRejected' | 'qualityScores' | 'qualityReports' | 'checksReports'>
  > = {
    accepted: [],
    rejections: [],
    duplicates: [],
    qualityRejected: [],
    qualityScores: [],
    qualityReports: [],
    checksReports: [],
  };
  const notes: string[] = [];
  const add = (list: TableSource[], step: ReportStep, a: ArtifactLike | undefined, label?: string) => {
    if (!a) return;
    if (!existsSync(a.path)) {
      notes.push(`step ${step.stepId}: artifact ${a.path} is missing (state folder moved or cleaned?); left out`);
      return;
    }
    list.push({ path: a.path, label });
  };
  for (const step of run.steps) {
    const type = step.uses ?? '';
    for (const o of step.outputs) {
      const stage = stageOf(step.uses, o);
      if (stage === 'intake') {
        add(inputs.accepted, step, o.accepted);
        add(inputs.rejections, step, o.rejections);
      } else if (stage === 'dedupe') {
        const label = type === 'dedupe.exact' ? 'exact_duplicate' : type === 'dedupe.minhash' ? 'near_duplicate' : 'duplicate';
        add(inputs.duplicates, step, o.duplicates, label);
      } else if (stage === 'quality') {
        add(inputs.qualityRejected, step, o.rejected);
        add(inputs.qualityScores, step, o.scores);
        if (o.report && existsSync(o.report.path)) inputs.qualityReports.push(JSON.parse(await readFile(o.report.path, 'utf8')));
      } else if (stage === 'checks' && o.report && existsSync(o.report.path)) {
        inputs.checksReports.push(JSON.parse(await readFile(o.report.path, 'utf8')));
      }
    }
  }
  return { inputs, notes };
}
