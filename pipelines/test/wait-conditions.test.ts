import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../src/exec/engine.js';
import { resumeRunGraph, runPipeline } from '../src/exec/in-process-executor.js';
import { compilePipeline } from '../src/spec/compile-pipeline.js';
import { listWaits, wakeByHand } from '../src/wait/wait-store.js';
import { cancelRun } from '../src/distributed/dag-recovery.js';
import { DagStore } from '../src/distributed/dag-store.js';
import { FIXTURE_PLUGIN, openTestEngine, tempDir } from './helpers.js';

const WAIT_PLUGIN = resolve(import.meta.dirname, 'fixtures/wait-operators.ts');

function pipeline(dir: string, name: string, review: string | undefined, extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  const steps = review
    ? `  review:\n    uses: test.review\n    cache: false\n    retries: 3\n    with: ${review}\n`
    : `  a:\n    uses: test.emit\n    cache: false\n`;
  writeFileSync(
    file,
    `apiVersion: datanet/v1\nkind: Pipeline\nmetadata:\n  name: ${name}\nplugins: [${FIXTURE_PLUGIN}, ${WAIT_PLUGIN}]\nsteps:\n${steps}${extra}`,
  );
  return file;
}

async function graphOf(file: string) {
  const { graph, diagnostics } = await compilePipeline(file, {});
  if (!graph) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  return graph;
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

describe('wait conditions (in-process executor, PGlite)', () => {
  it('new entries in a folder: stays parked (operator not restarted) until an entry arrives', async () => {
    const dir = tempDir();
    engine = await openTestEngine('pglite', join(dir, 'state'));
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox);
    const log = join(dir, 'log');
    const graph = await graphOf(pipeline(dir, 'files', `{ log: ${log}, files: ${inbox} }`));
    const first = await runPipeline(engine, graph);
    expect(first.status).toBe('waiting');
    expect((await resumeRunGraph(engine, graph, first.runId)).status).toBe('waiting');
    expect(lines(log)).toEqual(['prepare review']);
    writeFileSync(join(inbox, 'e1'), 'x');
    writeFileSync(join(inbox, '.half-written'), 'x');
    expect((await resumeRunGraph(engine, graph, first.runId)).status).toBe('succeeded');
    expect(lines(log)).toEqual(['prepare review', 'continue review from checkpoint 42', 'finish review condition null 1 entries']);
    // A second run of it, cancelled while it waits: its parked step is cancelled with it.
    writeFileSync(join(inbox, 'e0'), 'x'); // not new to a wait that begins after it
    const other = await runPipeline(engine, graph);
    expect(other.status).toBe('waiting');
    expect(await cancelRun(new DagStore(engine.database.db), other.runId)).toBe(true);
    expect((await engine.store.getRun(other.runId))?.status).toBe('cancelled');
    expect((await engine.store.getSteps(other.runId)).find((x) => x.step_id === 'review')?.status).toBe('cancelled');
  }, 60_000);

  it("another run's success; a hand wake with a payload; a deadline under onDeadline: fail fails at once despite retries", async () => {
    const dir = tempDir();
    engine = await openTestEngine('pglite', join(dir, 'state'));
    const log = join(dir, 'log');
    const waiting = await graphOf(pipeline(dir, 'downstream', `{ log: ${log}, afterRunOf: upstream }`));
    const first = await runPipeline(engine, waiting);
    expect(first.status).toBe('waiting');
    expect((await runPipeline(engine, await graphOf(pipeline(dir, 'upstream', undefined)))).status).toBe('succeeded');
    expect((await resumeRunGraph(engine, waiting, first.runId)).status).toBe('succeeded');
    expect(lines(log).at(-1)).toBe('finish review condition null 1 entries');

    const log2 = join(dir, 'log2');
    const byHand = await graphOf(pipeline(dir, 'hand', `{ log: ${log2}, signal: never }`));
    const second = await runPipeline(engine, byHand);
    expect(second.status).toBe('waiting');
    expect(await wakeByHand(engine.database.db, second.runId, 'review', '', 'tester', { decision: 'approve' })).toBe(true);
    expect(await wakeByHand(engine.database.db, second.runId, 'review', '', 'tester', 'again')).toBe(false); // one wake wins
    expect((await resumeRunGraph(engine, byHand, second.runId)).status).toBe('succeeded');
    expect(lines(log2).at(-1)).toBe('finish review manual {"decision":"approve"}');

    const log3 = join(dir, 'log3');
    const late = await graphOf(pipeline(dir, 'late', `{ log: ${log3}, signal: never, deadline: "1ms", onDeadline: fail }`));
    const third = await runPipeline(engine, late);
    expect(third.status).toBe('waiting');
    await new Promise((r) => setTimeout(r, 5));
    const failed = await resumeRunGraph(engine, late, third.runId);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/the deadline .* passed while waiting for signal "never"/);
    const attempts = (await engine.store.getAttempts(third.runId)).map((a) => [a.attempt, a.status]);
    expect(attempts).toEqual([
      [1, 'waiting'],
      [2, 'failed'],
    ]);
    expect((await listWaits(engine.database.db, { runId: third.runId }))[0].status).toBe('done');
  }, 60_000);
});
