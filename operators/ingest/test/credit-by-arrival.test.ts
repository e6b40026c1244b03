import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { listContributions } from '@datanet/datanet';
import { processInbox, submitFiles } from '../src/index.js';
import { medicalQa, tempDir, utf8, wallet } from './fixtures.js';

const def = medicalQa();
const TERMS = { licence: 'CC-BY-4.0', consent: ['training', 'attribution'] };
const HOUR = 3_600_000;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DB_ENGINES)('credit by arrival on %s', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
  }, 30_000);
  afterAll(async () => t?.close());

  it('gives the credit to the first to arrive, whatever time the second one signs', async () => {
    const inbox = await tempDir();
    const record = utf8(
      `${JSON.stringify({ question: `Who found this answer first (${engine})?`, answer: 'Whoever delivered it first.' })}\n`,
    );
    const signedA = Date.now() - 10_000;
    const a = await submitFiles({
      definition: def,
      inbox,
      signer: wallet(`first-${engine}`),
      files: [{ name: 'a.jsonl', bytes: record }],
      ...TERMS,
      timestamp: signedA,
    });
    // Arrival is what the filesystem records for the entry (ctime), at its clock's resolution.
    await pause(50);
    // B copies the bytes later but signs an hour earlier: its entry name even sorts first.
    const b = await submitFiles({
      definition: def,
      inbox,
      signer: wallet(`second-${engine}`),
      files: [{ name: 'b.jsonl', bytes: record }],
      ...TERMS,
      timestamp: signedA - HOUR,
    });
    expect(b.entry < a.entry).toBe(true);
    const r = await processInbox({ db: t.db, dialect: t.dialect, definition: def, inbox });
    expect(r.accepted).toHaveLength(1);
    expect(r.accepted[0]).toMatchObject({
      contributor: wallet(`first-${engine}`).address,
      submission_id: a.submissionId,
      receipt_seq: r.decidedNow[0].receiptSeq,
      signed_at: signedA,
    });
    expect(r.decidedNow.map((s) => s.entry)).toEqual([a.entry, b.entry]);
    expect(r.decidedNow[0].receiptSeq).toBeLessThan(r.decidedNow[1].receiptSeq);
    expect(r.rejections).toHaveLength(1);
    expect(r.rejections[0]).toMatchObject({
      submission_id: b.submissionId,
      reason_code: 'duplicate_record',
      duplicate_of: r.accepted[0].id,
    });
    expect(r.rejections[0].message).toContain(wallet(`first-${engine}`).address);
    // submitted_at is the receipt time, never the signed one.
    const stored = (await listContributions(t.db, def.id)).find((c) => c.id === r.accepted[0].id)!;
    expect(stored.submittedAt).toBe(r.decidedNow[0].receivedAt);
    expect(stored.submittedAt).toBeGreaterThan(signedA);
  }, 120_000);

  it('refuses signing times of 0, the year 2199 and an hour ahead, and takes one a few minutes ahead (clock skew)', async () => {
    const inbox = await tempDir();
    const now = Date.UTC(2026, 10, 30, 12);
    const cases = [
      ['zero', 0],
      ['y2199', Date.UTC(2199, 0, 1)],
      ['hour-ahead', now + HOUR],
      ['day-old', now - 25 * HOUR],
      ['skewed', now + 4 * 60_000],
    ] as const;
    const subs = new Map<string, string>();
    for (const [tag, timestamp] of cases) {
      const s = await submitFiles({
        definition: def,
        inbox,
        signer: wallet(`${tag}-${engine}`),
        ...TERMS,
        timestamp,
        files: [{ name: `${tag}.txt`, bytes: utf8(`A note signed at ${timestamp} (${engine}).`) }],
      });
      subs.set(s.submissionId, tag);
    }
    const r = await processInbox({ db: t.db, dialect: t.dialect, definition: def, inbox, now: () => now });
    const byTag = Object.fromEntries(r.rejections.map((x) => [subs.get(x.submission_id), x]));
    expect(Object.keys(byTag).sort()).toEqual(['day-old', 'hour-ahead', 'y2199', 'zero']);
    for (const tag of ['zero', 'y2199', 'hour-ahead', 'day-old']) expect(byTag[tag].reason_code).toBe('stale_timestamp');
    expect(byTag.zero.message).toContain('signed at 1970-01-01T00:00:00.000Z');
    expect(byTag.zero.message).toContain('limit maxSubmissionAge allows 86400000 ms');
    expect(byTag.y2199.message).toContain('limit maxClockSkew allows 300000 ms');
    expect(byTag['hour-ahead'].message).toContain(`${HOUR} ms after it was received`);
    expect(r.accepted.map((a) => a.source_file)).toEqual(['skewed.txt']);
  }, 120_000);
});
