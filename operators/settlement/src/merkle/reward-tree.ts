import { getBytes, keccak256 } from 'ethers';

/**
 * The reward claim tree: bit-for-bit OpenZeppelin's StandardMerkleTree over
 * (uint256 epoch, uint256 index, address account, uint256 amount), the leaf RewardDistributor
 * checks. Built here rather than with `StandardMerkleTree.of` because OZ's builder re-validates and
 * takes ~18 s per 100k leaves; the dump it produces loads with `StandardMerkleTree.load`.
 */
export const REWARD_LEAF_ENCODING = ['uint256', 'uint256', 'address', 'uint256'] as const;

export interface RewardClaim {
  index: number;
  account: string;
  amount: bigint;
}

export interface RewardTreeDump {
  format: 'standard-v1';
  leafEncoding: string[];
  tree: string[];
  values: { value: [string, string, string, string]; treeIndex: number }[];
}

export interface RewardTree {
  root: string;
  dump: RewardTreeDump;
  /** Proof of each claim, in the order the claims were given. */
  proofs: string[][];
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const UINT256_MAX = (1n << 256n) - 1n;

function putUint(out: Uint8Array, word: number, value: bigint): void {
  if (value < 0n || value > UINT256_MAX) throw new Error(`value ${value} does not fit a uint256`);
  let v = value;
  for (let i = word * 32 + 31; v > 0n; i--, v >>= 8n) out[i] = Number(v & 0xffn);
}

/** keccak256(keccak256(abi.encode(epoch, index, account, amount))), as OZ hashes a leaf. */
export function rewardLeaf(epoch: bigint, claim: RewardClaim): string {
  if (!ADDRESS.test(claim.account)) throw new Error(`claim #${claim.index}: account "${claim.account}" is not a 20-byte hex address`);
  const enc = new Uint8Array(128);
  putUint(enc, 0, epoch);
  putUint(enc, 1, BigInt(claim.index));
  enc.set(getBytes(claim.account), 64 + 12);
  putUint(enc, 3, claim.amount);
  return keccak256(getBytes(keccak256(enc)));
}

// Same-length lower-case hex compares as the bytes do.
function hashPair(a: string, b: string): string {
  return a <= b ? keccak256('0x' + a.slice(2) + b.slice(2)) : keccak256('0x' + b.slice(2) + a.slice(2));
}

export function buildRewardTree(epoch: bigint, claims: readonly RewardClaim[]): RewardTree {
  if (claims.length === 0) throw new Error('cannot build a reward tree with no claims (nobody is paid this epoch)');
  const leaves = claims.map((c, i) => ({ i, hash: rewardLeaf(epoch, c) }));
  leaves.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const n = leaves.length;
  const tree = new Array<string>(2 * n - 1);
  const treeIndex = new Array<number>(n);
  leaves.forEach((leaf, k) => {
    tree[tree.length - 1 - k] = leaf.hash;
    treeIndex[leaf.i] = tree.length - 1 - k;
  });
  for (let i = tree.length - 1 - n; i >= 0; i--) tree[i] = hashPair(tree[2 * i + 1], tree[2 * i + 2]);
  const proofs = treeIndex.map((at) => {
    const proof: string[] = [];
    for (let j = at; j > 0; j = (j - 1) >> 1) proof.push(tree[j % 2 === 1 ? j + 1 : j - 1]);
    return proof;
  });
  return {
    root: tree[0],
    proofs,
    dump: {
      format: 'standard-v1',
      leafEncoding: [...REWARD_LEAF_ENCODING],
      tree,
      values: claims.map((c, i) => ({
        value: [epoch.toString(), String(c.index), c.account, c.amount.toString()],
        treeIndex: treeIndex[i],
      })),
    },
  };
}

/** OpenZeppelin MerkleProof.verify, for callers without the OZ package. */
export function verifyRewardProof(root: string, epoch: bigint, claim: RewardClaim, proof: readonly string[]): boolean {
  return proof.reduce(hashPair, rewardLeaf(epoch, claim)) === root;
}
