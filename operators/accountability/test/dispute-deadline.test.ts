import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openTestDb,
  runDatanetCli,
  signInOverHttp,
  startServe,
  TEST_DATABASE_URL,
  type ServeProcess,
  type TestDb,
} from '@datanet/pipelines/testing';
import { loadDatanetDefinition, openRegistry, recordContributions, resolveDatanetPath, type DatanetDefinition } from '@datanet/datanet';
import { migrateReview } from '@datanet/review';
import { enqueueDisputeReview, getDispute, openDispute } from '../src/index.js';

// A dispute's review item reaches its deadline in a real `datanet serve` (no run waits on it, so
// no review.queue step applies it): the server applies review.decision.onDeadline on its own, and
// before the disputes list is read. Its store is a fresh schema of the machine's PostgreSQL, so the
// test files disputes while the server runs and reads what it did.
const root = mkdtempSync(join(tmpdir(), 'datanet-dispute-deadline-'));
const stateDir = join(root, 'state');
/** Disputes nobody decides in time are dismissed (onDeadline: reject). */
const REJECT = 'deadline-reject';
/** Disputes nobody decides in time go to stewards (onDeadline: escalate, the default). */
const ESCALATE = 'deadline-escalate';
const steward = new Wallet(Wallet.createRandom().privateKey);
const reviewer = new Wallet(Wallet.createRandom().privateKey);
const OWNER = '0x' + 'c7'.repeat(20);
const FILER = '0x' + 'f9'.repeat(20);
const HOUR = 3_600_000;

