// The engine's read-only API (what operator packages and the service read instead of its tables).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePipeline } from '../src/spec/compile-pipeline.js';
import { runPipeline } from '../src/exec/in-process-executor.js';
import type { Engine } from '../src/exec/engine.js';
import { RunLookupError, RunReader } from '../src/index.js';
import { openTestEngine, tempDir, writePipeline } from './helpers.js';

describe('RunReader', () => {
  let engine: Engine;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    engine = await openTestEngine('pglite', join(dir, 'state'));
  });
  afterAll(async () => engine.close());

  it('reads runs, steps with their operator types, outputs by operator or output name, attempts, events and artifacts', async () => {
    const file = writePipeline(
      dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 4, groups: 2 }\n  u:\n    uses: test.upper\n    needs: [a]\n    foreach: { input: table, by: grp }\n  r:\n    uses: test.report\n    needs: [u.table]\n`,
    );
    const { graph } = await compilePipeline(file);
    const summary = await runPipeline(engine, graph!, {});
    expect(summary.status).toBe('succeeded');
    const reader = new RunReader(engine.database.db);

    const [latest] = await reader.listRuns({ pipeline: 'test', status: 'succeeded', limit: 1 });
    expect(latest).toMatchObject({ id: summary.runId, pipeline: 'test', status: 'succeeded', executor: 'in-process' });
    expect(await reader.listRuns({ pipeline: 'other' })).toEqual([]);
    expect((await reader.resolveRun(summary.runId.slice(0, 18))).id).toBe(summary.runId);
    await expect(reader.resolveRun('nope')).rejects.toBeInstanceOf(RunLookupError);

    const steps = await reader.steps(summary.runId);
    expect(steps.map((s) => [s.stepId, s.uses, s.status, s.partition])).toEqual([
      ['a', 'test.emit', 'succeeded', ''],
      ['r', 'test.report', 'succeeded', ''],
      ['u', 'test.upper', 'succeeded', ''],
    ]);
    expect((await reader.steps(summary.runId, { partitions: true })).filter((s) => s.stepId === 'u').map((s) => s.partition)).toEqual([
      '',
      'g0',
      'g1',
    ]);

    const upper = await reader.outputs(summary.runId, { uses: 'test.upper', output: 'table' });
    expect(upper).toHaveLength(1);
    expect(upper[0]).toMatchObject({ stepId: 'u', uses: 'test.upper', name: 'table', kind: 'table', rows: 4 });
    expect((await reader.outputs(summary.runId, { uses: 'test.' })).map((o) => `${o.stepId}.${o.name}`).sort()).toEqual([
      'a.table',
      'r.report',
      'u.table',
    ]);
    expect(await reader.artifact(upper[0].digest)).toMatchObject({ digest: upper[0].digest, path: upper[0].path, kind: 'table' });
    expect(await reader.artifact('sha256:0000')).toBeUndefined();

    expect((await reader.attempts(summary.runId)).filter((a) => !a.partition).map((a) => [a.stepId, a.attempt, a.status])).toEqual([
      ['a', 1, 'succeeded'],
      ['r', 1, 'succeeded'],
      ['u', 1, 'succeeded'],
    ]);
    const events = await reader.events(summary.runId);
    expect(events.map((e) => e.type)).toContain('run.finished');
    const later = await reader.events(summary.runId, { afterId: events[events.length - 2].id });
    expect(later.map((e) => e.id)).toEqual([events[events.length - 1].id]);
  });
});
