import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PGliteDialect } from 'kysely';
import { Wallet, ZeroHash, id as keccakId } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDatanetCli } from '@datanet/pipelines/testing';
import { DatanetChain } from '@datanet/connector-evm';
import { openRegistry, recordContributions, revokeContribution } from '@datanet/datanet';
import { advanceSettlement, buildRewardTree, loadAttributionRows, loadPayouts, parseEpoch, recordEpochInputs } from '@datanet/settlement';
import { commitEpoch } from '../src/commit/commit-epoch.js';
import { parseRewards } from '../src/commit/epoch-inputs.js';

const DATANET = 'acct-contributor';
const EPOCH = parseEpoch('2026-11-20@UTC');
const HOUR = 3_600_000;
const T0 = EPOCH.endMs + HOUR;
const stateDir = mkdtempSync(join(tmpdir(), 'datanet-acct-cli-'));
const wallets = [0, 1, 2].map((i) => new Wallet(`0x${createHash('sha256').update(`acct contributor ${i}`).digest('hex')}`));
const addr = (i: number) => wallets[i].address.toLowerCase();
const TERMS = {
  split: { platform: 1000, modelOwner: 2000, stakers: 1000, contributors: 6000 },
  standingWeight: { floor: 0.25, gamma: 1, defaultStanding: 0.5 },
};

async function withStore<T>(fn: (db: Kysely<any>) => Promise<T>): Promise<T> {
  const { PGlite } = await import('@electric-sql/pglite');
  mkdirSync(join(stateDir, 'db'), { recursive: true });
  const pglite = new PGlite(join(stateDir, 'db'));
  const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

const datanet = (...args: string[]) =>
  runDatanetCli(args, {
    timeoutMs: 180_000,
    env: { ...process.env, DATANET_STATE_DIR: stateDir, DATABASE_URL: '', DATANET_RPC_URL: '' },
  });

const advance = (db: Kysely<any>, now: number) =>
  advanceSettlement(db, { datanet: DATANET, epoch: EPOCH.id, terms: TERMS, windowMs: 24 * HOUR, now });

describe('contributor tools on a proposed and then final epoch (real CLI, embedded store and chain)', () => {
  let rewardsPath: string;
  let finalAt: number;
  beforeAll(async () => {
    await withStore(async (db) => {
      await openRegistry(db, 'pglite');
      await recordContributions(
        db,
        wallets.flatMap((_, i) =>
          [0, 1].map((j) => ({
            id: `k${i}-${j}`,
            datanet: DATANET,
            contributor: addr(i),
            submissionId: `s${i}`,
            sourceFile: 'f',
            recordIndex: j,
            licence: 'CC-BY-4.0',
            consent: 'train',
            submittedAt: 1,
            validatorVersion: 't',
          })),
        ),
      );
      await recordEpochInputs(db, {
        datanet: DATANET,
        epoch: EPOCH,
        inferences: [0, 1, 2, 3].map((n) => ({ inferenceId: `i${n}`, fee: 10n ** 18n, time: EPOCH.startMs + n })),
        attributions: [
          { inferenceId: 'i0', contributionId: 'k0-0', contributor: addr(0), account: addr(0), score: 0.7 },
          { inferenceId: 'i0', contributionId: 'k1-0', contributor: addr(1), account: addr(1), score: 0.3 },
          { inferenceId: 'i1', contributionId: 'k1-1', contributor: addr(1), account: addr(1), score: 1 },
          { inferenceId: 'i2', contributionId: 'k2-0', contributor: addr(2), account: addr(2), score: 0.5 },
          { inferenceId: 'i2', contributionId: 'k0-1', contributor: addr(0), account: addr(0), score: 0.5 },
        ],
        standing: [],
        method: 'attribution.spans',
        methodVersion: 'sha256:t',
      });
      const p = await advance(db, T0);
      expect(p.state).toBe('proposed');
      finalAt = p.proposal.finalAt;
    });
  }, 180_000);
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('datanet claim refuses a proposed epoch and says when it becomes final', () => {
    const key = join(stateDir, 'c0.key');
    writeFileSync(key, wallets[0].privateKey);
    const r = datanet('claim', '--epoch', '20261120', '--key', key, '--datanet', DATANET);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `is proposed (version 1), not final: its rewards become final, committed and claimable at ${new Date(finalAt).toISOString()}`,
    );
    expect(r.stderr + r.stdout).not.toContain(wallets[0].privateKey.slice(2));
  }, 180_000);

  it('once final and committed, verify --paid proves a paid contribution in and a revoked one out; claim pays', async () => {
    await withStore(async (db) => {
      // k2-0 is revoked in the window: re-settled without it, then final.
      await revokeContribution(db, { datanet: DATANET, id: 'k2-0', reason: 'test: upheld dispute' });
      expect((await advance(db, T0 + HOUR)).proposal.version).toBe(2);
      const s = await advance(db, T0 + 30 * HOUR);
      expect(s.state).toBe('final');
      const payouts = await loadPayouts(db, DATANET, EPOCH.id);
      const tree = await buildRewardTree(EPOCH.number, payouts);
      const proofOf = (i: number) => ((tree as any).proof ? (tree as any).proof(i) : (tree as any).proofs[i]) as string[];
      const doc = {
        epoch: EPOCH.id,
        epochNumber: EPOCH.number.toString(),
        root: tree.root,
        claims: payouts.map((p, i) => ({ index: p.index, account: p.account, amount: p.amount.toString(), proof: proofOf(i) })),
      };
      rewardsPath = join(stateDir, 'rewards.json');
      writeFileSync(rewardsPath, JSON.stringify(doc));
      const chain = await DatanetChain.open({ mode: 'embedded' }, stateDir);
      try {
        await commitEpoch(chain, {
          datanet: DATANET,
          epoch: Number(EPOCH.number),
          roots: {
            datasetRoot: keccakId('d'),
            contributionsRoot: ZeroHash,
            modelHash: ZeroHash,
            settlementRoot: tree.root,
            auditRoot: s.proposal.finalAuditHash!,
          },
          metadataURI: '',
          rewards: parseRewards(doc, 'rewards', EPOCH.number),
        });
      } finally {
        await chain.close();
      }
      expect((await loadAttributionRows(db, DATANET, EPOCH.id)).map((r) => r.contributionId)).toContain('k2-0');
    });
    const paid = datanet('--json', 'verify', '--paid', '--datanet', DATANET, '--epoch', '20261120', 'k0-0');
    expect(paid.code, paid.stderr).toBe(0);
    expect(JSON.parse(paid.stdout)).toMatchObject({ verified: true, inPaidSet: true, paidContributions: 4 });
    const out = datanet('verify', '--paid', '--datanet', DATANET, '--epoch', '20261120', 'k2-0');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('contribution k2-0 was NOT in the paid set');
    const key = join(stateDir, 'c0.key');
    const claim = datanet('--json', 'claim', '--epoch', '20261120', '--key', key, '--datanet', DATANET, '--rewards', rewardsPath);
    expect(claim.code, claim.stderr).toBe(0);
    expect(JSON.parse(claim.stdout).status).toBe('claimed');
  }, 300_000);
});
