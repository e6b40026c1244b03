import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { readTriggers } from '../src/schedule/trigger-spec.js';
import { BIN, FIXTURE_PLUGIN, freshPostgresUrl, tempDir } from './helpers.js';

const WAIT_PLUGIN = resolve(import.meta.dirname, 'fixtures/wait-operators.ts');

function triggered(
  dir: string,
  inbox: string,
  log: string,
  trigger = `{ files: ${inbox}, debounce: 1500ms, maxBatch: 3, poll: 200ms }`,
): string {
  const file = join(dir, 'intake.yaml');
  writeFileSync(
    file,
    `apiVersion: datanet/v1\nkind: Pipeline\nmetadata:\n  name: intake\nplugins: [${FIXTURE_PLUGIN}, ${WAIT_PLUGIN}]\nparameters:\n  batch: { type: string, default: "[]" }\non:\n  inbox: ${trigger}\nsteps:\n  take:\n    uses: test.batch\n    cache: false\n    with: { batch: "\${{ params.batch }}", log: ${log} }\n`,
  );
  return file;
}

/** An inbox entry appears at once, as intake's submitter writes it: made under a dot-name, then renamed. */
function submit(inbox: string, name: string): void {
  const tmp = join(inbox, `.tmp-${name}`);
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'submission.json'), JSON.stringify({ name }));
  renameSync(tmp, join(inbox, name));
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 90_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function stop(children: ChildProcess[]): Promise<unknown> {
  return Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => (c.once('exit', r), c.kill('SIGTERM'))))));
}

describe('on: triggers', () => {
  it('reads triggers with clear errors: exactly one source, a declared string parameter', () => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const ok = readTriggers(triggered(dir, 'state:inbox/qa', log), '/state');
    expect(ok).toMatchObject([
      { pipeline: 'intake', name: 'inbox', kind: 'files', source: '/state/inbox/qa', debounceMs: 1500, maxBatch: 3, param: 'batch' },
    ]);
    expect(() => readTriggers(triggered(dir, 'x', log, '{ files: a, glob: "b/*" }'), '/s')).toThrow(
      /intake\.yaml: on\.inbox: give exactly one of "files", "glob", "run" or "event"/,
    );
    expect(() => readTriggers(triggered(dir, 'x', log, '{ files: a, param: entries }'), '/s')).toThrow(
      /on\.inbox: the batch goes to parameter "entries": declare it under parameters:/,
    );
    expect(() => readTriggers(triggered(dir, 'x', log, '{ files: a, debounce: soon }'), '/s')).toThrow(/on\.inbox: debounce/);
  });

  it('two schedulers on one PostgreSQL store start exactly one run per debounced batch, and no entry twice', async () => {
    const url = await freshPostgresUrl();
    const dir = tempDir();
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox);
    const log = join(dir, 'taken.log');
    const file = triggered(dir, inbox, log);
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    const q = async <T>(text: string) => (await pool.query(text)).rows as T[];
    const outputs = ['', ''];
    const schedulers = [0, 1].map((i) => {
      const child = spawn('node', [BIN, '--database-url', url, '--state-dir', join(dir, `s${i}`), 'schedule', file], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d) => (outputs[i] += d));
      child.stderr!.on('data', (d) => (outputs[i] += d));
      return child;
    });
    try {
      await waitFor('both schedulers to start', () => outputs.every((o) => /scheduler .*intake \(on\.inbox/.test(o)));
      const batches = () =>
        q<{ run_id: string; entries: string[]; fired_by: string }>(
          `select run_id, entries, fired_by from trigger_batches order by fired_at`,
        ).catch(() => []);
      const succeeded = () => q<{ id: string }>(`select id from runs where status = 'succeeded'`).catch(() => []);

      // A burst of two entries: one batch once the inbox is quiet for the debounce.
      submit(inbox, 'e01');
      submit(inbox, 'e02');
      await waitFor('the first batch to run', async () => (await succeeded()).length === 1);
      // Five at once with maxBatch 3: a full batch fires at once, the other two after the debounce.
      for (const n of ['e03', 'e04', 'e05', 'e06', 'e07']) submit(inbox, n);
      await waitFor('three batches to run', async () => (await succeeded()).length === 3);
      // A quiet while: nothing more may fire (both schedulers keep looking every 200 ms).
      await sleep(2500);

      const list = await batches();
      expect(list.map((b) => b.entries.map((e) => e.slice(inbox.length + 1)))).toEqual([
        ['e01', 'e02'],
        ['e03', 'e04', 'e05'],
        ['e06', 'e07'],
      ]);
      const runs = await q<{ id: string; status: string; params: { batch: string } }>(
        `select id, status, params from runs order by created_at`,
      );
      // Batches may start their runs out of order (two schedulers): match them by run id.
      expect(runs.map((r) => r.id).sort()).toEqual(list.map((b) => b.run_id).sort());
      expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
      for (const b of list) expect(JSON.parse(runs.find((r) => r.id === b.run_id)!.params.batch)).toEqual(b.entries);
      // The operator took each entry exactly once, in the run its batch named.
      const taken = readFileSync(log, 'utf8').trim().split('\n');
      expect(taken.length).toBe(7);
      expect(new Set(taken.map((l) => l.split(' ')[1])).size).toBe(7);
      for (const b of list) for (const e of b.entries) expect(taken).toContain(`${b.run_id} ${e}`);
      const entries = await q<{ n: string }>(`select count(*)::text as n from trigger_entries`);
      expect(entries[0].n).toBe('7');

      // `datanet triggers` shows the cursor and the last run.
      const out = await new Promise<string>((res) => {
        let s = '';
        const c = spawn('node', [BIN, '--database-url', url, '--state-dir', join(dir, 'cli'), '--json', 'triggers', file], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        c.stdout!.on('data', (d) => (s += d));
        c.on('exit', () => res(s));
      });
      const [status] = JSON.parse(out);
      expect(status).toMatchObject({
        pipeline: 'intake',
        trigger: 'inbox',
        kind: 'files',
        pending: 0,
        cursor: { batches: 3, last: join(inbox, 'e07') },
        lastBatch: { runId: list[2].run_id, entries: 2, runStatus: 'succeeded' },
      });
    } finally {
      await stop(schedulers);
      await pool.end();
    }
    expect(existsSync(log)).toBe(true);
  }, 180_000);
});
