import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { DatanetChain } from '@datanet/connector-evm';
import { buildRewardTree, rewardsFile } from '@datanet/settlement';
import { claimReward, findChainCommit, hashModelFolder, provenanceCommit, verifyContribution } from '../src/index.js';
import { makeEpochFixture, type EpochFixture } from './fixtures.js';

describe.each(DB_ENGINES)('commit -> verify -> claim on the embedded chain (%s)', (engine) => {
  let t: TestDb;
  let stateDir: string;
  let fx: EpochFixture;
  const epoch = 4;
  const config = { datanet: 'test-datanet', epoch, metadataURI: 'file://croissant.json' };
  const inputs = () => ({ manifest: fx.manifestPath, settlement: fx.rewardsPath, adapter: fx.adapterDir });

  beforeAll(async () => {
    t = await openTestDb(engine);
    stateDir = mkdtempSync(join(tmpdir(), 'datanet-prov-'));
    fx = makeEpochFixture(join(stateDir, 'fixture'), BigInt(epoch));
  });
  afterAll(async () => {
    await t.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('commits the roots, funds the rewards and records the transaction', async () => {
    const res = await runOperator(provenanceCommit, { config, inputs: inputs(), db: t.db, dialect: t.dialect, stateDir });
    const report = res.outputs.commit.json as any;
    expect(report.status).toBe('committed');
    expect(report.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(report.funding).toMatchObject({ status: 'funded', total: '1000' });
    expect(report.roots.modelHash).toBe(await hashModelFolder(fx.adapterDir));
    const row = await findChainCommit(t.db, { datanet: 'test-datanet', epoch });
    expect(row).toMatchObject({ txHash: report.txHash, blockNumber: report.blockNumber, rewardTotal: '1000', epoch });
    expect(typeof row!.blockNumber).toBe('number');
  }, 60_000);

  it('re-running the same epoch sends no transaction', async () => {
    const res = await runOperator(provenanceCommit, { config, inputs: inputs(), db: t.db, dialect: t.dialect, stateDir });
    const report = res.outputs.commit.json as any;
    expect(report.status).toBe('already-committed');
    expect(report.transactionsSent).toBe(0);
    expect(report.funding.status).toBe('already-funded');
    const first = await findChainCommit(t.db, { datanet: 'test-datanet', epoch });
    expect(report.txHash).toBe(first!.txHash);
  }, 60_000);

  it('fails loudly when the epoch is on-chain with other roots', async () => {
    const other = makeEpochFixture(join(stateDir, 'other'), BigInt(epoch), 'b');
    await expect(
      runOperator(provenanceCommit, { config, inputs: { manifest: other.manifestPath }, db: t.db, dialect: t.dialect, stateDir }),
    ).rejects.toThrow(/already committed .* with other roots[\s\S]*datasetRoot: on-chain/);
  }, 60_000);

  it('verifies a contributed file and a contribution id against the root read from the chain', async () => {
    const chain = await DatanetChain.open({}, stateDir);
    try {
      const byFile = await verifyContribution(t.db, chain, { datanet: 'test-datanet', epoch, target: fx.files[3] });
      expect(byFile.verified).toBe(true);
      expect(byFile.proof.length).toBeGreaterThan(0);
      const byId = await verifyContribution(t.db, chain, {
        datanet: 'test-datanet',
        epoch,
        target: byFile.contributionId.replace(/^0x/, 'sha256:'),
      });
      expect(byId.contributor).toBe(byFile.contributor);
      // A manifest whose root was never committed does not verify, whatever it claims.
      const forged = makeEpochFixture(join(stateDir, 'forged'), BigInt(epoch), 'f');
      const bad = await verifyContribution(t.db, chain, {
        datanet: 'test-datanet',
        epoch,
        target: forged.files[0],
        manifestPath: forged.manifestPath,
      });
      expect(bad.verified).toBe(false);
      expect(bad.reason).toMatch(/not the committed dataset root/);
      const missing = join(stateDir, 'never-contributed.txt');
      writeFileSync(missing, 'not in the dataset');
      await expect(verifyContribution(t.db, chain, { datanet: 'test-datanet', epoch, target: missing })).rejects.toThrow(
        /is not in dataset/,
      );
    } finally {
      await chain.close();
    }
  }, 60_000);

  it('claims a reward: the balance equals the statement, and a second claim pays nothing', async () => {
    const chain = await DatanetChain.open({}, stateDir);
    try {
      const wallet = new Wallet(fx.contributorKeys[1]);
      const before = await chain.tokenBalance(wallet.address);
      const res = await claimReward(t.db, chain, wallet, { epoch });
      expect(res.status).toBe('claimed');
      expect(res.amount).toBe(fx.amounts[1].toString());
      expect(BigInt(res.balance) - before).toBe(fx.amounts[1]);
      const again = await claimReward(t.db, chain, wallet, { epoch });
      expect(again.status).toBe('already-claimed');
      expect(again.balance).toBe(res.balance);
      await expect(claimReward(t.db, chain, Wallet.createRandom() as unknown as Wallet, { epoch })).rejects.toThrow(/has no reward/);
    } finally {
      await chain.close();
    }
  }, 60_000);

  it('commits, funds and claims an epoch whose rewards file leaves the proofs out (more payouts than inlineProofsUpTo)', async () => {
    const bigEpoch = 5;
    const payouts = fx.contributorKeys
      .map((k) => new Wallet(k).address)
      .sort()
      .map((account, index) => ({ index, account, amount: BigInt(10 * (index + 1)), attribution: 1, standing: 0.5 }));
    const tree = await buildRewardTree(BigInt(bigEpoch), payouts);
    const settlement = { datanet: 'test-datanet', epoch: '1970-01-06@UTC', epochNumber: BigInt(bigEpoch), paid: 60n } as any;
    const doc = { ...rewardsFile({ settlement, payouts, tree, created: true }, 2), status: 'final' };
    expect(doc.proofsInline).toBe(false);
    const rewardsPath = join(stateDir, 'rewards-no-proofs.json');
    writeFileSync(
      rewardsPath,
      JSON.stringify(doc, (_, v) => (typeof v === 'bigint' ? v.toString() : v)),
    );
    const res = await runOperator(provenanceCommit, {
      config: { ...config, epoch: bigEpoch },
      inputs: { manifest: fx.manifestPath, settlement: rewardsPath },
      db: t.db,
      dialect: t.dialect,
      stateDir,
    });
    const report = res.outputs.commit.json as any;
    expect(report.status).toBe('committed');
    expect(report.funding).toMatchObject({ status: 'funded', total: '60' });
    expect(report.roots.settlementRoot).toBe(tree.root);
    const chain = await DatanetChain.open({}, stateDir);
    try {
      const payout = payouts[2];
      const wallet = new Wallet(fx.contributorKeys.find((k) => new Wallet(k).address === payout.account)!);
      const before = await chain.tokenBalance(wallet.address);
      const claimed = await claimReward(t.db, chain, wallet, { epoch: bigEpoch });
      expect(claimed).toMatchObject({ status: 'claimed', index: '2', amount: '30' });
      expect(BigInt(claimed.balance) - before).toBe(30n);
    } finally {
      await chain.close();
    }
  }, 60_000);
});
