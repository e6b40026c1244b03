// The live events of a run (GET /api/runs/{id}/events, Server-Sent Events) over real HTTP on a
// PostgreSQL store (and PGlite), where several writers (workers, replicas) insert a run's events at once and
// commit them out of id order: every event is sent once, none is skipped.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokens } from '../src/server/auth/api-tokens.js';
import { RunReader } from '../src/server/runs/run-reader.js';
import type { DbEngine } from '../src/testing/test-db.js';
import { FIXTURE_PLUGIN } from './helpers.js';
import { openTestServer } from './server-helpers.js';

type Server = Awaited<ReturnType<typeof openTestServer>>;

/** Reads an SSE response block by block; `until` resolves once a block matching it arrived. */
function sseReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const blocks: string[] = [];
  let buf = '';
  let done = false;
  const pump = (async () => {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      buf += r.value;
      let cut: number;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        blocks.push(buf.slice(0, cut));
        buf = buf.slice(cut + 2);
      }
    }
    done = true;
  })();
  return {
    blocks,
    /** The events' own ids (their data), in the order sent. */
    ids: () => blocks.filter((b) => /^id: /m.test(b)).map((b) => (JSON.parse(/^data: (.*)$/m.exec(b)![1]) as { id: number }).id),
    /** The SSE ids (what a reconnect sends back as Last-Event-ID), in the order sent. */
    sseIds: () => blocks.flatMap((b) => /^id: (\d+)$/m.exec(b)?.[1] ?? []).map(Number),
    async until(match: (b: string) => boolean, timeoutMs = 30_000) {
      const t0 = Date.now();
      while (!blocks.some(match)) {
        if (done) throw new Error(`stream ended without it: ${blocks.join(' | ')}`);
        if (Date.now() - t0 > timeoutMs) throw new Error(`timed out; got ${blocks.join(' | ')}`);
        await sleep(20);
      }
    },
    ended: () => pump,
  };
}

