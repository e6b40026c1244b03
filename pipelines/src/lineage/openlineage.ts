// OpenLineage run events (spec 2-0-2) for a run: one START and one COMPLETE / FAIL / ABORT per
// step (job `<pipeline>.<step>`, its parent the pipeline run) and per run, with the artifacts a
// step read and wrote as datasets. Built from the run store, so a run on any executor, or one
// that ended long ago, gives the same events; sent to a file (JSON lines) or an OpenLineage HTTP
// endpoint (Marquez, DataHub...).
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { ArtifactRef } from '../operator/operator-context.js';
import type { PipelineGraph } from '../spec/compile-pipeline.js';
import type { RunRow, RunStore, StepRow } from '../store/run-store.js';

export const OPENLINEAGE_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
export const PRODUCER = 'https://github.com/datanet/datanet/tree/v0.1.0/pipelines';
const FACETS = 'https://openlineage.io/spec/facets';

export interface LineageSettings {
  /** Job namespace (default `datanet`). */
  namespace?: string;
  /** OpenLineage HTTP endpoint base: events are POSTed to `<url>/api/v1/lineage`. */
  url?: string;
  /** Environment variable holding a bearer token for `url` (never the token itself). */
  apiKeyEnv?: string;
  /** A file the events are appended to, one JSON document per line. */
  file?: string;
}

export interface Dataset {
  namespace: string;
  name: string;
  facets?: Record<string, unknown>;
  outputFacets?: Record<string, unknown>;
}

export interface RunEvent {
  eventType: 'START' | 'COMPLETE' | 'FAIL' | 'ABORT';
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets?: Record<string, unknown> };
  job: { namespace: string; name: string; facets?: Record<string, unknown> };
  inputs: Dataset[];
  outputs: Dataset[];
}

/** OpenLineage wants UUID run ids: a name-based UUID (version 5 layout) of ours, stable across exports. */
export function lineageRunId(...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('\0')).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const facet = (name: string, version: string, body: Record<string, unknown>) => ({
  _producer: PRODUCER,
  _schemaURL: `${FACETS}/${version}/${name}.json#/$defs/${name}`,
  ...body,
});

function dataset(ref: ArtifactRef, output: boolean): Dataset {
  const facets: Record<string, unknown> = {
    dataSource: facet('DatasourceDatasetFacet', '1-0-1', { name: `file://${hostname()}`, uri: `file://${hostname()}` }),
    version: facet('DatasetVersionDatasetFacet', '1-0-1', { datasetVersion: ref.digest }),
  };
  const schema = ref.meta.schema;
  if (schema && typeof schema === 'object' && !Array.isArray(schema)) {
    facets.schema = facet('SchemaDatasetFacet', '1-2-0', {
      fields: Object.entries(schema as Record<string, string>).map(([name, type]) => ({ name, type: String(type) })),
    });
  }
  const d: Dataset = { namespace: `file://${hostname()}`, name: ref.path, facets };
  if (output && (typeof ref.meta.rows === 'number' || typeof ref.meta.bytes === 'number')) {
    d.outputFacets = {
      outputStatistics: facet('OutputStatisticsOutputDatasetFacet', '1-0-2', {
        ...(typeof ref.meta.rows === 'number' ? { rowCount: ref.meta.rows } : {}),
        ...(typeof ref.meta.bytes === 'number' ? { size: ref.meta.bytes } : {}),
      }),
    };
  }
  return d;
}

const iso = (ms: number | null | undefined, fallback: number) => new Date(ms ?? fallback).toISOString();

function ending(status: string): RunEvent['eventType'] | undefined {
  if (status === 'succeeded') return 'COMPLETE';
  if (status === 'failed') return 'FAIL';
  if (status === 'cancelled' || status === 'skipped') return 'ABORT';
  return undefined; // still running: only its START
}

/**
 * The run's events, in time order. `graph` (the run's compiled pipeline) names each step's inputs;
 * without it, steps carry their outputs only.
 */
