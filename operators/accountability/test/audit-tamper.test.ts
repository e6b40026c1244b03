import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { ZeroHash, id as keccakId } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, runDatanetCli, type TestDb } from '@datanet/pipelines/testing';
import { DatanetChain, datanetIdOf } from '@datanet/connector-evm';
import { appendAudit, canonicalJson, entryHash, GENESIS_HASH, listAudit, verifyAudit, type AuditEntry } from '../src/index.js';

const DATANET = 'tamper-test';
const ENTRIES = 12;

/** A log as the loop writes it: decisions, and a finalisation whose hash is committed on-chain. */
async function writeLog(db: Kysely<any>): Promise<AuditEntry[]> {
  const kinds = ['dispute.opened', 'dispute.upheld', 'contribution.revoked', 'standing.changed', 'settlement.proposed', 'role.changed'];
  const out: AuditEntry[] = [];
  for (let i = 0; i < ENTRIES - 1; i++)
    out.push(
      await appendAudit(db, {
        datanet: DATANET,
        actor: `0x${String(i).padStart(40, '0')}`,
        kind: kinds[i % kinds.length],
        subject: `c-${i}`,
        key: `k-${i}`,
        at: 1_700_000_000_000 + i,
        payload: { n: i, note: `decision ${i}` },
      }),
    );
  out.push(
    await appendAudit(db, {
      datanet: DATANET,
      actor: 'settlement',
      kind: 'settlement.finalised',
      subject: '2026-11-20@UTC',
      key: 'settlement.finalised:2026-11-20@UTC',
      payload: { epoch: '2026-11-20@UTC', epochNumber: '20261120' },
    }),
  );
  return out;
}

/** Runs `change` in a transaction, verifies inside it, and rolls it back: the store is untouched after. */
async function tampered(
  db: Kysely<any>,
  change: (trx: Kysely<any>) => Promise<unknown>,
  onChain?: (n: string) => Promise<string | undefined>,
) {
  let result: Awaited<ReturnType<typeof verifyAudit>> | undefined;
  await db
    .transaction()
    .execute(async (trx) => {
      await change(trx);
      result = await verifyAudit(trx, DATANET, onChain);
      throw new Error('rollback');
    })
    .catch((e: Error) => {
      if (e.message !== 'rollback') throw e;
    });
  return result!;
}

const q = (trx: Kysely<any>) => trx.updateTable('audit_log').where('datanet', '=', DATANET);