describe.each<DbEngine>(['postgres', 'pglite'])('run events over SSE (%s, real HTTP)', (engine) => {
  let root: string;
  let server: Server;
  let url: string;
  let headers: Record<string, string>;
  let steward: Record<string, string>;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'datanet-run-events-'));
    mkdirSync(join(root, 'configs', 'pipelines'), { recursive: true });
    writeFileSync(
      join(root, 'configs', 'pipelines', 'emit.yaml'),
      `apiVersion: datanet/v1\nkind: Pipeline\nmetadata: { name: emit }\nplugins: [${FIXTURE_PLUGIN}]\nparameters:\n  datanet: { type: string, default: alpha }\nsteps:\n  a:\n    uses: test.emit\n`,
    );
    server = await openTestServer(engine, root, { rateLimitPerMinute: 100_000 });
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const t = await new ApiTokens(server.ctx.db).create({ name: 't', scope: 'alpha', role: 'reviewer' });
    headers = { authorization: `Bearer ${t.token}` };
    const st = await new ApiTokens(server.ctx.db).create({ name: 's', scope: 'alpha', role: 'steward' });
    steward = { authorization: `Bearer ${st.token}` };
  }, 120_000);
  afterAll(async () => {
    await server?.shutdown();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const newRun = async (id: string, status: 'running' | 'waiting' = 'running', steps: { step_id: string; pool: string }[] = []) =>
    server.ctx.engine.store.createRun(
      {
        id,
        pipeline: 'p',
        file: 'p.yaml',
        spec_yaml: '',
        params: { datanet: 'alpha' },
        options: {},
        status,
        executor: 'distributed',
        created_at: Date.now(),
      },
      steps,
    );
  const insertEvent = (db: typeof server.ctx.db, runId: string, message: string) =>
    db
      .insertInto('events')
      .values({ run_id: runId, step_id: null, ts: Date.now(), level: 'info', type: 'log', message, fields: null })
      .returning('id')
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.id));

  // PGlite has one connection: its writers never overlap.
  it.skipIf(engine === 'pglite')(
    'sends an event whose writer committed after a later event was sent, once, and every other event once',
    async () => {
      const runId = 'run-out-of-order';
      await newRun(runId);
      const first = await insertEvent(server.ctx.db, runId, 'first');
      const res = await fetch(`${url}/api/runs/${runId}/events`, { headers });
      expect(res.status).toBe(200);
      const stream = sseReader(res);
      await stream.until((b) => b.includes('"first"'));

      // A writer takes an id and holds its transaction open; another writer's later id commits first.
      let commit!: () => void;
      const held = new Promise<void>((r) => (commit = r));
      let heldId = 0;
      const slow = server.ctx.db.transaction().execute(async (trx) => {
        heldId = await insertEvent(trx, runId, 'slow writer');
        await held;
      });
      while (!heldId) await sleep(10);
      const fast = await insertEvent(server.ctx.db, runId, 'fast writer');
      expect(fast).toBeGreaterThan(heldId);
      await stream.until((b) => b.includes('"fast writer"'));
      // Several polls go by with the slow event still invisible, then it commits.
      await sleep(1000);
      commit();
      await slow;
      await stream.until((b) => b.includes('"slow writer"'), 10_000);
      const last = await insertEvent(server.ctx.db, runId, 'last');
      await server.ctx.engine.store.setRunStatus(runId, 'succeeded', { finished_at: Date.now() });
      await stream.ended();
      expect(stream.blocks.at(-1)).toMatch(/^event: end\n/);
      expect(stream.ids()).toEqual([first, fast, heldId, last]);
      // Last-Event-ID is the highest id sent: a reconnect after the late event repeats nothing.
      expect(stream.sseIds()).toEqual([first, fast, fast, last]);
    },
  );

  it("a cancelled distributed run's stream ends after the step.failed of the steps its workers were still aborting", async () => {
    const runId = 'run-cancel-aborting';
    await newRun(runId, 'running', [{ step_id: 's', pool: 'cpu' }]);
    await server.ctx.db.updateTable('steps').set({ status: 'running' }).where('run_id', '=', runId).execute();
    const res = await fetch(`${url}/api/runs/${runId}/events`, { headers });
    const stream = sseReader(res);
    // `datanet cancel`: the run is final at once (run.finished with it); its step runs on until its worker aborts it.
    const { DagStore } = await import('../src/distributed/dag-store.js');
    const { cancelRun } = await import('../src/distributed/dag-recovery.js');
    expect(await cancelRun(new DagStore(server.ctx.db), runId)).toBe(true);
    await stream.until((b) => b.includes('event: run.finished'));
    await sleep(1500); // a worker's next heartbeat, about a second later
    expect(stream.blocks.some((b) => b.startsWith('event: end'))).toBe(false);
    // The worker: its step.failed, then the step's end (step-runner's order).
    await server.ctx.db
      .insertInto('events')
      .values({
        run_id: runId,
        step_id: 's',
        ts: Date.now(),
        level: 'warn',
        type: 'step.failed',
        message: 'step s attempt 1 failed: run cancelled',
        fields: null,
      })
      .execute();
    await server.ctx.db.updateTable('steps').set({ status: 'cancelled' }).where('run_id', '=', runId).execute();
    await stream.ended();
    expect(stream.blocks.map((b) => /^(?:id: \d+\n)?event: ([\w.]+)/.exec(b)?.[1])).toEqual(['run.finished', 'step.failed', 'end']);
  });

  it('answers at once on a run with nothing new to send, so the client knows it follows the run', async () => {
    const runId = 'run-nothing-new';
    await newRun(runId, 'waiting');
    const last = await insertEvent(server.ctx.db, runId, 'parked');
    for (const from of [{}, { 'last-event-id': String(last) }] as Record<string, string>[]) {
      const ac = new AbortController();
      const t0 = Date.now();
      const res = await fetch(`${url}/api/runs/${runId}/events`, { headers: { ...headers, ...from }, signal: ac.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(Date.now() - t0).toBeLessThan(2000);
      ac.abort();
    }
  });

  it('resumes after Last-Event-ID without repeating or skipping', async () => {
    const runId = 'run-reconnect';
    await newRun(runId);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await insertEvent(server.ctx.db, runId, `e${i}`));
    await server.ctx.engine.store.setRunStatus(runId, 'succeeded', { finished_at: Date.now() });
    const res = await fetch(`${url}/api/runs/${runId}/events`, { headers: { ...headers, 'last-event-id': String(ids[1]) } });
    const stream = sseReader(res);
    await stream.ended();
    expect(stream.ids()).toEqual(ids.slice(2));
    expect(stream.sseIds()).toEqual(ids.slice(2));
  });

  it('a quiet waiting run is read less often, and what is written next is still sent promptly, each event once', async () => {
    const runId = 'run-quiet-wait';
    await newRun(runId, 'waiting');
    const first = await insertEvent(server.ctx.db, runId, 'parked');
    // Every look at the store reads the run's new events once: count the looks at this run.
    const original = RunReader.prototype.eventsAfter;
    let looks = 0;
    RunReader.prototype.eventsAfter = function (this: RunReader, id: string, ...rest: [number, number?]) {
      if (id === runId) looks++;
      return original.call(this, id, ...rest);
    };
    try {
      const res = await fetch(`${url}/api/runs/${runId}/events`, { headers });
      const stream = sseReader(res);
      await stream.until((b) => b.includes('"parked"'));
      // Nothing happens for 8 s: at 300 ms a look that is ~27 looks; backing off to 3 s, about 6.
      looks = 0;
      await sleep(8000);
      expect(looks).toBeGreaterThanOrEqual(3);
      expect(looks).toBeLessThanOrEqual(9);

      // Another writer (a worker, a replica) writes: sent within the longest pause.
      let t0 = Date.now();
      const woke = await insertEvent(server.ctx.db, runId, 'woken elsewhere');
      await stream.until((b) => b.includes('"woken elsewhere"'));
      expect(Date.now() - t0).toBeLessThan(4000);
      // Once the run moves, the next event is not held back by the pause it had reached.
      t0 = Date.now();
      const next = await insertEvent(server.ctx.db, runId, 'next step');
      await stream.until((b) => b.includes('"next step"'));
      expect(Date.now() - t0).toBeLessThan(1000);

      // Quiet again; then this server writes (a resume or a wake here): the stream wakes at once.
      await sleep(3500);
      t0 = Date.now();
      server.ctx.engine.store.event(runId, null, 'info', 'log', 'written here');
      await server.ctx.engine.store.flushEvents();
      await stream.until((b) => b.includes('"written here"'));
      expect(Date.now() - t0).toBeLessThan(1000);
      await sleep(3500);
      t0 = Date.now();
      await server.ctx.engine.store.setRunStatus(runId, 'cancelled', { finished_at: Date.now() });
      await stream.ended();
      expect(Date.now() - t0).toBeLessThan(1500);
      expect(stream.blocks.at(-1)).toMatch(/^event: end\n.*"status":"cancelled"/);
      const here = (await server.ctx.engine.store.getEvents(runId)).find((e) => e.message === 'written here')!.id;
      expect(stream.ids()).toEqual([first, woke, next, here]);
    } finally {
      RunReader.prototype.eventsAfter = original;
    }
  }, 60_000);

  it("a run's last event (run.finished) is in the store before its status says it ended, so its stream sends it", async () => {
    const { store } = server.ctx.engine;
    const original = store.setRunStatus.bind(store);
    const atEnd: string[][] = [];
    store.setRunStatus = async (id, status, fields) => {
      if (['succeeded', 'failed', 'cancelled'].includes(status)) atEnd.push((await store.getEvents(id)).map((e) => e.type));
      return original(id, status, fields);
    };
    try {
      const launched = await fetch(`${url}/api/runs`, {
        method: 'POST',
        headers: { ...steward, 'content-type': 'application/json' },
        body: JSON.stringify({ pipeline: 'emit', params: { datanet: 'alpha' } }),
      });
      expect(launched.status).toBe(202);
      const { runId } = (await launched.json()) as { runId: string };
      let res: Response;
      for (let i = 0; ; i++) {
        res = await fetch(`${url}/api/runs/${runId}/events`, { headers });
        // The run is written a moment after the launch answers (until then it is no run of alpha: 403).
        if (res.status === 200 || i > 100) break;
        await sleep(50);
      }
      const stream = sseReader(res);
      await stream.ended();
      expect(atEnd).toEqual([expect.arrayContaining(['run.started', 'step.succeeded', 'run.finished'])]);
      expect(stream.blocks.filter((b) => b.startsWith('id: ')).at(-1)).toMatch(/^event: run\.finished$/m);
      expect(stream.blocks.at(-1)).toMatch(/"status":"succeeded"/);
    } finally {
      store.setRunStatus = original;
    }
  });
});
