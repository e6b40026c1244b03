import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAddress } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, type TestDb } from '@datanet/pipelines/testing';
import { minimalDatanet, serveOnSchema } from './helpers/serve-datanet.js';
import { openRegistry, recordSubmission } from '@datanet/datanet';
import { holdForReview, recordFates, SOURCE } from './helpers/record-fates.js';

// A submission's status after intake has recorded its records and later steps dropped some of them
// (dedupe, quality, review) or a dispute revoked one, and a review queue holds others: over a real
// `datanet serve` on a fresh schema of the machine's PostgreSQL, dropped and revoked records are
// listed as rejected with the step, a reason code and the credited source, held ones as pending
// with why, and `accepted` counts only the records that stand.
const root = mkdtempSync(join(tmpdir(), 'datanet-status-route-'));
const stateDir = join(root, 'state');
const DATANET = 'status-net';
const SUBMISSION = 'ab'.repeat(32);
// Intake records the signer as ethers recovers it: checksummed.
const CONTRIBUTOR = getAddress('0x' + 'c4'.repeat(20));

describe('GET /v1/submissions/{id} after later steps (real `datanet serve`)', () => {
  let server: ServeProcess | undefined;
  let t: TestDb;

  beforeAll(async () => {
    t = await minimalDatanet(root, DATANET);
    const db = t.db;
    {
      await openRegistry(db, 'postgres');
      await recordSubmission(db, {
        id: SUBMISSION,
        datanet: DATANET,
        contributor: CONTRIBUTOR,
        nonce: 'n1',
        signedAt: 1,
        receivedAt: 2,
        inboxEntry: 'entry-1',
        fileCount: 1,
      });
      await recordFates(db, { datanet: DATANET, submission: SUBMISSION, contributor: CONTRIBUTOR });
    }
    server = await serveOnSchema(t, root, stateDir);
    // The server made the review queue's tables; records 8 and 9 wait in it (and a decided item for
    // record 0 is no longer pending).
    await holdForReview(t.db, DATANET);
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('lists drops after intake and revocations as rejections with their step; accepted counts what stands', async () => {
    const res = await fetch(`${server!.url}/v1/submissions/${SUBMISSION}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      accepted: number;
      rejections: { file: string; recordIndex: number; reasonCode: string; message: string; duplicateOf: string | null; step: string }[];
      pending: { file: string; recordIndex: number; heldFor: string[] }[];
    };
    expect(body.status).toBe('decided');
    // Only record 0 stands; 8 and 9 wait for reviewers.
    expect(body.accepted).toBe(1);
    expect(body.pending).toEqual([
      { file: 'records.jsonl', recordIndex: 8, heldFor: ['newcomer', 'audit'] },
      { file: 'records.jsonl', recordIndex: 9, heldFor: ['near_duplicate'] },
    ]);
    const rows = body.rejections.map((r) => [r.recordIndex, r.step, r.reasonCode, r.duplicateOf]);
    expect(rows).toEqual([
      [1, 'dedupe.exact', 'duplicate', SOURCE],
      [2, 'dedupe.minhash', 'near_duplicate', SOURCE],
      [3, 'dedupe.reuse', 'reused', SOURCE],
      [4, 'quality.filter', 'quality.min_answer_words', null],
      // The review rejection once, with the reviewer's message, not again as a drop.
      [5, 'review', 'review.off_topic', null],
      [6, 'dispute', 'revoked', null],
      [7, 'intake', 'schema_mismatch', null],
    ]);
    expect(body.rejections.find((r) => r.recordIndex === 2)!.message).toBe(
      `dropped after intake by dedupe.minhash: near duplicate of ${SOURCE} (similarity 0.912)`,
    );
    expect(body.rejections.find((r) => r.recordIndex === 5)!.message).toBe('a reviewer found it off topic');
    expect(body.rejections.find((r) => r.recordIndex === 6)!.message).toContain('dispute upheld: licence');
  });

  it("the contributor's list marks the records waiting for review, and why", async () => {
    const res = await fetch(`${server!.url}/v1/contributors/${CONTRIBUTOR}?datanet=${DATANET}&pageSize=50`);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as { contributions: { items: { recordIndex: number; waitingForReview: string[] | null }[] } };
    const waiting = Object.fromEntries(body.contributions.items.map((c) => [c.recordIndex, c.waitingForReview]));
    expect(waiting).toEqual({
      0: null,
      1: null,
      2: null,
      3: null,
      4: null,
      5: null,
      6: null,
      8: ['newcomer', 'audit'],
      9: ['near_duplicate'],
    });
  });
});
