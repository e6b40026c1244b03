import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@datanet/pipelines/testing';
import { readParquetFile } from '@datanet/pipelines';

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'pipelines/bin/datanet.mjs');

const para = (topic: string) =>
  `${topic} is a condition that affects many people each year. Doctors diagnose ${topic} with a physical exam and tests of the blood. ` +
  `Treatment of ${topic} depends on the cause and may include medicine, changes in diet and regular exercise. Most people with ${topic} recover well.`;

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** Runs the real `datanet` CLI: read -> dedupe.exact -> dedupe.minhash -> quality.filter -> quality.checks. */
describe('dedupe and quality through the datanet CLI', () => {
  it('runs the pipeline twice against one state dir, the second run crediting records of the first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dedupe-cli-'));
    await writeFile(
      join(dir, 'batch1.jsonl'),
      jsonl([
        { id: 'r1', t: 1, text: para('Anemia') },
        { id: 'r2', t: 2, text: para('Asthma') },
        { id: 'r3', t: 3, text: para('anemia').toUpperCase() },
        { id: 'r4', t: 4, text: para('Asthma').replace('regular exercise', 'daily exercise') },
        { id: 'r5', t: 5, text: 'Click here.' },
      ]),
    );
    await writeFile(
      join(dir, 'batch2.jsonl'),
      jsonl([
        { id: 's1', t: 6, text: para('Anemia').replace('Most people', 'Many people') },
        { id: 's2', t: 7, text: para('Gout') },
      ]),
    );
    await writeFile(
      join(dir, 'pipeline.yaml'),
      `apiVersion: datanet/v1
kind: Pipeline
metadata: { name: dedupe-quality-cli }
parameters: { data: batch1.jsonl }
steps:
  read: { uses: table.read, with: { path: "\${{ params.data }}" } }
  exact: { uses: dedupe.exact, needs: [read], with: { orderColumn: t, index: cli-test } }
  near: { uses: dedupe.minhash, needs: [exact.kept], with: { orderColumn: t, index: cli-test, ngram: 3 } }
  filter: { uses: quality.filter, needs: [near.kept], with: { ruleSet: ${join(REPO_ROOT, 'configs/quality/medical-qa.yaml')} } }
  checks:
    uses: quality.checks
    needs: [filter.kept]
    with: { checks: [{ check: unique, column: id }, { check: row_count_between, min: 1 }] }
`,
    );
    const exec = async (...args: string[]) => {
      const { stdout } = await run(process.execPath, [CLI, '--json', '--state-dir', join(dir, 'state'), ...args], {
        cwd: dir,
        timeout: 180_000,
      });
      return JSON.parse(stdout);
    };
    const table = async (result: { steps: { id: string; outputs: Record<string, { path: string }> }[] }, step: string, port: string) =>
      readParquetFile(result.steps.find((s) => s.id === step)!.outputs[port].path);
    const ids = (t: Awaited<ReturnType<typeof readParquetFile>>, col = 'id') => [...t.getChild(col)!].map(String);

    const first = await exec('run', join(dir, 'pipeline.yaml'));
    expect(first.status).toBe('succeeded');
    expect(ids(await table(first, 'exact', 'duplicates'))).toEqual(['r3']);
    expect(ids(await table(first, 'near', 'duplicates'))).toEqual(['r4']);
    expect(ids(await table(first, 'near', 'duplicates'), 'duplicate_of')).toEqual(['r2']);
    const rejected = await table(first, 'filter', 'rejected');
    expect(ids(rejected)).toEqual(['r5']);
    expect(ids(rejected, 'rule')).toEqual(['gopher.min_words']);
    expect(ids(await table(first, 'filter', 'kept'))).toEqual(['r1', 'r2']);

    const second = await exec('run', join(dir, 'pipeline.yaml'), '--param', 'data=batch2.jsonl');
    expect(second.status).toBe('succeeded');
    expect(ids(await table(second, 'near', 'kept'))).toEqual(['s2']);
    expect(ids(await table(second, 'near', 'duplicates'), 'duplicate_of')).toEqual(['r1']);
  });
});
