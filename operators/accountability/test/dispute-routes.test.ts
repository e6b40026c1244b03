import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDatanetCli, signInOverHttp, startServe, type ServeProcess } from '@datanet/pipelines/testing';
import { loadDatanetDefinition, openRegistry, recordContributions, resolveDatanetPath } from '@datanet/datanet';
import { openDispute } from '../src/index.js';
import { storeDb } from './cli-store.js';

// A steward may not decide a dispute they filed or one against their own contribution, over a real
// `datanet serve` and the real CLI; the CLI also refuses a dispute of another Datanet than --datanet.
const root = mkdtempSync(join(tmpdir(), 'datanet-dispute-routes-'));
const stateDir = join(root, 'state');
const env = { ...process.env, DATABASE_URL: '', DATANET_RPC_URL: '' };
const A = 'conflict-a';
const B = 'conflict-b';
const s1 = new Wallet(Wallet.createRandom().privateKey);
const s2 = new Wallet(Wallet.createRandom().privateKey);
/** An owner who is not also a steward: disputes' default openers are steward and reviewer. */
const ow = new Wallet(Wallet.createRandom().privateKey);
const OTHER = '0x' + 'c3'.repeat(20);

const cli = (...args: string[]) => runDatanetCli(['--state-dir', stateDir, '--json', ...args], { cwd: root, env, timeoutMs: 180_000 });

