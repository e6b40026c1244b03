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
import { openRegistry } from '@datanet/datanet';
import type { Kysely } from 'kysely';
import { storeDb } from './cli-store.js';
import { recordOwn } from './dispute-fixtures.js';

// `datanet dispute open|resolve` read roles as the server does: the Datanet's YAML and the server's
// role store (grants made in the console or the API, and `review.reviewers.addresses`, which serve
// seeds as reviewers). Before, the CLI read the YAML's `roles:` only, so a steward granted in the
// console could not resolve from the CLI and a reviewer of review.reviewers could not open a
// dispute there, while the API let both. Real `datanet serve` and CLI processes, on PostgreSQL (the
// CLI beside a running server) and on the embedded PGlite (the CLI after the server stopped).
// Also: `datanet dispute list --status bogus` is a usage error (exit 2) naming the statuses, and
// the audit log's role.changed entries name who granted or revoked (an address or token:<id>).
const D = 'roles-cli';
const owner = new Wallet(Wallet.createRandom().privateKey);
const reviewer = new Wallet(Wallet.createRandom().privateKey); // in review.reviewers.addresses only
const steward = new Wallet(Wallet.createRandom().privateKey); // granted by the owner over HTTP
const OTHER = '0x' + 'c4'.repeat(20);
const EVIDENCE = 'the record repeats a copyrighted leaflet word for word';

function writeDatanet(root: string) {
  mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
  writeFileSync(
    join(root, 'configs', 'datanets', `${D}.yaml`),
    [
      'apiVersion: datanet/v1',
      'kind: Datanet',
      `id: ${D}`,
      'domain: test',
      'formats: [txt]',
      'licences: [CC-BY-4.0]',
      'roles:',
      `  owners: ['${owner.address}']`,
      'review:',
      '  reviewers:',
      `    addresses: ['${reviewer.address}']`,
      '',
    ].join('\n'),
  );
}

/** The environment of a CLI or a server on the test's PostgreSQL schema, or (none) on the state folder's PGlite. */
function envOn(t?: TestDb): NodeJS.ProcessEnv {
  if (!t) return { ...process.env, DATABASE_URL: '', DATANET_RPC_URL: '' };
  const store = new URL(TEST_DATABASE_URL);
  store.searchParams.set('options', `-c search_path=${t.schema}`);
  return { ...process.env, DATABASE_URL: store.toString(), DATANET_RPC_URL: '' };
}

/** Three contributions of OTHER: c-0, c-1, c-2. */
const record = (db: Kysely<any>) => recordOwn({ db }, D, 'c', 3, OTHER);

