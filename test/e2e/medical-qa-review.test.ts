// MedQuAD intake with human review, end to end with real processes: a `datanet serve`, a run
// launched over the API that parks at its review step, the three DEMO reviewers played over the
// API by operators/review/src/demo/play-reviewers.ts (one careless, caught by gold items), and a
// second run that waits, with its server stopped and restarted meanwhile, until decisions arrive.
// The server runs without its scheduler: its inbox trigger would start the medical-qa intake on
// the same inbox entries as the run under test. Parked runs are then continued by the steward's
// resume (POST /api/runs/{id}/resume), which the reviewer-playing script sends once a batch is decided.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Wallet, keccak256, toUtf8Bytes } from 'ethers';
import { SiweMessage } from 'siwe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carefulVerdict } from '../../operators/review/src/demo/demo-reviewers.js';
import { datanet, REPO } from './cli.js';
import { startServe, type ServeProcess } from './serve-process.js';

const exec = promisify(execFile);
const medquad = join(REPO, '..', 'shared', 'corpora', 'medquad', 'medquad_with_answers.jsonl.gz');
const present = existsSync(medquad);
if (!present && process.env.CI === 'true') throw new Error(`${medquad} is missing; CI must have ../shared/corpora`);

const PLAY = resolve(REPO, 'operators/review/src/demo/play-reviewers.ts');
const RUN_TS = resolve(REPO, 'pipelines/bin/run-ts.mjs');
const CARELESS = '0x02dA771174B06fD8192B0776E5b72B08410eBCc3'.toLowerCase();
const bodyOf = (r: Response): Promise<any> => r.json();

