import {
  buildStandardTree,
  buildStandardTreeSync,
  keccak256Wasm,
  proofOfNode,
  verifyStandardProof,
  type BuildTreeOptions,
  type EncodedLeaves,
  type StandardTree,
} from '@datanet/datanet';

/**
 * Merkle trees over contributions, bit-for-bit the same as OpenZeppelin's StandardMerkleTree
 * (leaf = keccak256(keccak256(abi.encode(values))), nodes hash the sorted pair, leaves sorted by
 * hash, the tree laid out as OZ's array). The leaves are ABI-encoded here and hashed by the shared
 * tree builder of @datanet/datanet (the reward tree uses the same one), because OZ's own tree takes
 * ~18 s to build 100k leaves; tests check roots and proofs against OZ and pin known roots.
 */

/** `address`: leaf = ['bytes32 contributionId', 'address contributor'] (contributors are EVM accounts).
 *  `string`: leaf = ['bytes32 contributionId', 'string contributor'] (contributors named otherwise). */
export type LeafEncoding = 'address' | 'string';

export const LEAF_TYPES: Record<LeafEncoding, [string, string]> = {
  address: ['bytes32', 'address'],
  string: ['bytes32', 'string'],
};

export interface ContributionLeaf {
  /** 32-byte content hash, `0x` + 64 hex (normalised by `normaliseContributionId`). */
  id: string;
  contributor: string;
}

const HEX32 = /^[0-9a-f]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Accepts `sha256:<hex>`, `0x<hex>` or bare hex (any case) and returns `0x` + lower-case hex. */
export function normaliseContributionId(id: string): string {
  const hex = id
    .replace(/^sha256:/, '')
    .replace(/^0x/i, '')
    .toLowerCase();
  if (!HEX32.test(hex)) {
    throw new Error(
      `contribution id "${id}" is not a 32-byte hash: ids must be sha256 content hashes (64 hex digits, optionally prefixed by "sha256:" or "0x")`,
    );
  }
  return `0x${hex}`;
}

export function chooseLeafEncoding(contributors: Iterable<string>): LeafEncoding {
  for (const c of contributors) if (!ADDRESS.test(c)) return 'string';
  return 'address';
}

function writeHex(hex: string, out: Uint8Array, offset: number): void {
  const h = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  out.set(Buffer.from(h, 'hex'), offset);
}

/** abi.encode(bytes32 id, address|string contributor) */
export function encodeLeaf(leaf: ContributionLeaf, encoding: LeafEncoding): Uint8Array {
  if (encoding === 'address') {
    if (!ADDRESS.test(leaf.contributor)) {
      throw new Error(`contributor "${leaf.contributor}" of contribution ${leaf.id} is not a 20-byte hex address`);
    }
    const out = new Uint8Array(64);
    writeHex(leaf.id, out, 0);
    writeHex(leaf.contributor, out, 44);
    return out;
  }
  const str = new TextEncoder().encode(leaf.contributor);
  const padded = Math.ceil(str.length / 32) * 32;
  const out = new Uint8Array(96 + padded);
  writeHex(leaf.id, out, 0);
  out[63] = 0x40; // offset of the dynamic part: after the two head words
  new DataView(out.buffer).setUint32(92, str.length);
  out.set(str, 96);
  return out;
}

/** abi.encode of every leaf, in one buffer: 64-byte records for addresses, offsets otherwise. */
export function encodeLeaves(leaves: readonly ContributionLeaf[], encoding: LeafEncoding): EncodedLeaves {
  if (encoding === 'address') {
    const bytes = Buffer.alloc(64 * leaves.length);
    leaves.forEach((leaf, i) => {
      if (!ADDRESS.test(leaf.contributor)) {
        throw new Error(`contributor "${leaf.contributor}" of contribution ${leaf.id} is not a 20-byte hex address`);
      }
      if (bytes.write(leaf.id.slice(2), 64 * i, 32, 'hex') !== 32) {
        throw new Error(`contribution id ${leaf.id} is not 32 bytes of hex`);
      }
      bytes.write(leaf.contributor.slice(2), 64 * i + 44, 20, 'hex');
    });
    return { bytes, stride: 64 };
  }
  const parts = leaves.map((leaf) => encodeLeaf(leaf, encoding));
  const offsets = new Uint32Array(parts.length + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i] + p.length));
  return { bytes: Buffer.concat(parts), offsets };
}

/** keccak256(keccak256(abi.encode(leaf))), as OZ hashes a leaf. */
export function leafHash(leaf: ContributionLeaf, encoding: LeafEncoding): string {
  return '0x' + Buffer.from(keccak256Wasm(keccak256Wasm(encodeLeaf(leaf, encoding)))).toString('hex');
}

export interface ContributionTree extends StandardTree {
  encoding: LeafEncoding;
}

/** The tree on the calling thread (proofs, small sets). */
export function buildContributionTree(leaves: readonly ContributionLeaf[], encoding: LeafEncoding): ContributionTree {
  if (leaves.length === 0) throw new Error('cannot build a Merkle tree over zero contributions');
  return { ...buildStandardTreeSync(encodeLeaves(leaves, encoding)), encoding };
}

/** The same tree, hashed across the kernel pool's threads when it is large. */
export async function contributionTree(
  leaves: readonly ContributionLeaf[],
  encoding: LeafEncoding,
  options?: BuildTreeOptions,
): Promise<ContributionTree> {
  if (leaves.length === 0) throw new Error('cannot build a Merkle tree over zero contributions');
  return { ...(await buildStandardTree(encodeLeaves(leaves, encoding), options)), encoding };
}

/** The proof of the leaf at node `index` (`tree.treeIndex[i]` for the i-th leaf given). */
export function proofAt(tree: ContributionTree, index: number): string[] {
  return proofOfNode(tree, index);
}

export function verifyProof(root: string, leaf: string, proof: string[]): boolean {
  return verifyStandardProof(root, leaf, proof);
}
