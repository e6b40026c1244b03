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
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const RECORD = 128;

function uintWord(value: bigint, what: string): Buffer {
  if (value < 0n || value >= 1n << 256n) throw new Error(`${what} ${value} does not fit a uint256`);
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
}

/** Nibble value of each UTF-16 code unit; -1 for what is not a hex digit. */
const NIBBLE = new Int8Array(65536).fill(-1);
for (let d = 0; d < 16; d++) {
  NIBBLE['0123456789abcdef'.charCodeAt(d)] = d;
  NIBBLE['0123456789ABCDEF'.charCodeAt(d)] = d;
}

/**
 * abi.encode(epoch, index, account, amount) of each claim, one 128-byte record after another, into
 * `into`, which must be zeroed (fresh memory): only the non-zero bytes of each record are written,
 * in JavaScript (hex digits decoded by table, numbers below 2^53 written as words), with no native
 * call or allocation per claim in the usual case.
 */
function encodeClaims(epoch: bigint, claims: readonly RewardClaim[], into: Uint8Array = new Uint8Array(RECORD * claims.length)): Buffer {
  const out = Buffer.from(into.buffer, into.byteOffset, into.length);
  const view = new DataView(into.buffer, into.byteOffset, into.length);
  const epochWord = uintWord(epoch, 'epoch');
  const epochBytes: number[] = [];
  epochWord.forEach((b, k) => b && epochBytes.push(k));
  for (let i = 0; i < claims.length; i++) {
    const c = claims[i];
    const at = RECORD * i;
    const index = c.index;
    if (!Number.isSafeInteger(index) || index < 0) throw new Error(`claim #${index}: index must be a non-negative integer`);
    const amount = c.amount;
    if (amount < 0n || amount >= MAX_UINT) throw new Error(`claim #${index}: amount ${amount} does not fit a uint256`);
    const a = c.account;
    let bad = a.length !== 42 || a.charCodeAt(0) !== 48 || (a.charCodeAt(1) | 32) !== 120;
    for (let j = 0; j < 20 && !bad; j++) {
      const h = NIBBLE[a.charCodeAt(2 + 2 * j)];
      const l = NIBBLE[a.charCodeAt(3 + 2 * j)];
      if ((h | l) < 0) bad = true;
      else out[at + 76 + j] = (h << 4) | l;
    }
    if (bad) throw new Error(`claim #${index}: account "${c.account}" is not a 20-byte hex address`);
    for (const k of epochBytes) out[at + k] = epochWord[k];
    view.setUint16(at + 58, Math.floor(index / 2 ** 32));
    view.setUint32(at + 60, index >>> 0);
    if (amount <= SAFE) {
      const v = Number(amount);
      view.setUint32(at + 120, Math.floor(v / 2 ** 32));
      view.setUint32(at + 124, v >>> 0);
    } else {
      const hex = amount.toString(16);
      out.write(hex.length % 2 ? '0' + hex : hex, at + RECORD - Math.ceil(hex.length / 2), 'hex');
    }
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
