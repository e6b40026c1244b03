import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DB_ENGINES,
  openTestDb,
  runDatanetCli,
  signInOverHttp,
  startServe,
  TEST_DATABASE_URL,
  type ServeProcess,
  type TestDb,
} from '@datanet/pipelines/testing';
import {
  contributorStats,
  DEFAULT_STANDING_POLICY,
  dropContributions,
  openRegistry,
  parseDatanetYaml,
  recordContributions,
  reserveUpload,
  revokeContribution,
  standingFrom,
  standingOf,
} from '../src/index.js';
import { quotaLeft } from '../src/routes/contributor-quota.js';

// What GET /v1/contributors/{address} tells a contributor, over a real `datanet serve` on a fresh
// PostgreSQL schema, and the registry's counts and quota under it on both engines:
//  - records held in a review queue are waiting for review, as GET /v1/contributors/{address}/submissions
//    (the portal's Today box) and each submission's status count them: a near duplicate held there
//    (dropped by dedupe until reviewers approve it) is not "dropped", and a newcomer's record held
//    there is not a contribution and earns no standing before reviewers accept it (review comes
//    before acceptance);
//  - quota.bytesLeft is what an upload may still take: the Datanet-wide daily cap, shared by every
//    contributor, binds when less is left of it than of the contributor's own bytes, and says so.
const FATES = 'fates-net';
const QUOTA = 'quota-net';
const DATANET_CAP = 1000;
const FILES_CAP = 3;
const contributor = Wallet.createRandom();
const other = Wallet.createRandom();
const spender = Wallet.createRandom();
const recordId = (i: number) => `${i}`.padStart(64, 'e');

interface Fates {
  contributions: number;
  waitingForReview: number;
  dropped: number;
  revoked: number;
  standing: number;
}
interface Quota {
  bytesUsed: number;
  bytesLeft: number;
  bytesLimit: string;
  datanetBytesLeft: number | null;
  filesUsed: number;
  filesLeft: number | null;
}
interface Contributor {
  datanets: (Fates & { datanet: string; quota: Quota })[];
  contributions: { total: number; items: { id: string; waitingForReview: string[] | null; droppedAt: number | null }[] };
}

/**
 * C's records in FATES, as intake and the later steps write them: 0 stands; 1 dropped by quality;
 * 2 a near duplicate dropped by dedupe and held for review (escalated); 3 a newcomer's record held
 * for review (open), not dropped; 4 revoked; 5 held and approved (stands); 6 dropped, then revoked
 * (a dispute opened before the drop: no penalty). O has one record held for review as a newcomer.
 */
async function recordFates(db: Kysely<any>): Promise<void> {
  const record = (i: number, who = contributor.address) => ({
    id: recordId(i),
    datanet: FATES,
    contributor: who,
    submissionId: 'ab'.repeat(32),
    sourceFile: 'records.jsonl',
    recordIndex: i,
    licence: 'CC-BY-4.0',
    consent: '',
    submittedAt: 1,
    validatorVersion: 'test',
  });
  await recordContributions(db, [...[0, 1, 2, 3, 4, 5, 6].map((i) => record(i)), record(7, other.address)]);
  await dropContributions(db, [
    { datanet: FATES, id: recordId(1), reason: 'quality.filter: min_words' },
    { datanet: FATES, id: recordId(2), reason: `dedupe.minhash: near duplicate of ${'f'.repeat(64)} (similarity 0.7)` },
    { datanet: FATES, id: recordId(6), reason: 'quality.filter: min_words' },
  ]);
  await revokeContribution(db, { datanet: FATES, id: recordId(4), reason: 'dispute upheld: licence' });
  await revokeContribution(db, { datanet: FATES, id: recordId(6), reason: 'dispute upheld: licence' });
  const item = (i: number, heldFor: string, state: string, who = contributor.address) => ({
    id: `item-${i}`,
    datanet: FATES,
    kind: 'record',
    ref: recordId(i),
    batch: 'b1',
    contributor: who,
    payload: '{}',
    held_for: heldFor,
    deadline: Date.now() + 3_600_000,
    min_approvals: 2,
    min_rejections: 2,
    policy_version: 1,
    state,
    created_at: Date.now(),
  });
  // The review queue's table exists once a server has started (the review package's migration).
  await db
    .insertInto('review_items')
    .values([
      item(2, 'near_duplicate', 'escalated'),
      item(3, 'newcomer', 'open'),
      item(5, 'newcomer', 'approved'),
      item(7, 'newcomer', 'open', other.address),
    ])
    .execute();
}

const yaml = (id: string, limits = '') =>
  `apiVersion: datanet/v1\nkind: Datanet\nid: ${id}\ndomain: test\nformats: [txt]\nlicences: [CC-BY-4.0]\n${limits}`;
const QUOTA_LIMITS = `limits:\n  dailyBytesPerDatanet: ${DATANET_CAP}\n  dailyFilesPerContributor: ${FILES_CAP}\n`;