describe.each(DB_ENGINES)('audit log tamper evidence (%s)', (engine) => {
  let t: TestDb;
  let entries: AuditEntry[];
  beforeAll(async () => {
    t = await openTestDb(engine);
    entries = await writeLog(t.db);
  });
  afterAll(() => t?.close());

  it('an untouched log verifies, and each hash is recomputable from the row', async () => {
    const v = await verifyAudit(t.db, DATANET);
    expect(v.ok).toBe(true);
    expect(v.entries).toBe(ENTRIES);
    let prev = GENESIS_HASH;
    for (const e of await listAudit(t.db, { datanet: DATANET })) {
      expect(e.prevHash).toBe(prev);
      expect(entryHash({ ...e, payloadHash: e.payloadHash })).toBe(e.hash);
      prev = e.hash;
    }
    // Appending the same key again writes nothing.
    await appendAudit(t.db, { datanet: DATANET, actor: 'x', kind: 'dispute.opened', subject: 'c-0', key: 'k-0', payload: { other: true } });
    expect((await verifyAudit(t.db, DATANET)).entries).toBe(ENTRIES);
  });

  it('editing any single entry (payload, actor, time or hash) is found and named', async () => {
    for (const e of entries) {
      const payload = await tampered(t.db, (trx) =>
        q(trx)
          .where('seq', '=', e.seq)
          .set({ payload: canonicalJson({ n: 999 }) })
          .execute(),
      );
      expect(payload.firstBad?.seq, `payload of ${e.seq}`).toBe(e.seq);
      expect(payload.firstBad?.problem).toMatch(/payload was edited/);
      const actor = await tampered(t.db, (trx) => q(trx).where('seq', '=', e.seq).set({ actor: '0xmallory' }).execute());
      expect(actor.firstBad?.seq, `actor of ${e.seq}`).toBe(e.seq);
      const at = await tampered(t.db, (trx) => q(trx).where('seq', '=', e.seq).set({ at: 1 }).execute());
      expect(at.firstBad?.seq, `time of ${e.seq}`).toBe(e.seq);
    }
  });

  it('deleting any single entry is found and named', async () => {
    for (const e of entries) {
      const v = await tampered(t.db, (trx) =>
        trx.deleteFrom('audit_log').where('datanet', '=', DATANET).where('seq', '=', e.seq).execute(),
      );
      expect(v.ok).toBe(false);
      expect(v.firstBad?.seq, `delete ${e.seq}`).toBe(e.seq);
    }
  });

  it('reordering any two neighbouring entries is found and names the first moved', async () => {
    for (const e of entries.slice(0, -1)) {
      const v = await tampered(t.db, async (trx) => {
        await q(trx).where('seq', '=', e.seq).set({ seq: -1 }).execute();
        await q(trx)
          .where('seq', '=', e.seq + 1)
          .set({ seq: e.seq })
          .execute();
        await q(trx)
          .where('seq', '=', -1)
          .set({ seq: e.seq + 1 })
          .execute();
      });
      expect(v.firstBad?.seq, `swap ${e.seq} and ${e.seq + 1}`).toBe(e.seq);
      expect(v.firstBad?.problem).toMatch(/reordered|edited/);
    }
  });

  it('a rewrite that recomputes every hash after an edit is caught by the head committed on-chain', async () => {
    const chain = await DatanetChain.open({ ephemeral: true }, '/nonexistent-state-dir');
    try {
      const id = datanetIdOf(DATANET);
      await chain.ensureDatanet(id);
      const head = entries[entries.length - 1];
      await chain.commitEpoch(
        id,
        20261120n,
        { datasetRoot: keccakId('d'), contributionsRoot: ZeroHash, modelHash: ZeroHash, settlementRoot: ZeroHash, auditRoot: head.hash },
        '',
      );
      const onChain = async (n: string) => (await chain.readCommit(id, BigInt(n)))?.auditRoot;
      const clean = await verifyAudit(t.db, DATANET, onChain);
      expect(clean.ok).toBe(true);
      expect(clean.heads).toEqual([expect.objectContaining({ epoch: '2026-11-20@UTC', hash: head.hash, onChain: head.hash })]);
      // Mallory edits entry 3 and recomputes every hash after it, and the stored head: the chain is
      // consistent again, but its finalised entry no longer hashes to what the chain holds.
      const v = await tampered(
        t.db,
        async (trx) => {
          const rows = await listAudit(trx, { datanet: DATANET });
          let prev = rows[1].hash;
          for (const r of rows.slice(2)) {
            const payload = canonicalJson(r.seq === 3 ? { n: 2, note: 'rewritten' } : r.payload);
            const { createHash } = await import('node:crypto');
            const payloadHash = `0x${createHash('sha256').update(payload).digest('hex')}`;
            const hash = entryHash({ ...r, payloadHash, prevHash: prev });
            await q(trx).where('seq', '=', r.seq).set({ payload, payload_hash: payloadHash, prev_hash: prev, hash }).execute();
            prev = hash;
          }
          await trx.updateTable('audit_heads').where('datanet', '=', DATANET).set({ hash: prev }).execute();
        },
        onChain,
      );
      expect(v.ok).toBe(false);
      expect(v.firstBad?.seq).toBe(ENTRIES);
      expect(v.firstBad?.problem).toMatch(/committed audit root .* on-chain/);
    } finally {
      await chain.close();
    }
  });

  it('the untouched store still verifies after all of it (every tamper was rolled back)', async () => {
    expect((await verifyAudit(t.db, DATANET)).ok).toBe(true);
    const n = await sql<{ n: number }>`select count(*)::int as n from audit_log where datanet = ${DATANET}`.execute(t.db);
    expect(n.rows[0].n).toBe(ENTRIES);
  });
});

describe('`datanet audit verify` (real CLI, embedded PGlite store and chain)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'datanet-audit-cli-'));
  const cli = (...args: string[]) =>
    runDatanetCli(args, {
      timeoutMs: 180_000,
      env: { ...process.env, DATANET_STATE_DIR: stateDir, DATABASE_URL: '', DATANET_RPC_URL: '' },
    });
  let head: AuditEntry;

  beforeAll(async () => {
    const { storeDb } = await import('./cli-store.js');
    const s = await storeDb(stateDir);
    try {
      const written = await writeLog(s.db);
      head = written[written.length - 1];
    } finally {
      await s.close();
    }
    const chain = await DatanetChain.open({ mode: 'embedded' }, stateDir);
    try {
      const id = datanetIdOf(DATANET);
      await chain.ensureDatanet(id);
      await chain.commitEpoch(
        id,
        20261120n,
        { datasetRoot: keccakId('d'), contributionsRoot: ZeroHash, modelHash: ZeroHash, settlementRoot: ZeroHash, auditRoot: head.hash },
        '',
      );
    } finally {
      await chain.close();
    }
  }, 180_000);
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('verifies an untouched store against the on-chain head (exit 0)', () => {
    const r = cli('--json', 'audit', 'verify', '--datanet', DATANET);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.heads[0].onChain).toBe(head.hash);
  });

  it('fails naming the entry after one is deleted (exit 1)', async () => {
    const { storeDb } = await import('./cli-store.js');
    const s = await storeDb(stateDir);
    await s.db.deleteFrom('audit_log').where('datanet', '=', DATANET).where('seq', '=', 5).execute();
    await s.close();
    const r = cli('audit', 'verify', '--datanet', DATANET);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/entry 5 does not verify: entry 5 is missing/);
  });
});
