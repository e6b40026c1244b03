import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import {
  decideFile,
  openRegistry,
  pendingUploads,
  recordSubmission,
  reserveUpload,
  uploadDecided,
  uploadsReceived,
  usage,
  type DatanetLimits,
} from '../src/index.js';

// An upload's reservation (made over HTTP before its bytes are stored) and intake's counters must
// together hold every byte of the day exactly once. The reservation stopped counting as soon as
// intake wrote the submission row, before intake had counted a single file: in that window a
// second upload was admitted (202) and intake then refused it. These run intake's registry steps
// in intake's order (recordSubmission, then decideFile per file) on real PGlite and PostgreSQL.
const NOW = Date.UTC(2026, 10, 24, 10);
const LIMITS: DatanetLimits = { dailyBytesPerContributor: 1000, filesPerSubmission: 20, resetTimezone: 'UTC' };

describe.each(DB_ENGINES)('uploads in flight on %s', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
    await openRegistry(t.db, engine);
  });
  afterAll(async () => t?.close());

  const upload = (datanet: string, contributor: string, submissionId: string, bytes: number, files = 1, at = NOW, limits = LIMITS) =>
    reserveUpload(t.db, { datanet, contributor, submissionId, bytes, files, limits, receivedAt: at });
  const received = (id: string) => uploadsReceived(t.db, [id], NOW).execute();
  const submission = (datanet: string, contributor: string, id: string, fileCount: number) =>
    recordSubmission(t.db, {
      id,
      datanet,
      contributor,
      nonce: id,
      signedAt: NOW,
      receivedAt: NOW,
      inboxEntry: `entry-${id}`,
      fileCount,
    });
  const decide = (datanet: string, contributor: string, id: string, name: string, size: number, limits = LIMITS) =>
    decideFile(t.db, { submissionId: id, name, datanet, contributor, size, sha256: `0x${name}`, limits, now: NOW });

  it('counts an upload while intake decides its files, each byte once', async () => {
    const who = '0xAaaA';
    expect(await upload('dn1', who, 'A', 600, 2)).toEqual({ ok: true });
    await received('A');
    // Intake takes the entry in: the submission row first, no file decided yet.
    await submission('dn1', who, 'A', 2);
    expect(await pendingUploads(t.db, 'dn1', who, '2026-11-24', NOW)).toEqual({ bytes: 600, files: 2 });
    expect(await upload('dn1', who, 'B', 600)).toMatchObject({ ok: false, limit: 'dailyBytesPerContributor', cap: 1000, used: 600 });
    // One file decided: it moved from the reservation into intake's counters, counted once.
    expect((await decide('dn1', who, 'A', 'a1.txt', 300)).status).toBe('accepted');
    expect(await usage(t.db, 'dn1', who, '2026-11-24')).toEqual({ bytes: 300, files: 1 });
    expect(await pendingUploads(t.db, 'dn1', who, '2026-11-24', NOW)).toEqual({ bytes: 300, files: 1 });
    expect(await upload('dn1', who, 'B', 600)).toMatchObject({ ok: false, used: 600 });
    // A decision read back (intake resumed after a crash) moves nothing twice.
    expect((await decide('dn1', who, 'A', 'a1.txt', 300)).fresh).toBe(false);
    expect(await pendingUploads(t.db, 'dn1', who, '2026-11-24', NOW)).toEqual({ bytes: 300, files: 1 });
    expect((await decide('dn1', who, 'A', 'a2.txt', 300)).status).toBe('accepted');
    expect(await pendingUploads(t.db, 'dn1', who, '2026-11-24', NOW)).toEqual({ bytes: 0, files: 0 });
    await uploadDecided(t.db, 'A', 'entry-A', NOW);
    expect(await upload('dn1', who, 'C', 400)).toEqual({ ok: true });
    expect(await upload('dn1', who, 'D', 1)).toMatchObject({ ok: false, used: 1000, requested: 1 });
  });

  it("intake's check leaves the room other uploads in flight hold", async () => {
    const who = '0xBbbB';
    expect(await upload('dn2', who, 'E', 700)).toEqual({ ok: true });
    await received('E');
    // An entry that came in without a reservation (written into the inbox, not over HTTP).
    await submission('dn2', who, 'F', 1);
    const f = await decide('dn2', who, 'F', 'f.txt', 400);
    expect(f).toMatchObject({ status: 'rejected', reasonCode: 'daily_bytes_limit' });
    expect(f.message).toContain('700 bytes used (0 accepted, 700 in uploads not yet decided)');
    // The upload that held the room gets it: its own reservation is not counted against it.
    await submission('dn2', who, 'E', 1);
    expect((await decide('dn2', who, 'E', 'e.txt', 700)).status).toBe('accepted');
    expect(await usage(t.db, 'dn2', who, '2026-11-24')).toEqual({ bytes: 700, files: 1 });

    // The same with a Datanet-wide cap, between two contributors.
    const limits: DatanetLimits = { ...LIMITS, dailyBytesPerDatanet: 1000 };
    expect(await upload('dn3', '0xC1', 'G', 700, 1, NOW, limits)).toEqual({ ok: true });
    await received('G');
    await submission('dn3', '0xC2', 'H', 1);
    expect(await decide('dn3', '0xC2', 'H', 'h.txt', 400, limits)).toMatchObject({
      status: 'rejected',
      reasonCode: 'datanet_daily_bytes_limit',
    });
    expect(await usage(t.db, 'dn3', '*', '2026-11-24')).toEqual({ bytes: 0, files: 0 });
  });

  it('a whole rejection frees the reservation; a stale upload retried is checked anew', async () => {
    const who = '0xDddD';
    expect(await upload('dn4', who, 'W', 900)).toEqual({ ok: true });
    await received('W');
    // Intake rejected the whole entry (no file rows): the reservation no longer counts.
    await uploadDecided(t.db, 'W', 'entry-W', NOW);
    expect(await pendingUploads(t.db, 'dn4', who, '2026-11-24', NOW)).toEqual({ bytes: 0, files: 0 });
    // A server killed mid-upload: the reservation counts for 10 minutes, then room is free again.
    expect(await upload('dn4', who, 'S', 900)).toEqual({ ok: true });
    const later = NOW + 11 * 60_000;
    expect(await upload('dn4', who, 'T', 900, 1, later)).toEqual({ ok: true });
    // The stale upload sent again does not get its old reservation back past the cap.
    expect(await upload('dn4', who, 'S', 900, 1, later)).toMatchObject({ ok: false, used: 900 });
  });
});
