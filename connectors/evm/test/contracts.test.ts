import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Wallet, ZeroHash, id, keccak256, toUtf8Bytes } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChainConnection,
  DatanetChain,
  REWARD_LEAF_TYPES,
  TransactionRevertedError,
  devAccountKeys,
  parseChainSettings,
  processProof,
  rewardLeafHash,
  type EpochRoots,
} from '../src/index.js';

const roots = (tag: string): EpochRoots => ({
  datasetRoot: id(`dataset ${tag}`),
  contributionsRoot: id(`contributions ${tag}`),
  modelHash: id(`model ${tag}`),
  settlementRoot: id(`settlement ${tag}`),
  auditRoot: id(`audit ${tag}`),
});

// Gas of a commit of 4 roots + a short URI before the audit root was added (bench, cancun):
// the audit root may cost at most 10% more.
const COMMIT_GAS_BEFORE_AUDIT_ROOT = 164_453n;

async function expectRevert(p: Promise<unknown>, errorName: string) {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err, `expected ${errorName}`).toBeInstanceOf(TransactionRevertedError);
  expect((err as TransactionRevertedError).errorName).toBe(errorName);
}

describe('contracts on the in-process EVM', () => {
  let chain: DatanetChain;
  let outsider: DatanetChain;
  const datanet = id('medical-qa');

  beforeAll(async () => {
    chain = await DatanetChain.open({ ephemeral: true }, '/nonexistent-state-dir');
    outsider = chain.as(chain.conn.withWallet(new Wallet(devAccountKeys()[5])));
  }, 60_000);
  afterAll(() => chain?.close());

  describe('DatanetRegistry', () => {
    it('lets the committer commit once per epoch, with an event and a readable commit', async () => {
      await chain.ensureDatanet(datanet);
      const r = roots('e1');
      const receipt = await chain.commitEpoch(datanet, 1n, r, 'ipfs://meta-1');
      console.log(`gas: registry commit (4 roots + audit root + short URI) = ${receipt.gasUsed}`);
      expect(receipt.gasUsed).toBeLessThanOrEqual((COMMIT_GAS_BEFORE_AUDIT_ROOT * 110n) / 100n);
      const ev = receipt.logs.map((l) => chain.registry.interface.parseLog(l)).find((l) => l?.name === 'EpochCommitted');
      expect(ev?.args.datanetId).toBe(datanet);
      expect(ev?.args.epoch).toBe(1n);
      expect(ev?.args.datasetRoot).toBe(r.datasetRoot);
      expect(ev?.args.auditRoot).toBe(r.auditRoot);
      expect(ev?.args.metadataURI).toBe('ipfs://meta-1');
      const view = await chain.readCommit(datanet, 1n);
      expect(view).toMatchObject({ ...r, committer: chain.conn.address, metadataURI: 'ipfs://meta-1' });
      expect(await chain.readCommit(datanet, 2n)).toBeUndefined();
    });

    it('rejects a second commit of the same (Datanet, epoch)', async () => {
      await expectRevert(chain.commitEpoch(datanet, 1n, roots('other'), ''), 'EpochAlreadyCommitted');
      expect((await chain.readCommit(datanet, 1n))?.datasetRoot).toBe(roots('e1').datasetRoot);
    });

    it('rejects a commit from an account that is not a committer', async () => {
      await expectRevert(outsider.commitEpoch(datanet, 7n, roots('x'), ''), 'NotCommitter');
    });

    it('commits the audit root once: a second audit root for the epoch and one sent by a stranger are refused', async () => {
      const first = roots('audit-1');
      await chain.commitEpoch(datanet, 11n, first, '');
      // Same epoch, only the audit root differs: the epoch's commit (audit root included) is immutable.
      await expectRevert(chain.commitEpoch(datanet, 11n, { ...first, auditRoot: id('another audit head') }, ''), 'EpochAlreadyCommitted');
      await expectRevert(outsider.commitEpoch(datanet, 11n, { ...first, auditRoot: id('stranger audit head') }, ''), 'NotCommitter');
      await expectRevert(outsider.commitEpoch(datanet, 12n, roots('audit-2'), ''), 'NotCommitter');
      expect((await chain.readCommit(datanet, 11n))?.auditRoot).toBe(first.auditRoot);
      expect(await chain.readCommit(datanet, 12n)).toBeUndefined();
      // A commit without an audit root (a Datanet with no audit log yet) reads back as zero.
      await chain.commitEpoch(datanet, 13n, { ...roots('no-audit'), auditRoot: ZeroHash }, 'uri-13');
      expect(await chain.readCommit(datanet, 13n)).toMatchObject({ auditRoot: ZeroHash, metadataURI: 'uri-13' });
    });

    it('rejects an empty dataset root, role changes by a non-admin and re-registration', async () => {
      await expectRevert(chain.commitEpoch(datanet, 8n, { ...roots('z'), datasetRoot: ZeroHash }, ''), 'EmptyDatasetRoot');
      await expectRevert(
        chain.conn.send('x', () => outsider.registry.setCommitter(datanet, outsider.conn.address, true)),
        'NotDatanetAdmin',
      );
      await expectRevert(
        chain.conn.send('x', () => outsider.registry.registerDatanet(datanet)),
        'DatanetAlreadyRegistered',
      );
    });

    it('keeps Datanets apart: a committer of one cannot commit for another', async () => {
      const other = keccak256(toUtf8Bytes('other-datanet'));
      await outsider.ensureDatanet(other);
      await outsider.commitEpoch(other, 1n, roots('o'), '');
      await expectRevert(chain.commitEpoch(other, 2n, roots('o2'), ''), 'NotCommitter');
    });
  });

  describe('RewardDistributor', () => {
    const accounts = Array.from({ length: 9 }, (_, i) => new Wallet(devAccountKeys()[10 + i]).address);
    const leaves = (epoch: bigint) =>
      accounts.map((a, i) => [epoch, BigInt(i), a, BigInt(1000 + i * 7)] as [bigint, bigint, string, bigint]);
    let distributor: string;
    let tree5: StandardMerkleTree<[bigint, bigint, string, bigint]>;
    let tree6: StandardMerkleTree<[bigint, bigint, string, bigint]>;

    beforeAll(async () => {
      ({ distributor } = await chain.ensureDatanet(datanet));
      tree5 = StandardMerkleTree.of(leaves(5n), [...REWARD_LEAF_TYPES]);
      tree6 = StandardMerkleTree.of(leaves(6n), [...REWARD_LEAF_TYPES]);
      const total = (t: typeof tree5) => [...t.entries()].reduce((s, [, v]) => s + v[3], 0n);
      await chain.fundEpoch(distributor, 5n, tree5.root, total(tree5));
      await chain.fundEpoch(distributor, 6n, tree6.root, total(tree6));
    }, 60_000);

    const claimOf = (tree: typeof tree5, i: number) => {
      const [epoch, index, account, amount] = tree.at(i)!;
      return { epoch, index, account, amount, proof: tree.getProof(i) };
    };

    it('hashes leaves exactly like OpenZeppelin StandardMerkleTree', () => {
      const c = claimOf(tree5, 3);
      const leaf = rewardLeafHash(c.epoch, c.index, c.account, c.amount);
      expect(leaf).toBe(tree5.leafHash([c.epoch, c.index, c.account, c.amount]));
      expect(processProof(leaf, c.proof)).toBe(tree5.root);
    });

    it('pays a valid claim, and says so in the bitmap', async () => {
      const c = claimOf(tree5, 2);
      const before = await chain.tokenBalance(c.account);
      const receipt = await outsider.claim(distributor, c);
      console.log(`gas: reward claim (9-leaf tree, proof of ${c.proof.length}) = ${receipt.gasUsed}`);
      expect(receipt.gasUsed).toBeLessThanOrEqual(92_000n);
      expect((await chain.tokenBalance(c.account)) - before).toBe(c.amount);
      expect(await chain.isClaimed(distributor, 5n, 2n)).toBe(true);
      expect(await chain.isClaimed(distributor, 5n, 3n)).toBe(false);
    });

    it('rejects a second claim of the same index', async () => {
      await expectRevert(chain.claim(distributor, claimOf(tree5, 2)), 'AlreadyClaimed');
    });

    it('rejects a wrong amount and a wrong account', async () => {
      const c = claimOf(tree5, 4);
      await expectRevert(chain.claim(distributor, { ...c, amount: c.amount + 1n }), 'InvalidProof');
      await expectRevert(chain.claim(distributor, { ...c, account: accounts[0] }), 'InvalidProof');
    });

    it('rejects a proof made for another epoch', async () => {
      const c = claimOf(tree6, 4);
      await expectRevert(chain.claim(distributor, { ...c, epoch: 5n }), 'InvalidProof');
      await expectRevert(chain.claim(distributor, { ...c, epoch: 9n }), 'EpochNotFunded');
    });

    it('rejects resetting a funded epoch and funding by a stranger', async () => {
      await expectRevert(chain.fundEpoch(distributor, 5n, tree6.root, 1n), 'EpochRootAlreadySet');
      await expectRevert(
        chain.conn.send('x', () => outsider.distributor(distributor).fundEpoch(7n, tree6.root, 0n)),
        'NotRootSetter',
      );
    });
  });

  it('refuses to sign with an account that has no gas money, saying so', async () => {
    const broke = chain.as(chain.conn.withWallet(new Wallet(Wallet.createRandom().privateKey)));
    const err = await broke.ensureDatanet(id('fresh-datanet')).catch((e) => e);
    expect(err.name).toBe('InsufficientFundsError');
    expect(err.message).toMatch(/no funds for gas/);
  });

  it('parses settings and refuses rpc without a URL', () => {
    expect(parseChainSettings(undefined).mode).toBe('embedded');
    expect(() => parseChainSettings({ mode: 'rpc' })).toThrow(/rpcUrl/);
    expect(ChainConnection).toBeTypeOf('function');
  });
});
