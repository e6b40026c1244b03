import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import {
  decideFile,
  openRegistry,
  pendingUploads,
  recordSubmission,
  reserveUpload,
  uploadsReceived,
  usage,
  type DatanetLimits,
} from '../src/index.js';

// Limits count by the time of receipt. An upload received at 23:59:59 reserves on that day, but
// intake counted its file on the day it decided it: decided after midnight, it landed in the next
// day's counters (and could push that day past its cap, or be refused against it). Intake's steps
// run here in intake's order with its clock (`now`) set past midnight.
const RECEIVED = Date.UTC(2026, 10, 24, 23, 59, 59);
const DECIDED = Date.UTC(2026, 10, 25, 0, 0, 5);
const LIMITS: DatanetLimits = { dailyBytesPerContributor: 1000, filesPerSubmission: 20, resetTimezone: 'UTC' };

describe.each(DB_ENGINES)('a file received before midnight and decided after, on %s', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
    await openRegistry(t.db, engine);
  });
  afterAll(async () => t?.close());

  it('counts on the day of receipt, leaving the next day whole', async () => {
    const who = '0xdddd';
    const upload = (id: string, bytes: number, at: number) =>
      reserveUpload(t.db, { datanet: 'mid', contributor: who, submissionId: id, bytes, files: 1, limits: LIMITS, receivedAt: at });
    expect(await upload('late', 600, RECEIVED)).toEqual({ ok: true });
    await uploadsReceived(t.db, ['late'], RECEIVED).execute();
    // The next day's whole cap, reserved just after midnight before intake decides the late file.
    expect(await upload('early', 1000, DECIDED - 4000)).toEqual({ ok: true });
    await recordSubmission(t.db, {
      id: 'late',
      datanet: 'mid',
      contributor: who,
      nonce: 'late',
      signedAt: RECEIVED,
      receivedAt: RECEIVED,
      inboxEntry: 'entry-late',
      fileCount: 1,
    });
    const decision = await decideFile(t.db, {
      submissionId: 'late',
      name: 'late.txt',
      datanet: 'mid',
      contributor: who,
      size: 600,
      sha256: '0xlate',
      limits: LIMITS,
      now: DECIDED,
    });
    expect(decision).toMatchObject({ status: 'accepted', usageDay: '2026-11-24' });
    expect(await usage(t.db, 'mid', who, '2026-11-24')).toEqual({ bytes: 600, files: 1 });
    expect(await usage(t.db, 'mid', who, '2026-11-25')).toEqual({ bytes: 0, files: 0 });
    expect(await pendingUploads(t.db, 'mid', who, '2026-11-24', DECIDED)).toEqual({ bytes: 0, files: 0 });
    expect(await pendingUploads(t.db, 'mid', who, '2026-11-25', DECIDED)).toEqual({ bytes: 1000, files: 1 });
    // The 24th holds 600 of 1000 by receipt: a file received then, decided now, gets the 400 left.
    await recordSubmission(t.db, {
      id: 'late2',
      datanet: 'mid',
      contributor: who,
      nonce: 'late2',
      signedAt: RECEIVED,
      receivedAt: RECEIVED,
      inboxEntry: 'entry-late2',
      fileCount: 1,
    });
    const over = await decideFile(t.db, {
      submissionId: 'late2',
      name: 'late2.txt',
      datanet: 'mid',
      contributor: who,
      size: 401,
      sha256: '0xlate2',
      limits: LIMITS,
      now: DECIDED,
    });
    expect(over).toMatchObject({ status: 'rejected', reasonCode: 'daily_bytes_limit', usageDay: '2026-11-24' });
    expect(over.message).toContain('600 bytes already accepted on 2026-11-24');
  });
});
