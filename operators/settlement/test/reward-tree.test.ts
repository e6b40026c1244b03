import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { rewardLeafHash } from '@datanet/connector-evm';
import { describe, expect, it } from 'vitest';
import { buildRewardTree, verifyRewardProof, type RewardClaim } from '../src/index.js';

const address = (n: number) => '0x' + (n * 7919 + 1).toString(16).padStart(40, '0');

describe('reward tree', () => {
  const epoch = 20261124n;
  const claims: RewardClaim[] = Array.from({ length: 37 }, (_, i) => ({
    index: i,
    account: address(i),
    amount: BigInt(i) * 10n ** 18n + 7n,
  }));
  const built = buildRewardTree(epoch, claims);

  it("matches OpenZeppelin's StandardMerkleTree root and its dump loads", () => {
    const oz = StandardMerkleTree.of(
      claims.map((c) => [epoch, c.index, c.account, c.amount]),
      ['uint256', 'uint256', 'address', 'uint256'],
    );
    expect(built.root).toBe(oz.root);
    const loaded = StandardMerkleTree.load(built.dump as never);
    loaded.validate();
    expect(loaded.root).toBe(oz.root);
  });

  it('has leaves equal to the RewardDistributor leaf of connector-evm', () => {
    const leaf = built.dump.tree[built.dump.values[5].treeIndex];
    expect(leaf).toBe(rewardLeafHash(epoch, 5n, claims[5].account, claims[5].amount));
  });

  it("every proof verifies with OpenZeppelin's verifier, and a changed amount does not", () => {
    claims.forEach((c, i) => {
      const leaf = [epoch.toString(), String(c.index), c.account, c.amount.toString()];
      expect(StandardMerkleTree.verify(built.root, ['uint256', 'uint256', 'address', 'uint256'], leaf, built.proofs[i])).toBe(true);
      expect(verifyRewardProof(built.root, epoch, c, built.proofs[i])).toBe(true);
    });
    const forged = { ...claims[3], amount: claims[3].amount + 1n };
    expect(verifyRewardProof(built.root, epoch, forged, built.proofs[3])).toBe(false);
  });

  it('names the claim whose account is not an address', () => {
    expect(() => buildRewardTree(epoch, [{ index: 0, account: 'GARD', amount: 1n }])).toThrow(/claim #0: account "GARD"/);
  });
});
