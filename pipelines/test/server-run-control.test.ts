// What stewards do to runs over the staff API, on a real PostgreSQL store: resume (and retry) a run
// exactly once however many times the button is pressed, cancel and list a run that waits, and
// read the end of a long run's events.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokens } from '../src/server/auth/api-tokens.js';
import { FIXTURE_PLUGIN } from './helpers.js';
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
