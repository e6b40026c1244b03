// OpenLineage run events, validated against the spec's own JSON Schemas (../shared/corpora/openlineage):
// the core RunEvent schema and, for each facet we emit, the facet's schema.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusPath, corpusSkipReason } from '../src/testing/index.js';
import { lineageRunId } from '../src/lineage/openlineage.js';
import { BIN, tempDir, writePipeline } from './helpers.js';

const exec = promisify(execFile);
const SPEC = 'openlineage/OpenLineage/spec';
const spec = corpusPath(SPEC);

/** Facet key -> the spec file whose schema validates `{ [key]: facet }`. */
const FACET_FILES: Record<string, string> = {
  parent: 'ParentRunFacet',
  nominalTime: 'NominalTimeRunFacet',
  errorMessage: 'ErrorMessageRunFacet',
  jobType: 'JobTypeJobFacet',
  dataSource: 'DatasourceDatasetFacet',
  version: 'DatasetVersionDatasetFacet',
  schema: 'SchemaDatasetFacet',
  outputStatistics: 'OutputStatisticsOutputDatasetFacet',
};

function validator(dir: string) {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(JSON.parse(readFileSync(join(dir, 'OpenLineage.json'), 'utf8')));
  for (const f of readdirSync(join(dir, 'facets')).filter((f) => f.endsWith('.json')))
    ajv.addSchema(JSON.parse(readFileSync(join(dir, 'facets', f), 'utf8')), f.replace('.json', ''));
  const runEvent = ajv.getSchema('https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent')!;
  /** Every problem with one event: the core schema, then each facet against its own schema. */
  return (event: any): string[] => {
    const problems = runEvent(event) ? [] : ajv.errorsText(runEvent.errors).split(', ');
    const facetSets = [
      event.run?.facets,
      event.job?.facets,
      ...[...(event.inputs ?? []), ...(event.outputs ?? [])].flatMap((d: any) => [d.facets, d.outputFacets]),
    ];
    for (const facets of facetSets.filter(Boolean)) {
      for (const [key, value] of Object.entries(facets)) {
        const file = FACET_FILES[key];
        if (!file) {
          problems.push(`facet ${key} has no schema in this test`);
          continue;
        }
        const check = ajv.getSchema(file)!;
        if (!check({ [key]: value })) problems.push(`${key}: ${ajv.errorsText(check.errors)}`);
      }
    }
    return problems;
  };
}

let server: Server | undefined;
afterAll(() => server?.close());

describe.skipIf(!spec)(spec ? 'OpenLineage run events' : corpusSkipReason(SPEC), () => {
  it('the validator accepts the events real producers emitted (Airflow compatibility scenario)', () => {
    const validate = validator(spec!);
    const dir = corpusPath('openlineage/compatibility-tests/consumer/scenarios/airflow/events')!;
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(10);
    // Their facets are Airflow's own, not ours: the core schema only.
    const ajvOnly = (e: any) =>
      validate({ ...e, run: { runId: e.run.runId }, job: { namespace: e.job.namespace, name: e.job.name }, inputs: [], outputs: [] });
    for (const f of files) expect(ajvOnly(JSON.parse(readFileSync(join(dir, f), 'utf8'))), f).toEqual([]);
    // And it rejects an event that breaks the spec (run id not a UUID, unknown event type).
    expect(
      validate({
        eventType: 'DONE',
        eventTime: '2026-01-01T00:00:00Z',
        producer: 'x',
        schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
        run: { runId: 'r1' },
        job: { namespace: 'n', name: 'j' },
      }).length,
    ).toBeGreaterThan(0);
  });

  it('a run sends valid START / COMPLETE / FAIL events per step and per run to a file and an HTTP endpoint, and `datanet lineage` exports the same', async () => {
    const validate = validator(spec!);
    const received: any[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (req.url === '/api/v1/lineage' && req.method === 'POST') received.push(JSON.parse(body));
        res.writeHead(req.url === '/api/v1/lineage' ? 201 : 404).end();
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const dir = tempDir();
    const file = join(dir, 'lineage.jsonl');
    const profile = join(dir, 'profile.yaml');
    writeFileSync(
      profile,
      `apiVersion: datanet/v1\nkind: Profile\nmetadata: { name: lineage }\nlineage: { namespace: medical, file: ${JSON.stringify(file)}, url: "http://127.0.0.1:${port}" }\n`,
    );
    const pipeline = writePipeline(
      dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 3 }\n  b:\n    uses: test.upper\n    needs: [a]\n    inputs: { table: a.table }\n  c:\n    uses: test.flaky\n    needs: [b]\n    with: { failTimes: 5, counterFile: ${JSON.stringify(join(dir, 'count'))} }\n`,
    );
    const state = ['--state-dir', join(dir, 'state')];
    const run = await exec('node', [BIN, ...state, '--json', 'run', pipeline, '--profile', profile, '-q']).catch((e) => e);
    const summary = JSON.parse(run.stdout); // a failed run too: one document, its summary
    expect(summary.status).toBe('failed');
    const runId = summary.runId as string;
    const events = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const e of events) expect(validate(e), `${e.eventType} ${e.job.name}`).toEqual([]);
    expect(events.map((e) => `${e.eventType} ${e.job.name}`)).toEqual([
      'START test',
      'START test.a',
      'COMPLETE test.a',
      'START test.b',
      'COMPLETE test.b',
      'START test.c',
      'FAIL test.c',
      'FAIL test',
    ]);
    expect(new Set(events.map((e) => e.job.namespace))).toEqual(new Set(['medical']));
    // Steps are children of the pipeline run; run ids are stable UUIDs of ours.
    const pipelineRun = lineageRunId(runId);
    expect(events[0].run.runId).toBe(pipelineRun);
    for (const e of events.filter((e) => e.job.name !== 'test')) expect(e.run.facets.parent.run.runId).toBe(pipelineRun);
    // b read what a wrote: the same dataset, with its schema and version (the artifact digest).
    const aOut = events.find((e) => e.eventType === 'COMPLETE' && e.job.name === 'test.a').outputs;
    const bIn = events.find((e) => e.eventType === 'START' && e.job.name === 'test.b').inputs;
    expect(aOut).toHaveLength(1);
    expect(bIn.map((d: any) => d.name)).toEqual([aOut[0].name]);
    expect(aOut[0].outputFacets.outputStatistics.rowCount).toBe(3);
    expect(aOut[0].facets.version.datasetVersion).toMatch(/^sha256:/);
    expect(aOut[0].facets.schema.fields.length).toBeGreaterThan(0);
    expect(events.find((e) => e.eventType === 'FAIL' && e.job.name === 'test.c').run.facets.errorMessage.message).toMatch(
      /planned failure/,
    );
    // The endpoint got the same events, in the same order.
    expect(received).toEqual(events);
    // Exported later, for any run.
    const { stdout } = await exec('node', [BIN, ...state, 'lineage', runId, '--namespace', 'medical']);
    expect(
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(events);
  }, 120_000);
});
