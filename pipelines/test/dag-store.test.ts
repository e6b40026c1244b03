// The batched transitions of the distributed DAG store, against real PostgreSQL: claims and
// partition completions that arrive together share a transaction but keep each job's semantics.
import { afterEach, describe, expect, it } from 'vitest';
import { DagStore, type PartitionCompletion } from '../src/distributed/dag-store.js';
import { jobIdOf, type StepJob } from '../src/distributed/distributed-config.js';
import type { Engine } from '../src/exec/engine.js';
import { openTestEngine } from './helpers.js';

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const RUN = 'r1';
const part = (i: number): StepJob => ({ runId: RUN, stepId: 'each', partition: `k${i}`, attempt: 1, kind: 'step' });

/** A run whose step `each` has fanned out over `n` partitions, the first `queued` of them queued. */
async function fannedOut(n: number, queued: number): Promise<DagStore> {
  engine = await openTestEngine('postgres');
  const db = engine.database.db;
  const now = Date.now();
  await db
    .insertInto('runs')
    .values({
      id: RUN,
      pipeline: 'p',
      file: 'p.yaml',
      spec_yaml: '',
      params: '{}',
      options: '{}',
      status: 'running',
      executor: 'distributed',
      created_at: now,
    })
    .execute();
  await db
    .insertInto('steps')
    .values({ run_id: RUN, step_id: 'each', partition: '', status: 'running', phase: 'fanout', pending_parts: n, attempts: 1, pool: 'cpu' })
    .execute();
  await db
    .insertInto('steps')
    .values(
      Array.from({ length: n }, (_, i) => ({
        run_id: RUN,
        step_id: 'each',
        partition: `k${i}`,
        part_index: i,
        pool: 'cpu',
        status: i < queued ? 'queued' : 'pending',
        job_id: i < queued ? jobIdOf(RUN, 'each', i, 'step', 1) : null,
        task: JSON.stringify({ input: null }),
      })),
    )
    .execute();
  return new DagStore(db);
}

const completion = (i: number): PartitionCompletion => ({
  job: part(i),
  jobId: jobIdOf(RUN, 'each', i, 'step', 1),
  pool: 'cpu',
  completion: {
    runId: RUN,
    stepId: 'each',
    partition: `k${i}`,
    attempt: 1,
    outputs: {},
    cacheKey: `key${i}`,
    cached: false,
    reason: 'ran',
    operator: 'test.noop',
    writeCache: false,
    startedAt: Date.now(),
    startRecorded: false,
    worker: 'w',
  },
});

describe('DagStore batches', () => {
  it('claims a batch at once; a job delivered twice in the batch, or not queued under its id, is claimed at most once', async () => {
    const dag = await fannedOut(6, 3);
    const req = (i: number, jobId = jobIdOf(RUN, 'each', i, 'step', 1)) => ({ job: part(i), jobId, worker: 'w1', leaseMs: 5000 });
    const out = await dag.claimMany([req(0), req(1), req(0), req(2, 'stale~job'), req(4)]);
    expect(out.map((c) => c !== undefined)).toEqual([true, true, false, false, false]);
    expect(out[0]!.partIndex).toBe(0);
    const rows = await engine!.database.db
      .selectFrom('steps')
      .select(['partition', 'status', 'worker'])
      .where('partition', '<>', '')
      .orderBy('part_index')
      .execute();
    expect(rows.map((r) => r.status)).toEqual(['running', 'running', 'queued', 'pending', 'pending', 'pending']);
    expect(rows[0].worker).toBe('w1');
    // A second delivery after the claim committed is a duplicate too.
    expect(await dag.claimMany([req(0)])).toEqual([undefined]);
  });

  it('completes partitions together: the parent is counted down once per partition, the window moves on, and the gather is queued once', async () => {
    const dag = await fannedOut(4, 2);
    const claim = (i: number) => ({ job: part(i), jobId: jobIdOf(RUN, 'each', i, 'step', 1), worker: 'w1', leaseMs: 5000 });
    await dag.claimMany([claim(0), claim(1)]);
    // Two partitions and a duplicate of one of them finish together: two new partitions are released.
    const first = await dag.completePartitions([completion(0), completion(1), completion(0)]);
    expect(first[2]).toBeUndefined();
    expect(first[0]!.map((s) => [s.partition, s.kind])).toEqual([
      ['k2', 'step'],
      ['k3', 'step'],
    ]);
    expect(first[1]).toEqual([]);
    const parent = () =>
      engine!.database.db.selectFrom('steps').select(['pending_parts']).where('partition', '=', '').executeTakeFirstOrThrow();
    expect((await parent()).pending_parts).toBe(2);
    // A partition that was never claimed by this job is not ours to finish.
    expect(await dag.completePartitions([completion(2)])).toEqual([undefined]);
    await dag.claimMany([claim(2), claim(3)]);
    const last = await dag.completePartitions([completion(3), completion(2)]);
    expect(last[0]!.map((s) => [s.step_id, s.partition, s.kind])).toEqual([['each', '', 'gather']]);
    expect((await parent()).pending_parts).toBe(0);
    const done = await engine!.database.db.selectFrom('steps').select(['status']).where('partition', '<>', '').execute();
    expect(done.every((r) => r.status === 'succeeded')).toBe(true);
    const attempts = await engine!.database.db.selectFrom('attempts').select(['partition']).execute();
    expect(attempts.map((a) => a.partition).sort()).toEqual(['k0', 'k1', 'k2', 'k3']);
  });
});
