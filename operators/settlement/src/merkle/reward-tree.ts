import {
  buildStandardTree,
  keccak256Wasm,
  nodeHex,
  proofOfNode,
  treeHex,
  verifyStandardProof,
  type BuildTreeOptions,
  type StandardTree,
} from '@datanet/datanet';

/**
 * The reward claim tree: bit-for-bit OpenZeppelin's StandardMerkleTree over
 * (uint256 epoch, uint256 index, address account, uint256 amount), the leaf RewardDistributor
 * checks. Claims are ABI-encoded here into one buffer and hashed by the shared tree builder of
 * @datanet/datanet (WebAssembly keccak, across the kernel pool's threads): OZ's own builder takes
 * ~45 s for 1M leaves. The dump loads with `StandardMerkleTree.load`.
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
  count: number;
  /** Proof of the claim at position `i` of the claims given (computed on demand: 1M proofs are ~1.4 GB of hex). */
  proof(i: number): string[];
  /** Leaf hash of the claim at position `i`. */
  leaf(i: number): string;
  /** OZ's `StandardMerkleTree.dump()` of this tree. */
  dump(): RewardTreeDump;
}

const MAX_UINT = 1n << 256n;
const RECORD = 128;

function uintWord(value: bigint, what: string): Buffer {
  if (value < 0n || value >= 1n << 256n) throw new Error(`${what} ${value} does not fit a uint256`);
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
}

/** abi.encode(epoch, index, account, amount) of each claim, one 128-byte record after another, into `into`. */
function encodeClaims(epoch: bigint, claims: readonly RewardClaim[], into: Uint8Array = new Uint8Array(RECORD * claims.length)): Buffer {
  const out = Buffer.from(into.buffer, into.byteOffset, into.length);
  out.fill(0);
  const epochWord = uintWord(epoch, 'epoch');
  for (let i = 0; i < claims.length; i++) {
    const c = claims[i];
    const at = RECORD * i;
    if (!Number.isSafeInteger(c.index) || c.index < 0) throw new Error(`claim #${c.index}: index must be a non-negative integer`);
    if (c.amount < 0n || c.amount >= MAX_UINT) throw new Error(`claim #${c.index}: amount ${c.amount} does not fit a uint256`);
    // The account's 40 hex digits written straight in: a write stops at the first non-hex digit,
    // so 20 bytes written (with the 0x and the length checked) is the address check.
    const a = c.account;
    if (a.length !== 42 || a.charCodeAt(0) !== 48 || (a.charCodeAt(1) | 32) !== 120 || out.write(a.slice(2), at + 76, 20, 'hex') !== 20) {
      throw new Error(`claim #${c.index}: account "${c.account}" is not a 20-byte hex address`);
    }
    out.set(epochWord, at);
    out.writeUIntBE(c.index, at + 58, 6);
    const hex = c.amount.toString(16);
    out.write(hex.length % 2 ? '0' + hex : hex, at + RECORD - Math.ceil(hex.length / 2), 'hex');
  }
  return out;
}

/** keccak256(keccak256(abi.encode(epoch, index, account, amount))), as OZ hashes a leaf. */
export function rewardLeaf(epoch: bigint, claim: RewardClaim): string {
  return '0x' + Buffer.from(keccak256Wasm(keccak256Wasm(encodeClaims(epoch, [claim])))).toString('hex');
}

function rewardTreeOf(epoch: bigint, claims: readonly RewardClaim[], tree: StandardTree): RewardTree {
  return {
    root: tree.root,
    count: tree.count,
    proof: (i) => proofOfNode(tree, tree.treeIndex[i]),
    leaf: (i) => nodeHex(tree.nodes, tree.treeIndex[i]),
    dump: () => ({
      format: 'standard-v1',
      leafEncoding: [...REWARD_LEAF_ENCODING],
      tree: treeHex(tree),
      values: claims.map((c, i) => ({
        value: [epoch.toString(), String(c.index), c.account, c.amount.toString()],
        treeIndex: tree.treeIndex[i],
      })),
    }),
  };
}

export async function buildRewardTree(epoch: bigint, claims: readonly RewardClaim[], options?: BuildTreeOptions): Promise<RewardTree> {
  if (claims.length === 0) throw new Error('cannot build a reward tree with no claims (nobody is paid this epoch)');
  const tree = await buildStandardTree(
    { count: claims.length, stride: RECORD, write: (into) => encodeClaims(epoch, claims, into) },
    options,
  );
  return rewardTreeOf(epoch, claims, tree);
}

/** OpenZeppelin MerkleProof.verify, for callers without the OZ package. */
export function verifyRewardProof(root: string, epoch: bigint, claim: RewardClaim, proof: readonly string[]): boolean {
  return verifyStandardProof(root, rewardLeaf(epoch, claim), proof);
}