describe('a steward and the disputes they may not decide (real `datanet serve` and CLI)', () => {
  let server: ServeProcess | undefined;
  let url: string;
  /** Filed by s1; against s1's contribution (filed by s2); against another's (filed by s2), twice. */
  const ids = { filed: '', own: '', other: '', viaCli: '', firstB: '', secondB: '' };
  const keyOf = (w: Wallet) => {
    const path = join(root, `${w.address}.key`);
    writeFileSync(path, w.privateKey);
    return path;
  };

  beforeAll(async () => {
    mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
    for (const id of [A, B])
      writeFileSync(
        join(root, 'configs', 'datanets', `${id}.yaml`),
        `apiVersion: datanet/v1\nkind: Datanet\nid: ${id}\ndomain: test\nformats: [txt]\nlicences: [CC-BY-4.0]\nroles:\n  owners: ['${ow.address}']\n  stewards: ['${s1.address}', '${s2.address}']\n`,
      );
    const def = loadDatanetDefinition(resolveDatanetPath(A, root));
    const s = await storeDb(stateDir);
    try {
      await openRegistry(s.db, 'pglite');
      // s1's contribution is recorded with its checksummed address: addresses compare case-insensitively.
      const owners: Record<string, string> = { mine: s1.address, x: OTHER, y: OTHER, z: OTHER };
      await recordContributions(
        s.db,
        Object.entries(owners).map(([id, contributor], j) => ({
          id: `c-${id}`,
          datanet: A,
          contributor,
          submissionId: 's',
          sourceFile: 'f.txt',
          recordIndex: j,
          licence: 'CC-BY-4.0',
          consent: 'train',
          submittedAt: 1,
          validatorVersion: 't',
        })),
      );
      // In B, one contribution of OTHER disputed by both stewards (B's list stays apart from A's).
      await recordContributions(s.db, [
        {
          id: 'c-b2',
          datanet: B,
          contributor: OTHER,
          submissionId: 's',
          sourceFile: 'f.txt',
          recordIndex: 1,
          licence: 'CC-BY-4.0',
          consent: 'train',
          submittedAt: 1,
          validatorVersion: 't',
        },
        {
          id: 'c-b',
          datanet: B,
          contributor: OTHER,
          submissionId: 's',
          sourceFile: 'f.txt',
          recordIndex: 0,
          licence: 'CC-BY-4.0',
          consent: 'train',
          submittedAt: 1,
          validatorVersion: 't',
        },
      ]);
      const open = async (contributionId: string, filer: Wallet, datanet = A) =>
        (
          await openDispute(s.db, {
            datanet,
            contributionId,
            filer: filer.address,
            role: 'steward',
            reason: 'licence',
            evidence: 'the record repeats a copyrighted leaflet word for word',
            policy: def.disputes,
            standingPolicy: def.standing,
          })
        ).dispute.id;
      ids.filed = await open('c-x', s1);
      ids.own = await open('c-mine', s2);
      ids.other = await open('c-y', s2);
      ids.viaCli = await open('c-z', s2);
      ids.firstB = await open('c-b', s2, B);
      ids.secondB = await open('c-b', s1, B);
    } finally {
      await s.close();
    }
  }, 120_000);

  afterAll(async () => {
    if (server) {
      await server.stop();
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('`datanet dispute resolve` refuses a dispute of another Datanet and a conflicted steward; another steward resolves', () => {
    const wrong = cli('dispute', 'resolve', ids.other, 'dismissed', '--datanet', B, '--key', keyOf(s1));
    expect(wrong.code, wrong.stdout).not.toBe(0);
    expect(wrong.stderr).toContain(`dispute ${ids.other} belongs to Datanet ${A}, not ${B}: pass --datanet ${A}`);
    const filed = cli('dispute', 'resolve', ids.filed, 'dismissed', '--datanet', A, '--key', keyOf(s1));
    expect(filed.code).not.toBe(0);
    expect(filed.stderr).toContain(`filed dispute ${ids.filed} and may not decide it`);
    const own = cli('dispute', 'resolve', ids.own, 'upheld', '--datanet', A, '--key', keyOf(s1));
    expect(own.code).not.toBe(0);
    expect(own.stderr).toContain(`a contribution of ${s1.address.toLowerCase()}, who may not decide it`);
    const ok = cli('dispute', 'resolve', ids.viaCli, 'dismissed', '--datanet', A, '--key', keyOf(s1));
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ resolved: true, dispute: { id: ids.viaCli, status: 'dismissed' } });
  }, 600_000);

  it('`datanet dispute open` files as the role the API would: an owner under openers [steward, reviewer] files as a steward', () => {
    const r = cli(
      'dispute',
      'open',
      '--datanet',
      B,
      '--contribution',
      'c-b2',
      '--reason',
      'licence',
      '--evidence',
      'the record repeats a copyrighted leaflet word for word',
      '--key',
      keyOf(ow),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ created: true, dispute: { filer: ow.address.toLowerCase(), filerRole: 'steward' } });
  }, 600_000);

  const signIn = (wallet: Wallet) => signInOverHttp(url, wallet);

  it('POST …/resolution: 403 with the reason for the filer and for the contribution owner; another dispute is resolved', async () => {
    server = await startServe({ stateDir, cwd: root, env: { DATABASE_URL: '', DATANET_RPC_URL: '' } });
    url = server.url;
    const headers = await signIn(s1);
    const resolve = (id: string, decision: string) =>
      fetch(`${url}/v1/datanets/${A}/disputes/${id}/resolution`, { method: 'POST', headers, body: JSON.stringify({ decision }) });

    const filed = await resolve(ids.filed, 'dismissed');
    expect(filed.status).toBe(403);
    expect(await filed.json()).toEqual({
      error: 'conflict_of_interest',
      message: `${s1.address.toLowerCase()} filed dispute ${ids.filed} and may not decide it; another steward or the review quorum decides`,
    });
    const own = await resolve(ids.own, 'dismissed');
    expect(own.status).toBe(403);
    expect(((await own.json()) as any).message).toMatch(new RegExp(`against c-mine, a contribution of ${s1.address.toLowerCase()}`));

    const other = await resolve(ids.other, 'upheld');
    expect(other.status, await other.clone().text()).toBe(200);
    expect(await other.json()).toMatchObject({ resolved: true, dispute: { status: 'upheld', resolvedBy: s1.address.toLowerCase() } });

    // Another steward decides the two s1 may not.
    const h2 = await signIn(s2);
    const byS2 = await fetch(`${url}/v1/datanets/${A}/disputes/${ids.filed}/resolution`, {
      method: 'POST',
      headers: h2,
      body: JSON.stringify({ decision: 'dismissed' }),
    });
    expect(byS2.status).toBe(200);
    expect(((await byS2.json()) as any).dispute.status).toBe('dismissed');
  }, 600_000);

  it("upholding one of a contribution's two disputes closes the other as moot; resolving that one then changes nothing", async () => {
    const resolve = async (id: string, by: Wallet) => {
      const r = await fetch(`${url}/v1/datanets/${B}/disputes/${id}/resolution`, {
        method: 'POST',
        headers: await signIn(by),
        body: JSON.stringify({ decision: 'upheld' }),
      });
      expect(r.status, await r.clone().text()).toBe(200);
      return (await r.json()) as any;
    };
    const first = await resolve(ids.firstB, s1);
    expect(first).toMatchObject({ resolved: true, revocation: { contribution: 'c-b', contributor: OTHER }, closedAsMoot: [ids.secondB] });
    expect(first.revocation.standingAfter).toBeLessThan(first.revocation.standingBefore);
    const second = await resolve(ids.secondB, s2);
    expect(second).toMatchObject({ resolved: false, dispute: { id: ids.secondB, status: 'moot', resolvedBy: `dispute:${ids.firstB}` } });
    expect(second.revocation).toBeUndefined();
    expect(second.dispute.resolutionNote).toContain(`revoked by dispute ${ids.firstB}`);
    const moot = await fetch(`${url}/v1/datanets/${B}/disputes?status=moot`, { headers: await signIn(s1) });
    expect(((await moot.json()) as any).disputes.map((d: { id: string }) => d.id)).toEqual([ids.secondB]);
    const audit = (await (await fetch(`${url}/v1/datanets/${B}/audit`)).json()) as {
      entries: { kind: string; subject: string; payload: any }[];
    };
    const kinds = audit.entries.filter((e) => e.subject === 'c-b' || e.kind === 'standing.changed').map((e) => e.kind);
    expect(kinds).toEqual([
      'dispute.opened',
      'dispute.opened',
      'dispute.upheld',
      'contribution.revoked',
      'standing.changed',
      'dispute.moot',
    ]);
    expect(audit.entries.at(-1)!.payload).toMatchObject({ dispute: ids.secondB, revokedBy: ids.firstB });
  });

  it('the refused dispute against s1 stays open in the store', async () => {
    const s = await fetch(`${url}/v1/datanets/${A}/disputes?status=open`, { headers: await signIn(s2) });
    expect(s.status).toBe(200);
    expect(((await s.json()) as any).disputes.map((d: { id: string }) => d.id)).toEqual([ids.own]);
  });

  it('a NUL character in a dispute, its resolution note or a filter is a 400 naming the field, not a 500; nothing is recorded', async () => {
    const h = await signIn(s1);
    const evidence = 'the record repeats a copyrighted leaflet word for word';
    const post = (path: string, body: object) =>
      fetch(`${url}/v1/datanets/${A}${path}`, { method: 'POST', headers: h, body: JSON.stringify(body) });
    for (const [body, field] of [
      [{ contribution: 'c-z', reason: 'licence', evidence: `${evidence}\u0000` }, 'evidence'],
      [{ contribution: 'c-\u0000', reason: 'licence', evidence }, 'contribution'],
      [{ contribution: 'c-z', reason: 'duplicate', duplicateOf: 'c-\u0000', evidence }, 'duplicateOf'],
    ] as const) {
      const r = await post('/disputes', body);
      expect(r.status, await r.clone().text()).toBe(400);
      expect(((await r.json()) as { message: string }).message).toBe(`body/${field}: must not contain the NUL character (\\u0000)`);
    }
    const note = await post(`/disputes/${ids.own}/resolution`, { decision: 'dismissed', note: 'x\u0000' });
    expect(note.status).toBe(400);
    expect(((await note.json()) as { message: string }).message).toContain('body/note');
    const list = await fetch(`${url}/v1/datanets/${A}/disputes?contribution=%00`, { headers: h });
    expect(list.status).toBe(400);
    expect(((await list.json()) as { message: string }).message).toContain('querystring/contribution');
    const open = await fetch(`${url}/v1/datanets/${A}/disputes`, { headers: h });
    expect(((await open.json()) as any).disputes.map((d: { status: string }) => d.status).sort()).toEqual([
      'dismissed',
      'dismissed',
      'open',
      'upheld',
    ]);
  });

  it('GET …/disputes is paged in a stable order (opening time, then id), with the total; order=desc gives the newest first', async () => {
    const h = await signIn(s2);
    const list = async (query: string) => {
      const r = await fetch(`${url}/v1/datanets/${A}/disputes?${query}`, { headers: h });
      expect(r.status, await r.clone().text()).toBe(200);
      return (await r.json()) as { disputes: { id: string; openedAt: number }[]; total: number; page: number; pageSize: number };
    };
    const all = await list('');
    expect(all).toMatchObject({ total: 4, page: 1, pageSize: 50 });
    const seq = all.disputes.map((d) => d.id);
    expect(new Set(seq).size).toBe(4);
    const key = (d: { id: string; openedAt: number }) => `${String(d.openedAt).padStart(16, '0')}:${d.id}`;
    expect(all.disputes.map(key)).toEqual(all.disputes.map(key).sort());
    const first = await list('pageSize=3');
    const second = await list('pageSize=3&page=2');
    expect(first).toMatchObject({ total: 4, page: 1, pageSize: 3 });
    expect(second).toMatchObject({ total: 4, page: 2, pageSize: 3 });
    expect([...first.disputes, ...second.disputes].map((d) => d.id)).toEqual(seq);
    expect((await list('pageSize=3&page=3')).disputes).toEqual([]);
    expect((await list('order=desc&pageSize=3')).disputes.map((d) => d.id)).toEqual([...seq].reverse().slice(0, 3));
    // Filters count in the total.
    expect(await list('status=open&pageSize=1')).toMatchObject({ total: 1, disputes: [{ id: ids.own }] });
    for (const bad of ['pageSize=101', 'pageSize=0', 'page=0', 'order=newest'])
      expect((await fetch(`${url}/v1/datanets/${A}/disputes?${bad}`, { headers: h })).status, bad).toBe(400);
  });
});
