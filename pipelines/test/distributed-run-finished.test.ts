// A distributed run's end, as a reader of the store sees it (real worker processes, PostgreSQL and
// Redis): the moment its status turns final, its run.finished event is already there, worded as the
// in-process executor words it. A trigger on `runs` records, in the transaction that ends the run,
// the run.finished events that transaction can see: no polling can miss or reorder them.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './distributed-cluster.js';
import { writePipeline } from './helpers.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function recordFinalMoments(c: Cluster): Promise<void> {
  await c.query(
    `create table final_moments (run_id text not null, status text not null, finished_events text[] not null, step_failed text[] not null)`,
  );
  await c.query(
    `create function record_final_moment() returns trigger language plpgsql as $$ begin
       if new.status in ('succeeded', 'failed', 'cancelled') and old.status is distinct from new.status then
         insert into final_moments values (new.id, new.status,
           array(select level || ' ' || message from events where run_id = new.id and type = 'run.finished' order by id),
           array(select step_id from events where run_id = new.id and type = 'step.failed' order by id));
       end if;
       return new; end $$`,
  );
  // A deferred constraint trigger fires at commit: it sees every write of the transaction that ended the run.
  await c.query(
    `create constraint trigger runs_final_moment after update on runs deferrable initially deferred for each row execute function record_final_moment()`,
  );
}

describe('run.finished under the distributed executor', () => {
  it('a run that succeeds or fails has run.finished in the store when its status turns final', async () => {
    cluster = await startCluster();
    await cluster.startWorker(['--pool', 'cpu', '-c', '2']);
    await recordFinalMoments(cluster); // the worker has migrated the store by now
    const run = async (file: string) => {
      const { stdout } = await cluster!.cli(['--json', 'run', file, '--profile', cluster!.profile, '-q']).catch((e) => e);
      return JSON.parse(stdout) as { runId: string; status: string };
    };
    const ok = await run(
      writePipeline(
        cluster.dir,
        `steps:\n  a:\n    uses: test.emit\n    with: { rows: 2 }\n  b:\n    uses: test.upper\n    needs: [a]\n`,
        'ok.yaml',
      ),
    );
    const counter = join(cluster.dir, 'fatal.count');
    const bad = await run(
      writePipeline(
        cluster.dir,
        `steps:\n  f:\n    uses: test.fatal\n    with: { counterFile: ${counter} }\n  g:\n    uses: test.sleep\n    needs: [f]\n    with: { ms: 1 }\n`,
        'bad.yaml',
      ),
    );
    expect([ok.status, bad.status]).toEqual(['succeeded', 'failed']);
    const moments = await cluster.query<{ run_id: string; status: string; finished_events: string[]; step_failed: string[] }>(
      `select run_id, status, finished_events, step_failed from final_moments order by run_id`,
    );
    const [okRun] = await cluster.query<{ error: string | null }>(`select error from runs where id = $1`, [ok.runId]);
    const [badRun] = await cluster.query<{ error: string }>(`select error from runs where id = $1`, [bad.runId]);
    expect(okRun.error).toBeNull();
    expect(badRun.error).toBe('step "f" failed: refused for good (attempt 1)');
    // The failed step's step.failed is there too (the worker wrote it after the run's end before).
    expect(moments.map((m) => [m.run_id, m.status, m.finished_events, m.step_failed]).sort()).toEqual(
      [
        [ok.runId, 'succeeded', ['info run succeeded'], []],
        [bad.runId, 'failed', [`error run failed: ${badRun.error}`], ['f']],
      ].sort(),
    );
    // And once only: the coordinator, watching, adds none of its own.
    const all = await cluster.query<{ n: string }>(`select count(*)::text as n from events where type = 'run.finished'`);
    expect(all[0].n).toBe('2');
  }, 600_000);
});
