// What stewards do to runs over the staff API, on a real PostgreSQL store: resume (and retry) a run
// exactly once however many times the button is pressed, cancel and list a run that waits (its
// run.finished event written with its final status, by the API and by `datanet cancel`), and
// read the end of a long run's events.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokens } from '../src/server/auth/api-tokens.js';
import { TEST_DATABASE_URL } from '../src/testing/index.js';
import { BIN, FIXTURE_PLUGIN } from './helpers.js';
import { openTestServer } from './server-helpers.js';

const WAIT_PLUGIN = resolve(import.meta.dirname, 'fixtures/wait-operators.ts');
type Server = Awaited<ReturnType<typeof openTestServer>>;

function pipeline(root: string, name: string, steps: string): void {
  writeFileSync(
    join(root, 'configs', 'pipelines', `${name}.yaml`),
    `apiVersion: datanet/v1\nkind: Pipeline\nmetadata: { name: ${name} }\nplugins: [${FIXTURE_PLUGIN}, ${WAIT_PLUGIN}]\nparameters:\n  datanet: { type: string, default: alpha }\nsteps:\n${steps}`,
  );
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

describe('run control over the staff API (PostgreSQL)', () => {
  let root: string;
  let server: Server;
  let steward: Record<string, string>;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'datanet-run-control-'));
    mkdirSync(join(root, 'configs', 'pipelines'), { recursive: true });
    // `a` fails its first attempt; `b` (never cached) logs each time it runs.
    pipeline(
      root,
      'flaky',
      `  a:\n    uses: test.flaky\n    with: { failTimes: 1, counterFile: ${join(root, 'counter')} }\n  b:\n    uses: test.emit\n    needs: [a]\n    cache: false\n    with: { log: ${join(root, 'b.log')} }\n`,
    );
    pipeline(
      root,
      'waits',
      `  a:\n    uses: test.emit\n  review:\n    uses: test.review\n    needs: [a]\n    with: { log: ${join(root, 'review.log')}, signal: 'decision:never' }\n`,
    );
    server = await openTestServer('postgres', root, { rateLimitPerMinute: 100_000 });
    const t = await new ApiTokens(server.ctx.db).create({ name: 't', scope: 'alpha', role: 'steward' });
    steward = { authorization: `Bearer ${t.token}` };
  }, 120_000);
  afterAll(async () => {
    await server?.shutdown();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const inject = (method: 'GET' | 'POST', url: string, payload?: object) =>
    payload === undefined
      ? server.app.inject({ method, url, headers: steward })
      : server.app.inject({ method, url, headers: steward, payload });
  const launch = async (name: string) => {
    const res = await inject('POST', '/api/runs', { pipeline: name, params: { datanet: 'alpha' } });
    expect(res.statusCode, res.body).toBe(202);
    return res.json().runId as string;
  };
  const settled = async (runId: string, statuses = ['succeeded', 'failed', 'cancelled', 'waiting']) => {
    for (let i = 0; i < 600; i++) {
      const res = await inject('GET', `/api/runs/${runId}`);
      // Settled, and nothing of it executes here any more (the launcher forgets a run once its execution ends).
      const executing = (server.launcher as unknown as { running: Map<string, unknown> }).running.has(runId);
      if (res.statusCode === 200 && statuses.includes(res.json().run.status) && !executing) return res.json();
      await sleep(100);
    }
    throw new Error(`run ${runId} did not settle`);
  };

  it('two resumes of the same failed run at once start it once: one is 202, the other 409, each step runs once', async () => {
    const runId = await launch('flaky');
    expect((await settled(runId)).run.status).toBe('failed');
    expect(lines(join(root, 'b.log'))).toEqual([]);
    const answers = await Promise.all([inject('POST', `/api/runs/${runId}/resume`), inject('POST', `/api/runs/${runId}/resume`)]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([202, 409]);
    expect(answers.find((r) => r.statusCode === 409)!.json().error).toBe('running');
    const after = await settled(runId, ['succeeded', 'failed']);
    expect(after.run.status).toBe('succeeded');
    expect(lines(join(root, 'b.log'))).toEqual(['b']);
    expect(Number(readFileSync(join(root, 'counter'), 'utf8'))).toBe(2);
  });

  it('lists runs that wait (status=waiting), and a steward cancels one; it stays resumable', async () => {
    const runId = await launch('waits');
    expect((await settled(runId)).run.status).toBe('waiting');
    const listed = await inject('GET', '/api/runs?datanet=alpha&status=waiting');
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().runs.map((r: { id: string }) => r.id)).toEqual([runId]);

    const cancel = await inject('POST', `/api/runs/${runId}/cancel`);
    expect(cancel.statusCode, cancel.body).toBe(202);
    const detail = (await inject('GET', `/api/runs/${runId}`)).json();
    expect(detail.run.status).toBe('cancelled');
    expect(detail.steps.find((s: { stepId: string }) => s.stepId === 'review').status).toBe('cancelled');
    // Cancelling it again says it is over.
    expect((await inject('POST', `/api/runs/${runId}/cancel`)).statusCode).toBe(409);
    // Resumed, the review waits again (its wait still does not hold); its first phase is not redone.
    expect((await inject('POST', `/api/runs/${runId}/resume`)).statusCode).toBe(202);
    expect((await settled(runId)).run.status).toBe('waiting');
    expect(lines(join(root, 'review.log'))).toEqual(['prepare review']);
  });

  it('a cancelled waiting run has its run.finished event in the store when its status turns cancelled (API and `datanet cancel`)', async () => {
    const { db } = server.ctx;
    // A trigger notes, in the transaction that ends a run, which of its events are visible there:
    // what a reader (a live stream, a poller) sees at the moment the status says the run is over.
    // (A run that parks writes a run.finished saying it waits: the last event must say it was cancelled.)
    await sql`CREATE TABLE ended_with (run_id text, status text, last_event text)`.execute(db);
    await sql
      .raw(
        `CREATE FUNCTION note_ended() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
           INSERT INTO ended_with SELECT NEW.id, NEW.status, (SELECT type || ' ' || message FROM events WHERE run_id = NEW.id ORDER BY id DESC LIMIT 1);
           RETURN NEW; END $$`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER note_ended AFTER UPDATE OF status ON runs FOR EACH ROW
           WHEN (NEW.status IN ('succeeded', 'failed', 'cancelled') AND OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION note_ended()`,
      )
      .execute(db);
    const ended = async (runId: string) =>
      (await sql<{ status: string; last_event: string }>`SELECT status, last_event FROM ended_with WHERE run_id = ${runId}`.execute(db))
        .rows;
    const cancelledEvent = (runId: string) => `run.finished run cancelled: run cancelled; resume it with \`datanet resume ${runId}\``;

    // Over the API, with the run's live stream open (real HTTP).
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const runId = await launch('waits');
    expect((await settled(runId)).run.status).toBe('waiting');
    const stream = await fetch(`${url}/api/runs/${runId}/events`, { headers: steward });
    expect(stream.status).toBe(200);
    const body = stream.text();
    expect((await inject('POST', `/api/runs/${runId}/cancel`)).statusCode).toBe(202);
    expect(await ended(runId)).toEqual([{ status: 'cancelled', last_event: cancelledEvent(runId) }]);
    const blocks = (await body).split('\n\n').filter(Boolean);
    expect(blocks.at(-1)).toMatch(/^event: end\ndata: .*"status":"cancelled"/);
    expect(blocks.filter((b) => b.startsWith('id: ')).at(-1)).toMatch(/^event: run\.finished\ndata: .*"message":"run cancelled: /m);

    // From the CLI, on the same store.
    const other = await launch('waits');
    expect((await settled(other)).run.status).toBe('waiting');
    const schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(db)).rows[0].s;
    const databaseUrl = `${TEST_DATABASE_URL}${TEST_DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const cli = await promisify(execFile)(
      'node',
      [BIN, '--state-dir', join(root, 'cli-state'), '--database-url', databaseUrl, 'cancel', other],
      {
        cwd: root,
      },
    );
    expect(cli.stdout).toContain(`run ${other} cancelled`);
    expect(await ended(other)).toEqual([{ status: 'cancelled', last_event: cancelledEvent(other) }]);
    const events = (await inject('GET', `/api/runs/${other}`)).json().events as { type: string; message: string }[];
    expect(events.at(-1)).toMatchObject({
      type: 'run.finished',
      message: `run cancelled: run cancelled; resume it with \`datanet resume ${other}\``,
    });
  });

  it("a run's detail ends with its newest events, however many it has", async () => {
    const { store } = server.ctx.engine;
    const runId = 'run-chatty';
    await store.createRun(
      {
        id: runId,
        pipeline: 'chatty',
        file: 'chatty.yaml',
        spec_yaml: '',
        params: { datanet: 'alpha' },
        options: {},
        status: 'failed',
        executor: 'in-process',
        created_at: Date.now(),
      },
      [{ step_id: 'talk', pool: 'cpu' }],
    );
    for (let i = 0; i < 10_050; i++) store.event(runId, 'talk', 'info', 'log', `line ${i}`);
    store.event(runId, 'talk', 'error', 'step.failed', 'step talk attempt 1 failed: the reason');
    await store.flushEvents();
    const detail = (await inject('GET', `/api/runs/${runId}`)).json();
    expect(detail.events.at(-1).message).toBe('step talk attempt 1 failed: the reason');
    expect(detail.logs.at(-1).message).toBe('line 10049');
    // Oldest first, as before.
    expect(detail.events.at(-2).id).toBeLessThan(detail.events.at(-1).id);
  });
});
