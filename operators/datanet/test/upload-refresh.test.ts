import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import {
  openRegistry,
  pendingUploads,
  refreshUpload,
  releaseUpload,
  reserveUpload,
  uploadDecided,
  uploadRefreshMs,
  uploadsReceived,
  type DatanetLimits,
} from '../src/index.js';

// A streaming upload refreshes its reservation (refreshUpload) so that it does not go stale while
// its bytes arrive; a refresh must never bring back a reservation that was released, received,
// decided or already stale (another upload may hold its room by then).
const NOW = Date.UTC(2026, 10, 24, 10);
const DAY = '2026-11-24';
const LIMITS: DatanetLimits = { dailyBytesPerContributor: 1000, filesPerSubmission: 20, resetTimezone: 'UTC' };
const STALE = 10 * 60_000;

describe.each(DB_ENGINES)('refreshing an upload reservation on %s', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
    await openRegistry(t.db, engine);
  });
  afterAll(async () => t?.close());

  const req = (datanet: string, submissionId: string, bytes = 600) => ({
    datanet,
    contributor: '0xAbC',
    submissionId,
    bytes,
    files: 1,
    limits: LIMITS,
    receivedAt: NOW,
  });
  const state = async (id: string) =>
    (await t.db.selectFrom('upload_reservations').select(['state', 'updated_at']).where('submission_id', '=', id).executeTakeFirst()) ??
    null;

  it('keeps a streaming upload counted past the stale time', async () => {
    expect(await reserveUpload(t.db, req('r1', 'A'))).toEqual({ ok: true });
    expect(await refreshUpload(t.db, req('r1', 'A'), NOW + STALE - 1)).toBe(true);
    expect(await pendingUploads(t.db, 'r1', '0xabc', DAY, NOW + STALE + 60_000)).toEqual({ bytes: 600, files: 1 });
    expect(await reserveUpload(t.db, { ...req('r1', 'B', 500), receivedAt: NOW + STALE + 60_000 })).toMatchObject({ ok: false, used: 600 });
  });

  it('never revives a reservation released, received, decided or gone stale', async () => {
    await reserveUpload(t.db, req('r2', 'C'));
    await releaseUpload(t.db, 'C');
    expect(await refreshUpload(t.db, req('r2', 'C'), NOW + 1)).toBe(false);
    expect(await state('C')).toBeNull();

    await reserveUpload(t.db, req('r3', 'D'));
    await uploadsReceived(t.db, ['D'], NOW + 1).execute();
    expect(await refreshUpload(t.db, req('r3', 'D'), NOW + 2)).toBe(false);
    expect(await state('D')).toMatchObject({ state: 'received' });
    await uploadDecided(t.db, 'D', 'entry-D', NOW + 3);
    expect(await refreshUpload(t.db, req('r3', 'D'), NOW + 4)).toBe(false);
    expect(await state('D')).toMatchObject({ state: 'decided' });

    await reserveUpload(t.db, req('r4', 'E'));
    // Stale: another upload took the room; the late refresh must not put E back on top of it.
    expect(await reserveUpload(t.db, { ...req('r4', 'F', 700), receivedAt: NOW + STALE + 1 })).toEqual({ ok: true });
    expect(await refreshUpload(t.db, req('r4', 'E'), NOW + STALE + 2)).toBe(false);
    expect(await pendingUploads(t.db, 'r4', '0xabc', DAY, NOW + STALE + 3)).toEqual({ bytes: 700, files: 1 });
  });

  it('takes the stale time from DATANET_UPLOAD_STALE_MS, refreshing five times within it, at most every minute', () => {
    expect(uploadRefreshMs()).toBe(60_000);
    process.env.DATANET_UPLOAD_STALE_MS = '2000';
    try {
      expect(uploadRefreshMs()).toBe(400);
      process.env.DATANET_UPLOAD_STALE_MS = 'soon';
      expect(() => uploadRefreshMs()).toThrow(/DATANET_UPLOAD_STALE_MS .*"soon"/);
    } finally {
      delete process.env.DATANET_UPLOAD_STALE_MS;
    }
  });
});
