import { getBytes, keccak256 } from 'ethers';

/**
 * Merkle trees over contributions, bit-for-bit the same as OpenZeppelin's StandardMerkleTree
 * (leaf = keccak256(keccak256(abi.encode(values))), nodes hash the sorted pair, leaves sorted by
 * hash, the tree laid out as OZ's array). We hash leaves ourselves because OZ's tree takes ~18 s
 * to build 100k leaves; tests check roots and proofs against OZ on small sets.
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
  const hex = id.replace(/^sha256:/, '').replace(/^0x/i, '').toLowerCase();
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

function wordFromHex(hex: string, out: Uint8Array, offset: number, rightAlignBytes: number): void {
  const bytes = getBytes(hex);
  out.set(bytes, offset + 32 - rightAlignBytes);
}

/** abi.encode(bytes32 id, address|string contributor) */
export function encodeLeaf(leaf: ContributionLeaf, encoding: LeafEncoding): Uint8Array {
  if (encoding === 'address') {
    if (!ADDRESS.test(leaf.contributor)) {
      throw new Error(`contributor "${leaf.contributor}" of contribution ${leaf.id} is not a 20-byte hex address`);
    }
    const out = new Uint8Array(64);
    wordFromHex(leaf.id, out, 0, 32);
    wordFromHex(leaf.contributor, out, 32, 20);
    return out;
  }
  const str = new TextEncoder().encode(leaf.contributor);
  const padded = Math.ceil(str.length / 32) * 32;
  const out = new Uint8Array(96 + padded);
  wordFromHex(leaf.id, out, 0, 32);
  out[63] = 0x40; // offset of the dynamic part: after the two head words
  new DataView(out.buffer).setUint32(92, str.length);
  out.set(str, 96);
  return out;
}

export function leafHash(leaf: ContributionLeaf, encoding: LeafEncoding): string {
  return keccak256(keccak256(encodeLeaf(leaf, encoding)));
}

function compareHex(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0; // same-length lower-case hex compares as the bytes do
}

function nodeHash(a: string, b: string): string {
  const [x, y] = compareHex(a, b) <= 0 ? [a, b] : [b, a];
  return keccak256('0x' + x.slice(2) + y.slice(2));
}

export interface ContributionTree {
  root: string;
  encoding: LeafEncoding;
  /** OZ's array layout: tree[0] is the root, leaves at the end. */
  tree: string[];
  /** For each input leaf (in the order given), its index in `tree`. */
  treeIndex: number[];
}

export function buildContributionTree(leaves: ContributionLeaf[], encoding: LeafEncoding): ContributionTree {
  if (leaves.length === 0) throw new Error('cannot build a Merkle tree over zero contributions');
  const hashed = leaves.map((leaf, i) => ({ i, hash: leafHash(leaf, encoding) }));
  hashed.sort((a, b) => compareHex(a.hash, b.hash));
  const n = hashed.length;
  const tree = new Array<string>(2 * n - 1);
  const treeIndex = new Array<number>(n);
  hashed.forEach((h, k) => {
    const at = tree.length - 1 - k;
    tree[at] = h.hash;
    treeIndex[h.i] = at;
  });
  for (let i = tree.length - 1 - n; i >= 0; i--) tree[i] = nodeHash(tree[2 * i + 1], tree[2 * i + 2]);
  return { root: tree[0], encoding, tree, treeIndex };
}

export function proofAt(tree: string[], index: number): string[] {
  const proof: string[] = [];
  while (index > 0) {
    proof.push(tree[index % 2 === 1 ? index + 1 : index - 1]);
    index = Math.floor((index - 1) / 2);
  }
  return proof;
}

export function verifyProof(root: string, leaf: string, proof: string[]): boolean {
  return proof.reduce(nodeHash, leaf) === root;
}
