import { AbiCoder, concat, keccak256 } from 'ethers';

/** OpenZeppelin StandardMerkleTree leaf types of a reward claim, as RewardDistributor hashes them. */
export const REWARD_LEAF_TYPES = ['uint256', 'uint256', 'address', 'uint256'] as const;

/** keccak256(bytes.concat(keccak256(abi.encode(epoch, index, account, amount)))). */
export function rewardLeafHash(epoch: bigint, index: bigint, account: string, amount: bigint): string {
  return keccak256(concat([keccak256(AbiCoder.defaultAbiCoder().encode([...REWARD_LEAF_TYPES], [epoch, index, account, amount]))]));
}

/** OpenZeppelin MerkleProof: sorted-pair keccak up the tree. */
export function processProof(leaf: string, proof: string[]): string {
  let h = leaf;
  for (const p of proof) h = BigInt(h) < BigInt(p) ? keccak256(concat([h, p])) : keccak256(concat([p, h]));
  return h;
}