export function runLineage(run: RunRow, steps: StepRow[], graph: PipelineGraph | undefined, settings: LineageSettings = {}): RunEvent[] {
  const namespace = settings.namespace ?? 'datanet';
  const runUuid = lineageRunId(run.id);
  const base = { producer: PRODUCER, schemaURL: OPENLINEAGE_SCHEMA_URL };
  const jobType = (type: string) => ({
    jobType: facet('JobTypeJobFacet', '2-0-4', { processingType: 'BATCH', integration: 'DATANET', jobType: type }),
  });
  const runJob = { namespace, name: run.pipeline, facets: jobType('PIPELINE') };
  const parent = facet('ParentRunFacet', '1-2-0', { run: { runId: runUuid }, job: { namespace, name: run.pipeline } });
  const top = steps.filter((s) => !s.partition);
  const outputsOf = new Map(top.map((s) => [s.step_id, s.outputs ?? {}]));
  const events: RunEvent[] = [];
  const started = run.started_at ?? run.created_at;
  events.push({
    ...base,
    eventType: 'START',
    eventTime: iso(started, run.created_at),
    run: {
      runId: runUuid,
      facets: { nominalTime: facet('NominalTimeRunFacet', '1-0-1', { nominalStartTime: iso(started, run.created_at) }) },
    },
    job: runJob,
    inputs: [],
    outputs: [],
  });
  for (const s of top) {
    // Steps that never started (pending, or skipped after a failure upstream) have no run. A step
    // failing on its first attempt may have no start recorded (fast failures): its end stands in.
    const startedAt = s.started_at ?? (s.status === 'failed' ? s.finished_at : null);
    if (s.status === 'pending' || startedAt === null) continue;
    const node = graph?.steps.get(s.step_id);
    const inputs: Dataset[] = [];
    for (const wired of Object.values(node?.inputs ?? {})) {
      const ref = wired ? outputsOf.get(wired.step)?.[wired.output] : undefined;
      if (ref) inputs.push(dataset(ref, false));
    }
    const job = { namespace, name: `${run.pipeline}.${s.step_id}`, facets: jobType(node?.op.type ?? 'STEP') };
    const id = lineageRunId(run.id, s.step_id);
    events.push({
      ...base,
      eventType: 'START',
      eventTime: iso(startedAt, started),
      run: { runId: id, facets: { parent } },
      job,
      inputs,
      outputs: [],
    });
    const end = ending(s.status);
    if (!end) continue;
    const facets: Record<string, unknown> = { parent };
    if (end === 'FAIL' && s.error)
      facets.errorMessage = facet('ErrorMessageRunFacet', '1-0-1', { message: s.error, programmingLanguage: 'TypeScript' });
    const outputs = end === 'COMPLETE' ? Object.values(s.outputs ?? {}).map((r) => dataset(r, true)) : [];
    events.push({ ...base, eventType: end, eventTime: iso(s.finished_at, startedAt), run: { runId: id, facets }, job, inputs, outputs });
  }
  const end = ending(run.status);
  if (end) {
    const facets: Record<string, unknown> = {};
    if (end === 'FAIL' && run.error)
      facets.errorMessage = facet('ErrorMessageRunFacet', '1-0-1', { message: run.error, programmingLanguage: 'TypeScript' });
    events.push({
      ...base,
      eventType: end,
      eventTime: iso(run.finished_at, started),
      run: { runId: runUuid, facets },
      job: runJob,
      inputs: [],
      outputs: [],
    });
  }
  return events.sort((a, b) => a.eventTime.localeCompare(b.eventTime));
}

/** `runLineage` for a run in the store. */
export async function storedRunLineage(
  store: RunStore,
  runId: string,
  graph: PipelineGraph | undefined,
  settings: LineageSettings = {},
): Promise<RunEvent[]> {
  const run = await store.getRun(runId);
  if (!run) throw new Error(`run ${runId} is not in the run store`);
  return runLineage(run, await store.getSteps(runId), graph, settings);
}

/** Sends events where the settings say: appended to `file`, POSTed to `url` (in order, each once). */
export async function emitLineage(events: RunEvent[], settings: LineageSettings): Promise<void> {
  if (settings.file) {
    mkdirSync(dirname(settings.file), { recursive: true });
    appendFileSync(settings.file, events.map((e) => JSON.stringify(e) + '\n').join(''));
  }
  if (settings.url) {
    const endpoint = new URL('api/v1/lineage', settings.url.endsWith('/') ? settings.url : `${settings.url}/`);
    const token = settings.apiKeyEnv ? process.env[settings.apiKeyEnv] : undefined;
    if (settings.apiKeyEnv && !token) throw new Error(`lineage.apiKeyEnv names ${settings.apiKeyEnv}, which is not set`);
    for (const e of events) {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(e),
      });
      if (!res.ok)
        throw new Error(
          `OpenLineage endpoint ${endpoint.origin}${endpoint.pathname} answered ${res.status} ${res.statusText} for a ${e.eventType} event of ${e.job.name}`,
        );
    }
  }
}
