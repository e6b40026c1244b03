import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../src/exec/engine.js';
import { claimBatch, triggerStatus } from '../src/schedule/trigger-claims.js';
import type { PipelineTrigger } from '../src/schedule/trigger-spec.js';
import { recordSignal } from '../src/wait/wait-store.js';
import { openTestEngine, tempDir } from './helpers.js';

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const trigger = (kind: PipelineTrigger['kind'], source: string, over: Partial<PipelineTrigger> = {}): PipelineTrigger => ({
  file: 'p.yaml',
  pipeline: 'p',
  name: kind,
  kind,
  source,
  debounceMs: 1000,
  maxBatch: 2,
  pollMs: 100,
  param: 'batch',
  params: {},
  ...over,
});

let ids = 0;
const newId = () => `run-${++ids}`;

describe('trigger batches (claims in the run store)', () => {
  it('files: waits out the debounce, fires full batches at once, never takes an entry twice', async () => {
    const dir = tempDir();
    engine = await openTestEngine('pglite', join(dir, 'state'));
    const db = engine.database.db;
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox);
    const t = trigger('files', inbox, { maxBatch: 3 });
    expect(await claimBatch(db, t, 's1', newId)).toEqual({ fired: false, pending: 0 });
    writeFileSync(join(inbox, 'a'), '1');
    writeFileSync(join(inbox, '.tmp-b'), '1');
    const now = Date.now();
    // Not quiet for the debounce yet (the clock is passed in: no sleeping).
    expect(await claimBatch(db, t, 's1', newId, now)).toMatchObject({ fired: false, pending: 1 });
    const fired = await claimBatch(db, t, 's1', newId, now + 5000);
    expect(fired).toMatchObject({ fired: true, entries: [join(inbox, 'a')] });
    expect(await claimBatch(db, t, 's2', newId, now + 10_000)).toEqual({ fired: false, pending: 0 });
    for (const n of ['c', 'd', 'e', 'f']) writeFileSync(join(inbox, n), '1');
    const full = await claimBatch(db, t, 's2', newId, now + 20_000); // full: fires whatever the clock says
    expect(full).toMatchObject({ fired: true, entries: ['c', 'd', 'e'].map((n) => join(inbox, n)) });
    expect(await claimBatch(db, t, 's2', newId, Date.now())).toMatchObject({ fired: false, pending: 1 });
    const status = await triggerStatus(db, t);
    expect(status).toMatchObject({
      pending: 1,
      cursor: { batches: 2, last: join(inbox, 'e') },
      lastBatch: { runId: (full as { runId: string }).runId, entries: 3, firedBy: 's2', runStatus: null },
    });
  }, 60_000);

  it('an event trigger counts only signals after it was first seen; a glob trigger sees changed files', async () => {
    const dir = tempDir();
    engine = await openTestEngine('pglite', join(dir, 'state'));
    const db = engine.database.db;
    await recordSignal(db, 'dataset:v', { version: 1 }, 'test'); // history
    const ev = trigger('event', 'dataset:v', { debounceMs: 0 });
    expect(await claimBatch(db, ev, 's', newId)).toEqual({ fired: false, pending: 0 });
    const id = await recordSignal(db, 'dataset:v', { version: 2 }, 'test');
    expect(await claimBatch(db, ev, 's', newId, Date.now() + 1)).toMatchObject({ fired: true, entries: [String(id)] });

    const files = join(dir, 'data');
    mkdirSync(files);
    writeFileSync(join(files, 'x.csv'), 'a');
    const gl = trigger('glob', join(files, '*.csv'), { debounceMs: 0 });
    const first = await claimBatch(db, gl, 's', newId, Date.now() + 1);
    expect(first.fired && first.entries.map((e) => e.replace(/@.*/, ''))).toEqual([join(files, 'x.csv')]);
    expect((await claimBatch(db, gl, 's', newId, Date.now() + 1)).fired).toBe(false);
    writeFileSync(join(files, 'x.csv'), 'changed'); // new size: a new entry
    expect((await claimBatch(db, gl, 's', newId, Date.now() + 1)).fired).toBe(true);
  }, 60_000);
});
