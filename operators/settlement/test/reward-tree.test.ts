import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { rewardLeafHash } from '@datanet/connector-evm';
import { closeKernelPool } from '@datanet/pipelines';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRewardTree, verifyRewardProof, type RewardClaim, type RewardTree } from '../src/index.js';

const address = (n: number) => '0x' + (n * 7919 + 1).toString(16).padStart(40, '0');
const TYPES = ['uint256', 'uint256', 'address', 'uint256'];

describe('reward tree', () => {
  const epoch = 20261124n;
  const claims: RewardClaim[] = Array.from({ length: 37 }, (_, i) => ({
    index: i,
    account: address(i),
    amount: BigInt(i) * 10n ** 18n + 7n,
  }));
  let built: RewardTree;
  beforeAll(async () => {
    built = await buildRewardTree(epoch, claims);
  });

  it("matches OpenZeppelin's StandardMerkleTree root and its dump loads", () => {
    const oz = StandardMerkleTree.of(
      claims.map((c) => [epoch, c.index, c.account, c.amount]),
      TYPES,
    );
    expect(built.root).toBe(oz.root);
    const loaded = StandardMerkleTree.load(built.dump() as never);
    loaded.validate();
    expect(loaded.root).toBe(oz.root);
  });

  it('has leaves equal to the RewardDistributor leaf of connector-evm', () => {
    const dump = built.dump();
    expect(dump.tree[dump.values[5].treeIndex]).toBe(rewardLeafHash(epoch, 5n, claims[5].account, claims[5].amount));
    expect(built.leaf(5)).toBe(rewardLeafHash(epoch, 5n, claims[5].account, claims[5].amount));
  });

  it("every proof verifies with OpenZeppelin's verifier, and a changed amount does not", () => {
    claims.forEach((c, i) => {
      const leaf = [epoch.toString(), String(c.index), c.account, c.amount.toString()];
      expect(StandardMerkleTree.verify(built.root, TYPES, leaf, built.proof(i))).toBe(true);
      expect(verifyRewardProof(built.root, epoch, c, built.proof(i))).toBe(true);
    });
    const forged = { ...claims[3], amount: claims[3].amount + 1n };
    expect(verifyRewardProof(built.root, epoch, forged, built.proof(3))).toBe(false);
  });

  it('names the claim whose account is not an address', async () => {
    await expect(buildRewardTree(epoch, [{ index: 0, account: 'GARD', amount: 1n }])).rejects.toThrow(/claim #0: account "GARD"/);
  });
});

describe('reward tree of 10k claims against @openzeppelin/merkle-tree', () => {
  afterAll(() => closeKernelPool());
  // Amounts from 0 to near 2^256, accounts in mixed case, a single and a two-leaf tree too.
  const claims: RewardClaim[] = Array.from({ length: 10_000 }, (_, i) => ({
    index: i,
    account:
      i % 3
        ? address(i * 31 + 5)
        : address(i * 31 + 5)
            .toUpperCase()
            .replace('0X', '0x'),
    amount: i % 1000 === 0 ? (1n << 255n) + BigInt(i) : BigInt(i * i) * 1_000_003n,
  }));
  const epoch = 7n;

  it('gives the same root, tree array, leaf positions and proofs, hashed on one thread and across the pool', async () => {
    const oz = StandardMerkleTree.of(
      claims.map((c) => [epoch, c.index, c.account, c.amount]),
      TYPES,
    );
    const ozDump = oz.dump();
    const ozProofs = claims.map((_, i) => oz.getProof(i));
    // parallelFrom: 0 forces the threaded path at this size (it starts at PARALLEL_MIN_LEAVES by default).
    for (const options of [{ threads: 1 }, { threads: 2, parallelFrom: 0 }]) {
      const ours = await buildRewardTree(epoch, claims, options);
      expect(ours.root).toBe(oz.root);
      const dump = ours.dump();
      expect(dump.tree).toEqual(ozDump.tree);
      expect(dump.values.map((v) => v.treeIndex)).toEqual(ozDump.values.map((v) => v.treeIndex));
      for (let i = 0; i < claims.length; i++) expect(ours.proof(i)).toEqual(ozProofs[i]);
    }
  }, 300_000); // OZ's own builder takes tens of seconds on a busy machine

  it('matches OZ on the smallest trees', async () => {
    for (const n of [1, 2, 3]) {
      const few = claims.slice(0, n);
      const oz = StandardMerkleTree.of(
        few.map((c) => [epoch, c.index, c.account, c.amount]),
        TYPES,
      );
      const ours = await buildRewardTree(epoch, few);
      expect(ours.root).toBe(oz.root);
      few.forEach((_, i) => expect(ours.proof(i)).toEqual(oz.getProof(i)));
    }
  });
});