describe('GET /v1/contributors/{address} (real `datanet serve` on PostgreSQL)', () => {
  const root = mkdtempSync(join(tmpdir(), 'datanet-contributor-route-'));
  const stateDir = join(root, 'state');
  let server: ServeProcess | undefined;
  let url = '';
  let t: TestDb;
  let env: Record<string, string> = {};

  beforeAll(async () => {
    mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
    writeFileSync(join(root, 'configs', 'datanets', `${FATES}.yaml`), yaml(FATES));
    writeFileSync(join(root, 'configs', 'datanets', `${QUOTA}.yaml`), yaml(QUOTA, QUOTA_LIMITS));
    for (const [name, w] of [
      ['contributor', contributor],
      ['spender', spender],
    ] as const)
      writeFileSync(join(root, `${name}.key`), `${w.privateKey}\n`, { mode: 0o600 });
    t = await openTestDb('postgres');
    const store = new URL(TEST_DATABASE_URL);
    store.searchParams.set('options', `-c search_path=${t.schema}`);
    env = { DATABASE_URL: store.toString(), DATANET_RPC_URL: '' };
    server = await startServe({ stateDir, cwd: root, env });
    url = server.url;
    // The review queue's tables exist once the server has started (the review package's migration).
    await recordFates(t.db);
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const read = async (who: string, datanet: string) => {
    const res = await fetch(`${url}/v1/contributors/${who}?datanet=${datanet}`);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as Contributor;
    return { body, stats: body.datanets.find((d) => d.datanet === datanet)! };
  };
  const submit = (key: string, file: string, bytes: number) => {
    writeFileSync(join(root, file), `${'a'.repeat(bytes - 1)}\n`);
    return runDatanetCli(['--state-dir', join(root, 'cli-state'), 'submit', '--datanet', QUOTA, '--key', key, '--server', url, file], {
      cwd: root,
      env: { ...process.env, ...env },
      timeoutMs: 180_000,
    });
  };

  it("counts held records as waiting for review, as the contributor's submissions list does, not as dropped", async () => {
    const { body, stats } = await read(contributor.address.toLowerCase(), FATES);
    // 0 and 5 stand; 2 (a held near duplicate) and 3 (a newcomer's) wait; 1 dropped; 4 and 6 revoked.
    expect({
      contributions: stats.contributions,
      waitingForReview: stats.waitingForReview,
      dropped: stats.dropped,
      revoked: stats.revoked,
    }).toEqual({ contributions: 2, waitingForReview: 2, dropped: 1, revoked: 2 });
    // Every record is counted once.
    expect(stats.contributions + stats.waitingForReview + stats.dropped + stats.revoked).toBe(body.contributions.total);
    const waiting = body.contributions.items.filter((i) => i.waitingForReview !== null).map((i) => i.id);
    expect(waiting.sort()).toEqual([recordId(2), recordId(3)]);
    // The portal's Today box reads the records of GET /v1/contributors/{address}/submissions: the same counts.
    const cookie = (await signInOverHttp(url, contributor)).cookie;
    const res = await fetch(`${url}/v1/contributors/${contributor.address.toLowerCase()}/submissions?datanet=${FATES}`, {
      headers: { cookie },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const { records } = (await res.json()) as { records: { standing: number; waitingForReview: number; dropped: number; revoked: number } };
    expect(records).toEqual({
      standing: stats.contributions,
      waitingForReview: stats.waitingForReview,
      dropped: stats.dropped,
      revoked: stats.revoked,
    });
  });

  it('gives standing for accepted records only: a record waiting for review earns none until approved', async () => {
    const { stats } = await read(contributor.address, FATES);
    // Two accepted, one revocation that costs (6 was dropped before it was revoked).
    expect(stats.standing).toBe(standingFrom({ accepted: 2, revoked: 1 }, DEFAULT_STANDING_POLICY));
    // O's only record waits as a newcomer's: no contribution, no standing yet.
    const o = (await read(other.address, FATES)).stats;
    expect({ contributions: o.contributions, waitingForReview: o.waitingForReview, standing: o.standing }).toEqual({
      contributions: 0,
      waitingForReview: 1,
      standing: 0,
    });
    // The registry's standing (settlement weights, revocations' before -> after, the history) is the same.
    expect(await standingOf(t.db, FATES, contributor.address)).toBe(stats.standing);
  });

  it("says how many bytes an upload may still take: the Datanet's daily cap when less is left of it", async () => {
    const fresh = (await read(contributor.address, QUOTA)).stats.quota;
    expect(fresh).toMatchObject({
      bytesUsed: 0,
      bytesLeft: DATANET_CAP,
      bytesLimit: 'dailyBytesPerDatanet',
      datanetBytesLeft: DATANET_CAP,
      filesLeft: FILES_CAP,
    });
    // Another contributor takes 900 of the Datanet's 1000 bytes today.
    const spent = submit('spender.key', 'spent.txt', 900);
    expect(spent.code, spent.stdout + spent.stderr).toBe(0);
    const quota = (await read(contributor.address, QUOTA)).stats.quota;
    expect(quota).toMatchObject({
      bytesUsed: 0,
      bytesLeft: DATANET_CAP - 900,
      bytesLimit: 'dailyBytesPerDatanet',
      datanetBytesLeft: DATANET_CAP - 900,
      filesUsed: 0,
      filesLeft: FILES_CAP,
    });
    // What it says is what the server takes: one byte more is refused by the Datanet's cap, exactly that much is accepted.
    const over = submit('contributor.key', 'over.txt', quota.bytesLeft + 1);
    expect(over.code, over.stdout + over.stderr).not.toBe(0);
    expect(over.stdout + over.stderr).toMatch(/dailyBytesPerDatanet/);
    const exact = submit('contributor.key', 'exact.txt', quota.bytesLeft);
    expect(exact.code, exact.stdout + exact.stderr).toBe(0);
    expect((await read(contributor.address, QUOTA)).stats.quota).toMatchObject({
      bytesUsed: DATANET_CAP - 900,
      bytesLeft: 0,
      bytesLimit: 'dailyBytesPerDatanet',
      datanetBytesLeft: 0,
      filesUsed: 1,
      filesLeft: FILES_CAP - 1,
    });
  });

  it("says the contributor's own limit binds where the Datanet has no cap", async () => {
    const quota = (await read(contributor.address, FATES)).stats.quota;
    expect(quota).toMatchObject({ bytesLimit: 'dailyBytesPerContributor', datanetBytesLeft: null, bytesLeft: 10 * 1024 * 1024 });
  });
});

// The same counts and quota read from the registry on each engine, without a server. The review
// package (which depends on this one) owns review_items; here it is made with the columns the
// registry reads and the fixture writes, as its migration makes them.
describe.each(DB_ENGINES)('contributor counts and quota in the registry (%s)', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(engine);
    await openRegistry(t.db, engine);
    await sql`create table review_items (id text primary key, datanet text not null, kind text not null, ref text not null,
      batch text not null, contributor text, payload text not null, held_for text not null, deadline int8 not null,
      min_approvals int4 not null, min_rejections int4 not null, policy_version int4 not null, state text not null,
      created_at int8 not null)`.execute(t.db);
    await recordFates(t.db);
  }, 120_000);
  afterAll(async () => t?.close());

  it('counts held records as waiting for review, and standing counts accepted records only', async () => {
    const [mine] = await contributorStats(t.db, FATES, DEFAULT_STANDING_POLICY, { contributor: contributor.address });
    expect(mine).toMatchObject({ contributions: 2, waitingForReview: 2, dropped: 1, revoked: 2 });
    expect(mine.standing).toBe(standingFrom({ accepted: 2, revoked: 1 }, DEFAULT_STANDING_POLICY));
    expect(await standingOf(t.db, FATES, contributor.address)).toBe(mine.standing);
    // The whole Datanet's list says the same of each.
    const all = await contributorStats(t.db, FATES);
    expect(all.find((s) => s.contributor === contributor.address)).toEqual(mine);
    expect(all.find((s) => s.contributor === other.address)).toMatchObject({ contributions: 0, waitingForReview: 1, standing: 0 });
  });

  it("leaves the smaller of the contributor's and the Datanet's bytes, as an upload's reservation does", async () => {
    const def = parseDatanetYaml(yaml(QUOTA, QUOTA_LIMITS));
    const now = Date.now();
    const upload = (who: string, id: string, bytes: number) =>
      reserveUpload(t.db, { datanet: QUOTA, contributor: who, submissionId: id, bytes, files: 1, limits: def.limits, receivedAt: now });
    expect(await upload(spender.address, 's-spent', 900)).toEqual({ ok: true });
    const quota = await quotaLeft(t.db, QUOTA, contributor.address, def.limits, now);
    expect(quota).toMatchObject({
      bytesUsed: 0,
      bytesLeft: 100,
      bytesLimit: 'dailyBytesPerDatanet',
      datanetBytesLeft: 100,
      filesLeft: FILES_CAP,
    });
    expect(await upload(contributor.address, 's-over', quota.bytesLeft + 1)).toMatchObject({ ok: false, limit: 'dailyBytesPerDatanet' });
    expect(await upload(contributor.address, 's-exact', quota.bytesLeft)).toEqual({ ok: true });
    expect(await quotaLeft(t.db, QUOTA, contributor.address, def.limits, now)).toMatchObject({
      bytesUsed: 100,
      bytesLeft: 0,
      bytesLimit: 'dailyBytesPerDatanet',
      datanetBytesLeft: 0,
      filesUsed: 1,
      filesLeft: FILES_CAP - 1,
    });
  });
});