describe.each(['postgres', 'pglite'] as const)('`datanet dispute` reads the server role store (%s)', (engine) => {
  const root = mkdtempSync(join(tmpdir(), `datanet-dispute-roles-${engine}-`));
  const stateDir = join(root, 'state');
  let t: TestDb | undefined;
  let env: NodeJS.ProcessEnv;
  let server: ServeProcess | undefined;
  const keyOf = (w: Wallet) => {
    const path = join(root, `${w.address}.key`);
    writeFileSync(path, w.privateKey);
    return path;
  };
  const cli = (...args: string[]) => runDatanetCli(['--state-dir', stateDir, '--json', ...args], { cwd: root, env, timeoutMs: 180_000 });

  beforeAll(async () => {
    writeDatanet(root);
    if (engine === 'postgres') {
      t = await openTestDb('postgres');
      await openRegistry(t.db, 'postgres');
      await record(t.db);
      env = envOn(t);
    } else {
      const s = await storeDb(stateDir);
      try {
        await openRegistry(s.db, 'pglite');
        await record(s.db);
      } finally {
        await s.close();
      }
      env = envOn();
    }
    server = await startServe({ stateDir, cwd: root, env: { DATABASE_URL: env.DATABASE_URL!, DATANET_RPC_URL: '' } });
    // The owner grants the steward role over HTTP, as the console does.
    const granted = await fetch(`${server.url}/v1/datanets/${D}/roles`, {
      method: 'POST',
      headers: await signInOverHttp(server.url, owner),
      body: JSON.stringify({ address: steward.address, role: 'steward' }),
    });
    expect(granted.status).toBe(201);
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('the API and the CLI agree: a review.reviewers address files as a reviewer, a granted steward resolves', async () => {
    // Over HTTP first (the server's view): the reviewer files a dispute as a reviewer.
    const api = await fetch(`${server!.url}/v1/datanets/${D}/disputes`, {
      method: 'POST',
      headers: await signInOverHttp(server!.url, reviewer),
      body: JSON.stringify({ contribution: 'c-1', reason: 'licence', evidence: EVIDENCE }),
    });
    expect(api.status, await api.clone().text()).toBe(201);
    expect(((await api.json()) as any).dispute.filerRole).toBe('reviewer');
    // PGlite is one process at a time: the CLI runs once the server has stopped.
    if (engine === 'pglite') {
      await server!.stop();
      server = undefined;
    }
    const opened = cli(
      'dispute',
      'open',
      '--datanet',
      D,
      '--contribution',
      'c-2',
      '--reason',
      'licence',
      '--evidence',
      EVIDENCE,
      '--key',
      keyOf(reviewer),
    );
    expect(opened.code, opened.stderr).toBe(0);
    const r = JSON.parse(opened.stdout) as { created: boolean; dispute: { id: string; filer: string; filerRole: string } };
    expect(r).toMatchObject({ created: true, dispute: { filer: reviewer.address.toLowerCase(), filerRole: 'reviewer' } });

    const resolved = cli('dispute', 'resolve', r.dispute.id, 'dismissed', '--datanet', D, '--key', keyOf(steward));
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(JSON.parse(resolved.stdout)).toMatchObject({
      resolved: true,
      dispute: { id: r.dispute.id, status: 'dismissed', resolvedBy: steward.address.toLowerCase() },
    });
    // Someone the store does not know is still refused.
    const stranger = cli(
      'dispute',
      'resolve',
      r.dispute.id,
      'dismissed',
      '--datanet',
      D,
      '--key',
      keyOf(new Wallet(Wallet.createRandom().privateKey)),
    );
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain(`is not a steward or owner of ${D}`);
  }, 600_000);

  it('`datanet dispute list --status bogus` is a usage error (exit 2) naming the statuses', () => {
    const bad = cli('dispute', 'list', '--datanet', D, '--status', 'bogus');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--status bogus: expected one of open, upheld, dismissed, moot');
    const good = cli('dispute', 'list', '--datanet', D, '--status', 'dismissed');
    expect(good.code, good.stderr).toBe(0);
    expect((JSON.parse(good.stdout) as { disputes: unknown[] }).disputes).toHaveLength(1);
  }, 300_000);
});

describe('role.changed entries name who granted and who revoked (real `datanet serve` on PostgreSQL)', () => {
  const root = mkdtempSync(join(tmpdir(), 'datanet-role-actor-'));
  const stateDir = join(root, 'state');
  let t: TestDb;
  let server: ServeProcess;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    writeDatanet(root);
    t = await openTestDb('postgres');
    env = envOn(t);
    server = await startServe({ stateDir, cwd: root, env: { DATABASE_URL: env.DATABASE_URL!, DATANET_RPC_URL: '' } });
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('an address or token:<id>, never the token; configuration is named by its source', async () => {
    const made = runDatanetCli(['--state-dir', stateDir, '--json', 'token', 'create', '--datanet', D, '--role', 'owner'], {
      cwd: root,
      env,
      timeoutMs: 180_000,
    });
    expect(made.code, made.stderr).toBe(0);
    const token = JSON.parse(made.stdout) as { id: string; token: string };
    const bearer = { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' };
    const owned = await signInOverHttp(server.url, owner);
    const roles = (headers: Record<string, string>, method: 'POST' | 'DELETE', address: string, role: string) =>
      fetch(`${server.url}/v1/datanets/${D}/roles${method === 'DELETE' ? `/${address}/${role}` : ''}`, {
        method,
        // A DELETE has no body, so it says no content type (Fastify refuses an empty JSON body).
        headers:
          method === 'POST' ? headers : Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'content-type')),
        ...(method === 'POST' ? { body: JSON.stringify({ address, role }) } : {}),
      });
    const log = async () =>
      (
        (await (await fetch(`${server.url}/v1/datanets/${D}/audit?kind=role.changed`)).json()) as {
          entries: {
            actor: string;
            subject: string;
            payload: { role: string; change: string; by: string | null; source: string | null };
          }[];
        }
      ).entries;

    expect((await roles(owned, 'POST', steward.address, 'steward')).status).toBe(201);
    // First the grants the log had not seen (in address order).
    const first = (await log()).map((e) => [e.subject, e.payload.role, e.payload.change, e.actor, e.payload.by]);
    expect(first.sort()).toEqual(
      [
        [owner.address.toLowerCase(), 'owner', 'granted', 'roles:datanet-yaml', null],
        [reviewer.address.toLowerCase(), 'reviewer', 'granted', 'roles:datanet-review', null],
        [steward.address.toLowerCase(), 'steward', 'granted', owner.address.toLowerCase(), owner.address.toLowerCase()],
      ].sort(),
    );
    // The log catches up when it is read: read after each change.
    expect((await roles(bearer, 'DELETE', steward.address, 'steward')).status).toBe(200);
    await log();
    expect((await roles(bearer, 'POST', OTHER, 'reviewer')).status).toBe(201);
    await log();
    expect((await roles(owned, 'DELETE', OTHER, 'reviewer')).status).toBe(200);
    const after = await log();
    expect(after.slice(3).map((e) => [e.subject, e.payload.change, e.actor, e.payload.by])).toEqual([
      [steward.address.toLowerCase(), 'revoked', `token:${token.id}`, `token:${token.id}`],
      [OTHER, 'granted', `token:${token.id}`, `token:${token.id}`],
      [OTHER, 'revoked', owner.address.toLowerCase(), owner.address.toLowerCase()],
    ]);
    const text = JSON.stringify(after);
    expect(text).not.toContain(token.token);
    expect((await (await fetch(`${server.url}/v1/datanets/${D}/audit/verify`)).json()) as { ok: boolean }).toMatchObject({ ok: true });
  }, 300_000);
});