describe.skipIf(!present)(`MedQuAD intake with human review${present ? '' : ` (skipped: ${medquad} is absent)`}`, () => {
  let root: string;
  let state: string;
  let server: ServeProcess;
  let token: string;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
  const launch = async (limitPerSource: number) => {
    const res = await api('/api/runs', {
      method: 'POST',
      body: JSON.stringify({
        pipeline: 'medical-qa-review',
        params: { medquad, limitPerSource: String(limitPerSource), datanet: 'medical-qa' },
      }),
    });
    expect(res.status).toBe(202);
    return (await bodyOf(res)).runId as string;
  };
  // A launched run is in the store a moment after its id is answered: until then it reads 'starting'.
  const statusOf = async (runId: string) =>
    ((await bodyOf(await api(`/api/runs/${runId}`))).run ?? { status: 'starting', error: null }) as {
      status: string;
      error: string | null;
    };
  const until = async (runId: string, want: string[], ms = 600_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const r = await statusOf(runId);
      if (want.includes(r.status)) return r.status;
      if (r.status === 'failed' || r.status === 'cancelled') throw new Error(`run ${runId} ${r.status}: ${r.error}`);
      if (Date.now() > end) throw new Error(`run ${runId} still ${r.status} after ${ms} ms`);
      await new Promise((d) => setTimeout(d, 1000));
    }
  };
  const play = async () => {
    const { stdout } = await exec('node', [RUN_TS, PLAY, '--server', server.url], {
      cwd: REPO,
      env: { ...process.env, DATANET_TOKEN: token },
    });
    return JSON.parse(stdout) as { reviewers: { name: string; decisions: number; suspended: boolean }[]; resumed: string[] };
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'datanet-mq-review-'));
    state = join(root, 'state');
    token = (await datanet(state, ['token', 'create', '--datanet', 'medical-qa', '--role', 'steward', '--name', 'review-e2e'])).token;
    server = await startServe({ stateDir: state, cwd: REPO, args: ['--no-scheduler'] });
  }, 600_000);
  afterAll(async () => {
    await server?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('holds records for review, the reviewers decide them over the API, gold items suspend the careless one', async () => {
    const runId = await launch(40);
    await until(runId, ['waiting']);

    // Only reviewers review: no session is 401, a signed-in stranger is 403.
    expect((await fetch(`${server.url}/v1/datanets/medical-qa/review/next`)).status).toBe(401);
    const stranger = Wallet.createRandom();
    const n = await bodyOf(await fetch(`${server.url}/auth/siwe/nonce`));
    const message = new SiweMessage({
      domain: n.domain,
      address: stranger.address,
      uri: n.uri,
      version: '1',
      chainId: n.chainId,
      nonce: n.nonce,
      issuedAt: new Date().toISOString(),
    }).prepareMessage();
    const signedIn = await fetch(`${server.url}/auth/siwe/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message, signature: await stranger.signMessage(message) }),
    });
    const cookie = signedIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const refused = await fetch(`${server.url}/v1/datanets/medical-qa/review/next`, { headers: { cookie } });
    expect(refused.status).toBe(403);
    expect((await bodyOf(refused)).error).toBe('not_a_reviewer');

    const held = await bodyOf(await api('/v1/datanets/medical-qa/review/stats'));
    const batch = held.batches.find((b: { runId: string }) => b.runId === runId);
    expect(batch.items).toBeGreaterThan(90); // each of the nine sources' first 10 records, and more
    expect(batch.open).toBe(batch.items);

    const played = await play();
    const careless = played.reviewers.find((r) => r.name === 'careless')!;
    expect(careless.suspended).toBe(true);
    expect(played.reviewers.filter((r) => r.name !== 'careless').every((r) => !r.suspended && r.decisions > 0)).toBe(true);
    expect(played.resumed).toEqual([runId]);
    await until(runId, ['succeeded']);

    const stats = await bodyOf(await api('/v1/datanets/medical-qa/review/stats'));
    expect(stats.items.open + stats.items.escalated).toBe(0);
    expect(stats.items.approved).toBeGreaterThan(0);
    expect(stats.items.rejected).toBeGreaterThan(0);
    expect(stats.items.approved + stats.items.rejected).toBe(batch.items);
    // A quorum of two: at least two human decisions per settled record.
    expect(stats.decisionsPerItem).toBeGreaterThanOrEqual(2);
    expect(stats.reasons.length).toBeGreaterThan(0);
    const byReviewer = new Map(stats.reviewers.map((r: { reviewer: string }) => [r.reviewer, r]));
    const c = byReviewer.get(CARELESS) as { status: string; accuracy: number; suspendedReason: string };
    expect(c.status).toBe('suspended');
    expect(c.accuracy).toBeLessThan(0.7);
    expect(c.suspendedReason).toMatch(/gold accuracy/);
    for (const r of stats.reviewers) if (r.reviewer !== CARELESS) expect(r.accuracy).toBe(1);
  });

  it('a second run without decisions waits, holding nothing (its server even restarts), and completes when decisions arrive', async () => {
    const runId = await launch(60);
    await until(runId, ['waiting']);
    await new Promise((d) => setTimeout(d, 5000));
    expect((await statusOf(runId)).status).toBe('waiting');
    // Nothing is held while it waits: the server stops, the run stays parked in the store.
    expect(await server.stop()).toBe(0);
    const waits = await datanet(state, ['waits', runId]);
    expect(JSON.stringify(waits)).toContain(`review:${runId}:review`);
    server = await startServe({ stateDir: state, cwd: REPO, args: ['--no-scheduler'] });
    expect((await statusOf(runId)).status).toBe('waiting');

    // From a terminal with a key file: a careful reviewer takes an item and decides it, and the
    // careless one is told their rights are suspended.
    const keyFile = (name: string) => {
      const file = join(root, `${name}.key`);
      writeFileSync(file, `${keccak256(toUtf8Bytes(`datanet-review-demo:${name}`))}\n`, { mode: 0o600 });
      return file;
    };
    const careful = keyFile('careful-1');
    // Three items: gold sits at a random place in each block of five (1/goldFraction), so at least
    // one of three in a row is a held record, which a steward can override.
    const next = await datanet(state, ['review', 'next', '--server', server.url, '--key', careful, '--limit', '3']);
    expect(next.items).toHaveLength(3);
    for (const item of next.items as { id: string; contributor: string | null; payload: Record<string, unknown> }[]) {
      expect(item.contributor).toBeNull(); // blinded
      // Decided as the demo's careful reviewers judge, so the other careful one agrees.
      const v = carefulVerdict(item.payload);
      const decided = await datanet(state, [
        'review',
        'decide',
        item.id,
        v.verdict,
        ...(v.reason ? ['--reason', v.reason] : []),
        '--server',
        server.url,
        '--key',
        careful,
      ]);
      expect(decided).toMatchObject({ itemId: item.id, verdict: v.verdict, replay: false });
    }
    const mine = await datanet(state, ['review', 'stats', '--server', server.url, '--key', careful]);
    expect(mine.status).toBe('active');
    // The queue's figures are for stewards.
    await expect(datanet(state, ['review', 'stats', '--queue', '--server', server.url, '--key', careful])).rejects.toThrow(/403 forbidden/);
    // A steward's override decides at once a record careful-1 voted on (gold items are not overridable).
    const overrides: { status: number; body: unknown }[] = [];
    for (const item of next.items as { id: string }[]) {
      const overridden = await api(`/v1/datanets/medical-qa/review/items/${item.id}/override`, {
        method: 'POST',
        body: JSON.stringify({ verdict: 'approve', note: 'checked by a steward' }),
      });
      overrides.push({ status: overridden.status, body: await bodyOf(overridden) });
      if (overridden.status === 200) break;
    }
    expect(overrides.at(-1)).toMatchObject({ status: 200, body: { state: 'approved', replay: false } });
    for (const o of overrides.slice(0, -1)) expect(o).toMatchObject({ status: 409, body: { error: 'not_overridable' } });
    await expect(datanet(state, ['review', 'next', '--server', server.url, '--key', keyFile('careless')])).rejects.toThrow(
      /reviewer_suspended/,
    );

    const played = await play();
    // The careless reviewer stays suspended; the careful two decide everything.
    expect(played.reviewers.find((r) => r.name === 'careless')!.decisions).toBe(0);
    expect(played.resumed).toEqual([runId]);
    await until(runId, ['succeeded']);

    // The run's own outputs, read back with the CLI once the server has let go of the store.
    await server.stop();
    const decisions = await datanet(state, ['inspect', runId, 'review', '--output', 'decisions', '-n', '100000']);
    expect(decisions.numRows).toBeGreaterThan(0);
    expect(new Set(decisions.rows.map((d: { policy_version: number }) => d.policy_version))).toEqual(new Set([1]));
    const rejections = await datanet(state, ['inspect', runId, 'review', '--output', 'rejections', '-n', '100000']);
    for (const r of rejections.rows) expect(r.reason_code).toMatch(/^review\.(incorrect|low_quality)$/);
    const dataset = await datanet(state, ['inspect', runId, 'dataset', '--output', 'dataset', '-n', '100000']);
    const inDataset = new Set(dataset.rows.map((r: { contribution_id: string }) => r.contribution_id));
    const approved = new Set<string>();
    const votes = new Map<string, string[]>();
    for (const d of decisions.rows as { record_id: string; verdict: string }[])
      votes.set(d.record_id, [...(votes.get(d.record_id) ?? []), d.verdict]);
    const rejected = new Set(rejections.rows.map((r: { id: string }) => r.id));
    for (const [id] of votes) if (!rejected.has(id)) approved.add(id);
    expect(approved.size).toBeGreaterThan(0);
    for (const id of approved) expect(inDataset.has(id), `approved ${id} is in the dataset version`).toBe(true);
    for (const id of rejected) expect(inDataset.has(id), `rejected ${id} is not in the dataset version`).toBe(false);
    const accepted = await datanet(state, ['inspect', runId, 'review', '--output', 'accepted', '-n', '1']);
    expect(dataset.numRows).toBe(accepted.numRows);

    // The steward report has the review section.
    const report = await datanet(state, ['inspect', runId, 'report', '-n', '1']);
    const text = JSON.stringify(report);
    expect(text).toContain('"review"');
    expect(text).toContain(CARELESS);
    server = await startServe({ stateDir: state, cwd: REPO, args: ['--no-scheduler'] });
  });
});