describe('disputes past their review deadline (real `datanet serve`)', () => {
  let server: ServeProcess | undefined;
  let url: string;
  let t: TestDb;
  const defs: Record<string, DatanetDefinition> = {};
  let contributions = 0;

  /** Opens a dispute against a new contribution of OWNER and queues it as if opened `ago` ms before now. */
  const disputeFiledAgo = async (datanet: string, ago: number) => {
    const id = `${datanet}-c${contributions++}`;
    await recordContributions(t.db, [
      {
        id,
        datanet,
        contributor: OWNER,
        submissionId: 's',
        sourceFile: 'f.txt',
        recordIndex: contributions,
        licence: 'CC-BY-4.0',
        consent: 'train',
        submittedAt: 1,
        validatorVersion: 't',
      },
    ]);
    const { dispute } = await openDispute(t.db, {
      datanet,
      contributionId: id,
      filer: FILER,
      role: 'steward',
      reason: 'incorrect',
      evidence: 'the answer contradicts the label it cites',
      policy: defs[datanet].disputes,
      now: Date.now() - ago,
    });
    expect(await enqueueDisputeReview(t.db, dispute, defs[datanet], Date.now() - ago)).toBe(true);
    return dispute.id;
  };
  const itemState = async (dispute: string) =>
    (
      await t.db
        .selectFrom('review_items')
        .select('state')
        .where('kind', '=', 'dispute')
        .where('ref', '=', dispute)
        .executeTakeFirstOrThrow()
    ).state;

  beforeAll(async () => {
    mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
    for (const [id, onDeadline] of [
      [REJECT, 'reject'],
      [ESCALATE, 'escalate'],
    ]) {
      writeFileSync(
        join(root, 'configs', 'datanets', `${id}.yaml`),
        [
          'apiVersion: datanet/v1',
          'kind: Datanet',
          `id: ${id}`,
          'domain: test',
          'formats: [txt]',
          'licences: [CC-BY-4.0]',
          'roles:',
          `  stewards: ['${steward.address}']`,
          'review:',
          '  reviewers:',
          `    addresses: ['${reviewer.address}']`,
          '  decision:',
          '    deadline: 24h',
          `    onDeadline: ${onDeadline}`,
          '',
        ].join('\n'),
      );
      defs[id] = loadDatanetDefinition(resolveDatanetPath(id, root));
    }
    t = await openTestDb('postgres');
    await openRegistry(t.db, 'postgres');
    await migrateReview(t.db);
    const store = new URL(TEST_DATABASE_URL);
    store.searchParams.set('options', `-c search_path=${t.schema}`);
    server = await startServe({
      stateDir,
      cwd: root,
      env: { DATABASE_URL: store.toString(), DATANET_RPC_URL: '', DATANET_REVIEW_DEADLINE_SWEEP_MS: '500' },
    });
    url = server.url;
  }, 600_000);

  afterAll(async () => {
    await server?.stop();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('the server dismisses a dispute nobody decided by its deadline, on its own, once', async () => {
    const id = await disputeFiledAgo(REJECT, 25 * HOUR);
    // Nobody reads the queue or the list: the server's own sweep applies the deadline.
    let d = await getDispute(t.db, id);
    for (let i = 0; i < 240 && d?.status === 'open'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      d = await getDispute(t.db, id);
    }
    expect(d).toMatchObject({ status: 'dismissed', resolvedVia: 'deadline' });
    expect(await itemState(id)).toBe('rejected');
    const decisions = await t.db
      .selectFrom('review_decisions')
      .select(['reviewer', 'verdict', 'reason'])
      .where('kind', '=', 'dispute')
      .execute();
    expect(decisions).toEqual([{ reviewer: 'system:deadline', verdict: 'reject', reason: 'deadline' }]);
    const logged = await t.db.selectFrom('audit_log').select(['key', 'payload']).where('kind', '=', 'dispute.dismissed').execute();
    expect(logged).toHaveLength(1);
    expect(logged[0].key).toBe(`dispute.resolved:${id}`);
    expect(JSON.parse(String(logged[0].payload))).toMatchObject({ dispute: id, via: 'deadline' });
  });

  it('the list never shows a dispute its deadline decided; one still within it stays open', async () => {
    const late = await disputeFiledAgo(REJECT, 25 * HOUR);
    const fresh = await disputeFiledAgo(REJECT, HOUR);
    const h = await signInOverHttp(url, steward);
    const r = await fetch(`${url}/v1/datanets/${REJECT}/disputes?pageSize=100`, { headers: h });
    expect(r.status, await r.clone().text()).toBe(200);
    const byId = new Map(((await r.json()) as { disputes: { id: string; status: string }[] }).disputes.map((d) => [d.id, d.status]));
    expect(byId.get(late)).toBe('dismissed');
    expect(byId.get(fresh)).toBe('open');
    expect(await itemState(fresh)).toBe('open');
  });

  it('escalate hands a late dispute to stewards: out of the reviewer queue, and a steward resolves it', async () => {
    const id = await disputeFiledAgo(ESCALATE, 25 * HOUR);
    const rh = await signInOverHttp(url, reviewer);
    const next = await fetch(`${url}/v1/datanets/${ESCALATE}/review/next?limit=10`, { headers: rh });
    expect(next.status, await next.clone().text()).toBe(200);
    expect(((await next.json()) as { items: { kind: string }[] }).items.filter((i) => i.kind === 'dispute')).toEqual([]);
    expect(await itemState(id)).toBe('escalated');
    expect((await getDispute(t.db, id))!.status).toBe('open');
    const sh = await signInOverHttp(url, steward);
    const resolved = await fetch(`${url}/v1/datanets/${ESCALATE}/disputes/${id}/resolution`, {
      method: 'POST',
      headers: sh,
      body: JSON.stringify({ decision: 'upheld' }),
    });
    expect(resolved.status, await resolved.clone().text()).toBe(200);
    expect(((await resolved.json()) as { dispute: { status: string; resolvedVia: string } }).dispute).toMatchObject({
      status: 'upheld',
      resolvedVia: 'steward',
    });
    expect(await itemState(id)).toBe('approved');
  });

  it('`datanet dispute list` applies a due deadline before it lists, as the server does', async () => {
    // The server is stopped: only the CLI can decide the late dispute now.
    await server?.stop();
    server = undefined;
    const late = await disputeFiledAgo(REJECT, 48 * HOUR);
    const store = new URL(TEST_DATABASE_URL);
    store.searchParams.set('options', `-c search_path=${t.schema}`);
    const cli = runDatanetCli(['--state-dir', stateDir, '--json', 'dispute', 'list', '--datanet', REJECT], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: store.toString() },
    });
    expect(cli.code, cli.stderr).toBe(0);
    const listed = (JSON.parse(cli.stdout) as { disputes: { id: string; status: string; resolvedVia: string | null }[] }).disputes;
    expect(listed.find((d) => d.id === late)).toMatchObject({ status: 'dismissed', resolvedVia: 'deadline' });
    expect(await itemState(late)).toBe('rejected');
  });
});
