import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readdir, symlink, writeFile, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { processInbox, submitFiles } from '../src/index.js';
import { medicalQa, qaJsonl, tempDir, wallet } from './fixtures.js';

const def = medicalQa();
const TERMS = { licence: 'CC-BY-4.0', consent: ['training', 'attribution'] };

describe('inbox entries that are not entries', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
  }, 60_000);
  afterAll(async () => t?.close());

  it('quarantines a stray file, a link to a folder outside, and entries named like decision files, and later runs still read every decision', async () => {
    const state = await tempDir('entries-');
    const inbox = join(state, 'inbox', def.id);
    await mkdir(inbox, { recursive: true });
    const good = await submitFiles({
      definition: def,
      inbox,
      signer: wallet('entries-good'),
      files: [{ name: 'qa.jsonl', bytes: qaJsonl(2, 'entries') }],
      ...TERMS,
      entry: 'good',
    });
    await writeFile(join(inbox, 'stray.txt'), 'not an entry');
    await mkdir(join(state, 'elsewhere', 'files'), { recursive: true });
    await symlink(join(state, 'elsewhere'), join(inbox, 'linked'));
    // Names an attacker could pick to take the place of the good entry's decision.
    await mkdir(join(inbox, 'good.decision.json', 'files'), { recursive: true });
    await mkdir(join(inbox, 'good~1', 'files'), { recursive: true });
    const first = await processInbox({ db: t.db, dialect: t.dialect, definition: def, inbox });
    expect(first.decidedNow).toHaveLength(5);
    expect(await readdir(inbox)).toEqual([]);
    const outcome = Object.fromEntries(first.submissions.map((s) => [s.entry, s.status]));
    expect(outcome).toEqual({
      good: 'accepted',
      'stray.txt': 'rejected',
      linked: 'rejected',
      'good.decision.json': 'rejected',
      'good~1': 'rejected',
    });
    const reason = (entry: string) => first.rejections.find((r) => r.submission_id === `entry:${entry}`)?.reason_code;
    expect([reason('stray.txt'), reason('linked')]).toEqual(['not_regular_file', 'not_regular_file']);
    expect(reason('good.decision.json')).toBe('manifest_invalid');
    expect(first.accepted.map((a) => a.submission_id)).toEqual([good.submissionId, good.submissionId]);
    const quarantine = join(state, 'inbox', '.quarantine', def.id);
    expect((await lstat(join(quarantine, 'linked'))).isSymbolicLink()).toBe(true);
    const again = await processInbox({ db: t.db, dialect: t.dialect, definition: def, inbox });
    expect(again.decidedNow).toEqual([]);
    expect(again.submissions).toEqual(first.submissions);
    expect(again.accepted).toEqual(first.accepted);
  }, 120_000);
});
