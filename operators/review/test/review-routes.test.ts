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
import { enqueueBatch, migrateReview, type NewReviewItem } from '../src/index.js';

// The review routes over a real `datanet serve` whose store is a fresh schema of the machine's
// PostgreSQL, so the test puts items in the queue and reads what was recorded while it runs.
const root = mkdtempSync(join(tmpdir(), 'datanet-review-routes-'));
const stateDir = join(root, 'state');
const ID = 'review-routes';
const reviewer = new Wallet(Wallet.createRandom().privateKey);
const steward = new Wallet(Wallet.createRandom().privateKey);
const owner = new Wallet(Wallet.createRandom().privateKey);
const newcomer = new Wallet(Wallet.createRandom().privateKey);
const seeded = new Wallet(Wallet.createRandom().privateKey);
const CONTRIBUTOR = '0x' + 'c4'.repeat(20);
/** A Datanet whose disputes only the review quorum decides (disputes.resolvers: quorum). */
const QUORUM = 'review-quorum';

describe('the review routes over a real `datanet serve`', () => {
  let server: ServeProcess | undefined;
  let url: string;
  let t: TestDb;
  let storeUrl: string;
  const items: NewReviewItem[] = Array.from({ length: 9 }, (_, i) => ({
    datanet: ID,
    kind: 'record',
    ref: `r${i}`,
    batch: 'b1',
    contributor: CONTRIBUTOR,
    payload: { question: `q${i}`, answer: `a${i}` },
    heldFor: ['newcomer'],
  }));

  /**
   * A Datanet's YAML: owner and steward, and with `review` a review section naming the reviewer
   * (with `disputes`, a disputes section before it; `decision`, more of review.decision).
   */
  const writeDefinition = (review: boolean, id = ID, disputes: string[] = [], decision: string[] = []) =>
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
        `  owners: ['${owner.address}']`,
        `  stewards: ['${steward.address}']`,
        ...disputes,
        ...(review
          ? [
              'review:',
              '  reviewers:',
              `    addresses: ['${reviewer.address}']`,
              '  decision:',
              '    reasons: [incorrect, unsafe]',
              ...decision,
            ]
          : []),
        '',
      ].join('\n'),
    );

  beforeAll(async () => {
    mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
    writeDefinition(true);
    // Escalation at the deadline would hand its disputes to stewards, who may not decide them.
    writeDefinition(true, QUORUM, ['disputes:', '  resolvers: quorum'], ['    onDeadline: reject']);
    t = await openTestDb('postgres');
    await migrateReview(t.db);
    await enqueueBatch(
      t.db,
      { batch: 'b1', datanet: ID, deadline: Date.now() + 3_600_000, items },
      { version: 1, minApprovals: 2, minRejections: 2 },
    );
    for (const kind of ['dispute', 'record'] as const)
      await enqueueBatch(
        t.db,
        {
          batch: `q-${kind}`,
          datanet: QUORUM,
          deadline: Date.now() + 3_600_000,
          items: [
            {
              datanet: QUORUM,
              kind,
              ref: `${kind}-1`,
              batch: `q-${kind}`,
              contributor: CONTRIBUTOR,
              payload: { x: kind },
              heldFor: [kind],
            },
          ],
        },
        { version: 1, minApprovals: 2, minRejections: 2 },
      );
    const store = new URL(TEST_DATABASE_URL);
    store.searchParams.set('options', `-c search_path=${t.schema}`);
    storeUrl = store.toString();
    server = await startServe({ stateDir, cwd: root, env: { DATABASE_URL: storeUrl, DATANET_RPC_URL: '' } });
    url = server.url;
  }, 600_000);

  /** Items a reviewer holds under a live lease (not released, not decided). */
  const liveLeases = (address: string) =>
    t.db
      .selectFrom('review_assignments')
      .select('item_id')
      .where('reviewer', '=', address.toLowerCase())
      .where('released', '=', false)
      .where('decided_at', 'is', null)
      .execute();

  afterAll(async () => {
    await server?.stop();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a NUL character in a note or reason is a 400 naming the field; a reason goes with reject only', async () => {
    const h = await signInOverHttp(url, reviewer);
    const next = await fetch(`${url}/v1/datanets/${ID}/review/next?limit=2`, { headers: h });
    expect(next.status, await next.clone().text()).toBe(200);
    const [mine, other] = ((await next.json()) as { items: { id: string }[] }).items;
    const decide = (item: string, body: object, headers = h, verb = 'decision') =>
      fetch(`${url}/v1/datanets/${ID}/review/items/${item}/${verb}`, { method: 'POST', headers, body: JSON.stringify(body) });

    for (const [body, field] of [
      [{ verdict: 'approve', note: 'fine\u0000' }, 'note'],
      [{ verdict: 'reject', reason: 'incorrect\u0000' }, 'reason'],
    ] as const) {
      const r = await decide(mine.id, body);
      const answer = (await r.json()) as { error: string; message: string };
      expect(r.status, answer.message).toBe(400);
      expect(answer.error).toBe('invalid_request');
      expect(answer.message).toContain(`body/${field}: must not contain the NUL character`);
    }
    const sh = await signInOverHttp(url, steward);
    const overridden = await decide(other.id, { verdict: 'approve', note: '\u0000' }, sh, 'override');
    expect(overridden.status).toBe(400);
    expect(((await overridden.json()) as { message: string }).message).toContain('body/note');

    // A reason code with approve, skip or flag was stored beside the vote; it is refused, naming the field.
    for (const verdict of ['approve', 'skip', 'flag']) {
      const r = await decide(mine.id, { verdict, reason: 'incorrect' });
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual({
        error: 'reason_not_allowed',
        message: `reason is given with reject only, not with ${verdict}: use note to say more`,
      });
    }
    const withOverride = await decide(other.id, { verdict: 'approve', reason: 'unsafe' }, sh, 'override');
    expect(withOverride.status).toBe(400);
    expect(((await withOverride.json()) as { error: string }).error).toBe('reason_not_allowed');

    // None of those was recorded: the first valid decision is the one that counts.
    const ok = await decide(mine.id, { verdict: 'approve', note: 'fine' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ itemId: mine.id, verdict: 'approve', replay: false });
    const recorded = await t.db
      .selectFrom('review_decisions')
      .select(['verdict', 'reason', 'note'])
      .where('item_id', '=', mine.id)
      .execute();
    expect(recorded).toEqual([{ verdict: 'approve', reason: null, note: 'fine' }]);
  });

  it('a steward does not override a dispute on a Datanet whose disputes only the quorum decides (403 quorum_decides); records they still do', async () => {
    const sh = await signInOverHttp(url, steward);
    const itemOf = async (kind: string) =>
      (await t.db.selectFrom('review_items').select('id').where('datanet', '=', QUORUM).where('kind', '=', kind).executeTakeFirstOrThrow())
        .id;
    const override = (item: string) =>
      fetch(`${url}/v1/datanets/${QUORUM}/review/items/${item}/override`, {
        method: 'POST',
        headers: sh,
        body: JSON.stringify({ verdict: 'approve' }),
      });
    const dispute = await itemOf('dispute');
    const refused = await override(dispute);
    expect(refused.status, await refused.clone().text()).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toBe('quorum_decides');
    const still = await t.db.selectFrom('review_items').select('state').where('id', '=', dispute).executeTakeFirstOrThrow();
    expect(still.state).toBe('open');
    expect(await t.db.selectFrom('review_decisions').select('reviewer').where('item_id', '=', dispute).execute()).toEqual([]);
    const record = await override(await itemOf('record'));
    expect(record.status, await record.clone().text()).toBe(200);
    expect(await record.json()).toMatchObject({ state: 'approved' });
  });

  it('a reviewer does not flag such a dispute to stewards, who may not decide it (409 flag_not_allowed); the quorum still does', async () => {
    const rh = await signInOverHttp(url, reviewer);
    const next = await fetch(`${url}/v1/datanets/${QUORUM}/review/next`, { headers: rh });
    expect(next.status, await next.clone().text()).toBe(200);
    const items = ((await next.json()) as { items: { id: string; kind: string }[] }).items;
    const dispute = items.find((i) => i.kind === 'dispute')!;
    expect(dispute).toBeDefined();
    const vote = (verdict: string) =>
      fetch(`${url}/v1/datanets/${QUORUM}/review/items/${dispute.id}/decision`, {
        method: 'POST',
        headers: rh,
        body: JSON.stringify({ verdict }),
      });
    const flagged = await vote('flag');
    expect(flagged.status, await flagged.clone().text()).toBe(409);
    expect(((await flagged.json()) as { error: string }).error).toBe('flag_not_allowed');
    const item = await t.db.selectFrom('review_items').select('state').where('id', '=', dispute.id).executeTakeFirstOrThrow();
    expect(item.state).toBe('open');
    const skipped = await vote('skip');
    expect(skipped.status, await skipped.clone().text()).toBe(200);
    expect(await skipped.json()).toMatchObject({ verdict: 'skip', state: 'open' });
  });

  it('an API token takes, decides and scores no item: it names no person, so neither own-record exclusion nor one vote per person could hold', async () => {
    const create = (role: string) => {
      const r = runDatanetCli(
        ['--state-dir', stateDir, '--json', 'token', 'create', '--datanet', ID, '--role', role, '--name', `t-${role}`],
        {
          cwd: root,
          env: { ...process.env, DATABASE_URL: storeUrl, DATANET_RPC_URL: '' },
          timeoutMs: 180_000,
        },
      );
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { id: string; token: string };
    };
    const reviewerToken = create('reviewer');
    const stewardToken = create('steward');
    const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
    const open = await t.db
      .selectFrom('review_items')
      .select('id')
      .where('datanet', '=', ID)
      .where('state', '=', 'open')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const refused = { error: 'token_cannot_review', message: expect.stringContaining('sign in with your address') };

    // Before, a token was handed items (CONTRIBUTOR's among them, whoever held the token) and voted as token:ID.
    for (const { token } of [reviewerToken, stewardToken]) {
      const next = await fetch(`${url}/v1/datanets/${ID}/review/next`, { headers: as(token) });
      expect(next.status).toBe(403);
      expect(await next.json()).toEqual(refused);
      const me = await fetch(`${url}/v1/datanets/${ID}/review/me`, { headers: as(token) });
      expect(me.status).toBe(403);
      const decided = await fetch(`${url}/v1/datanets/${ID}/review/items/${open.id}/decision`, {
        method: 'POST',
        headers: as(token),
        body: JSON.stringify({ verdict: 'approve' }),
      });
      expect(decided.status).toBe(403);
      expect(await decided.json()).toEqual(refused);
    }
    expect(await t.db.selectFrom('review_assignments').select('reviewer').where('reviewer', 'like', 'token:%').execute()).toEqual([]);
    expect(await t.db.selectFrom('review_reviewers').select('reviewer').where('reviewer', 'like', 'token:%').execute()).toEqual([]);

    // A steward token is the stewards' automation: it still overrides (recorded as the token) and reads the queue.
    const overridden = await fetch(`${url}/v1/datanets/${ID}/review/items/${open.id}/override`, {
      method: 'POST',
      headers: as(stewardToken.token),
      body: JSON.stringify({ verdict: 'approve', note: 'automation' }),
    });
    expect(overridden.status, await overridden.clone().text()).toBe(200);
    expect(await overridden.json()).toMatchObject({ state: 'approved' });
    const byToken = await t.db
      .selectFrom('review_decisions')
      .select('reviewer')
      .where('item_id', '=', open.id)
      .where('role', '=', 'steward')
      .execute();
    expect(byToken).toEqual([{ reviewer: `token:${stewardToken.id}` }]);
    expect((await fetch(`${url}/v1/datanets/${ID}/review/stats`, { headers: as(stewardToken.token) })).status).toBe(200);
  });

  it('a reviewer whose grant is revoked gives back what they held at once, and votes no more', async () => {
    const oh = await signInOverHttp(url, owner);
    // A DELETE carries no body, so no content type.
    const { 'content-type': _json, ...signedIn } = oh;
    const granted = await fetch(`${url}/v1/datanets/${ID}/roles`, {
      method: 'POST',
      headers: oh,
      body: JSON.stringify({ address: newcomer.address, role: 'reviewer' }),
    });
    expect(granted.status, await granted.clone().text()).toBe(201);
    const nh = await signInOverHttp(url, newcomer);
    const next = await fetch(`${url}/v1/datanets/${ID}/review/next?limit=2`, { headers: nh });
    expect(next.status, await next.clone().text()).toBe(200);
    const held = ((await next.json()) as { items: { id: string }[] }).items.map((i) => i.id);
    expect(held.length).toBe(2);
    const live = () => liveLeases(newcomer.address);
    expect((await live()).length).toBe(2);

    const revoked = await fetch(`${url}/v1/datanets/${ID}/roles/${newcomer.address}/reviewer`, { method: 'DELETE', headers: signedIn });
    expect(revoked.status, await revoked.clone().text()).toBe(200);
    // Before, the items stayed leased to them until the lease ran out (minutes), and nobody else got them.
    expect(await live()).toEqual([]);
    const vote = await fetch(`${url}/v1/datanets/${ID}/review/items/${held[0]}/decision`, {
      method: 'POST',
      headers: { ...nh, 'content-type': 'application/json' },
      body: JSON.stringify({ verdict: 'approve' }),
    });
    expect(vote.status).toBe(403);
    expect(((await vote.json()) as { error: string }).error).toBe('not_a_reviewer');
    // Someone else can take them now.
    const rh = await signInOverHttp(url, reviewer);
    const theirs = await fetch(`${url}/v1/datanets/${ID}/review/next?limit=20`, { headers: rh });
    const ids = ((await theirs.json()) as { items: { id: string }[] }).items.map((i) => i.id);
    for (const id of held) expect(ids).toContain(id);
  });

  it('a reviewer whose rights ended otherwise (a seed changed, earned rights lost) gives back what they held on their next request', async () => {
    const oh = await signInOverHttp(url, owner);
    expect(
      (
        await fetch(`${url}/v1/datanets/${ID}/roles`, {
          method: 'POST',
          headers: oh,
          body: JSON.stringify({ address: seeded.address, role: 'reviewer' }),
        })
      ).status,
    ).toBe(201);
    const sh = await signInOverHttp(url, seeded);
    const next = await fetch(`${url}/v1/datanets/${ID}/review/next?limit=2`, { headers: sh });
    expect(next.status, await next.clone().text()).toBe(200);
    expect(((await next.json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);
    // The role goes without the API (as when a Datanet's YAML no longer names someone).
    await t.db.deleteFrom('server_roles').where('scope', '=', ID).where('principal', '=', seeded.address.toLowerCase()).execute();
    const refused = await fetch(`${url}/v1/datanets/${ID}/review/next`, { headers: sh });
    expect(refused.status).toBe(403);
    expect(await liveLeases(seeded.address)).toEqual([]);
  });

  it('a Datanet whose YAML drops its review section keeps none of the reviewers that section granted, after a restart', async () => {
    const seededBy = () =>
      t.db
        .selectFrom('server_roles')
        .select(['principal', 'role'])
        .where('scope', '=', ID)
        .where('source', '=', 'datanet-review')
        .execute();
    expect(await seededBy()).toEqual([{ principal: reviewer.address.toLowerCase(), role: 'reviewer' }]);
    await server!.stop();
    writeDefinition(false);
    server = await startServe({ stateDir, cwd: root, env: { DATABASE_URL: storeUrl, DATANET_RPC_URL: '' } });
    url = server.url;
    expect(await seededBy()).toEqual([]);
    const rh = await signInOverHttp(url, reviewer);
    const roles = (await (await fetch(`${url}/auth/roles`, { headers: rh })).json()) as { roles: { scope: string; role: string }[] };
    expect(roles.roles.filter((r) => r.scope === ID && r.role === 'reviewer')).toEqual([]);
    // The YAML's own roles stay.
    expect(
      (await t.db.selectFrom('server_roles').select('role').where('scope', '=', ID).where('source', '=', 'datanet-yaml').execute()).length,
    ).toBe(2);
  }, 300_000);
});
