import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInOverHttp, type ServeProcess, type TestDb } from '@datanet/pipelines/testing';
import { minimalDatanet, serveOnSchema } from './helpers/serve-datanet.js';
import { openRegistry, recordSubmission } from '@datanet/datanet';
import { holdForReview, recordFates } from './helpers/record-fates.js';

// A contributor's own list of submissions (GET /v1/contributors/{address}/submissions) against the
// status of each (GET /v1/submissions/{id}), over a real `datanet serve` on a fresh schema of the
// machine's PostgreSQL: a submission intake is still deciding is "received" in both, and the
// records of all submissions are counted by fate as the status counts them: a near duplicate held
// for review (dropped by dedupe until reviewers approve it) is waiting for review, not dropped.
const root = mkdtempSync(join(tmpdir(), 'datanet-my-submissions-'));
const stateDir = join(root, 'state');
const DATANET = 'mine-net';
const DECIDED = 'ab'.repeat(32);
const DECIDING = 'cd'.repeat(32);
const wallet = Wallet.createRandom();
// Intake records the signer as ethers recovers it: checksummed.
const CONTRIBUTOR = wallet.address;

interface Status {
  status: string;
  accepted: number;
  pending: unknown[];
  rejections: { step: string }[];
}
interface Mine {
  records: { standing: number; waitingForReview: number; dropped: number; revoked: number };
  total: number;
  items: { id: string; status: string }[];
}

describe('GET /v1/contributors/{address}/submissions agrees with GET /v1/submissions/{id} (real `datanet serve`)', () => {
  let server: ServeProcess | undefined;
  let t: TestDb;
  let headers: Record<string, string>;

  beforeAll(async () => {
    t = await minimalDatanet(root, DATANET);
    const db = t.db;
    await openRegistry(db, 'postgres');
    const submission = (sid: string, entry: string, receivedAt: number) =>
      recordSubmission(db, {
        id: sid,
        datanet: DATANET,
        contributor: CONTRIBUTOR,
        nonce: `n-${entry}`,
        signedAt: receivedAt - 1,
        receivedAt,
        inboxEntry: entry,
        fileCount: 1,
      });
    await submission(DECIDED, 'entry-1', 2);
    // Intake has started on the second entry (its submission row is written first) and not finished.
    await submission(DECIDING, 'entry-2', 3);
    await db
      .insertInto('intake_receipts')
      .values([
        { datanet: DATANET, seq: 1, entry: 'entry-1', received_at: 2, decided_at: 4, outcome: 'partial' },
        { datanet: DATANET, seq: 2, entry: 'entry-2', received_at: 3, decided_at: null, outcome: null },
      ])
      .execute();
    await recordFates(db, { datanet: DATANET, submission: DECIDED, contributor: CONTRIBUTOR });
    server = await serveOnSchema(t, root, stateDir);
    // The review queue's tables exist once the server has started: records 8 and 9 wait in it.
    await holdForReview(t.db, DATANET);
    headers = await signInOverHttp(server.url, wallet);
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const mine = async (): Promise<Mine> => {
    const res = await fetch(`${server!.url}/v1/contributors/${CONTRIBUTOR.toLowerCase()}/submissions?datanet=${DATANET}`, {
      headers: { cookie: headers.cookie },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as Mine;
  };
  const status = async (sid: string): Promise<Status> => {
    const res = await fetch(`${server!.url}/v1/submissions/${sid}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Status;
  };

  it('says "received" for a submission intake is still deciding, as its status does', async () => {
    const list = await mine();
    expect(list.total).toBe(2);
    const byId = Object.fromEntries(list.items.map((i) => [i.id, i.status]));
    expect((await status(DECIDING)).status).toBe('received');
    expect(byId[DECIDING]).toBe('received');
    expect((await status(DECIDED)).status).toBe('decided');
    expect(byId[DECIDED]).toBe('decided');
  });

  it("counts the records by fate as the submissions' statuses do: a held near duplicate waits, it is not dropped", async () => {
    const { records } = await mine();
    const s = await status(DECIDED);
    const later = s.rejections.filter((r) => r.step !== 'intake' && r.step !== 'dispute').length;
    const revoked = s.rejections.filter((r) => r.step === 'dispute').length;
    expect(records).toEqual({ standing: s.accepted, waitingForReview: s.pending.length, dropped: later, revoked });
    // Record 0 stands; 8 (a newcomer's) and 9 (a held near duplicate) wait; 1-5 dropped; 6 revoked.
    expect(records).toEqual({ standing: 1, waitingForReview: 2, dropped: 5, revoked: 1 });
  });
});
