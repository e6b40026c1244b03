import { getBytes, keccak256 } from 'ethers';
import { keccak256Into } from './keccak256.js';

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

const toHex = (bytes: Uint8Array, offset: number) => '0x' + Buffer.from(bytes.buffer, bytes.byteOffset + offset, 32).toString('hex');

const preimage = Buffer.alloc(64);
const inner = new Uint8Array(32);

/** keccak256(keccak256(abi.encode(leaf))) into out[offset..offset+32); allocation-free for addresses. */
function leafHashInto(leaf: ContributionLeaf, encoding: LeafEncoding, out: Uint8Array, offset: number): void {
  if (encoding === 'address') {
    if (!ADDRESS.test(leaf.contributor)) {
      throw new Error(`contributor "${leaf.contributor}" of contribution ${leaf.id} is not a 20-byte hex address`);
    }
    if (preimage.write(leaf.id.slice(2), 0, 32, 'hex') !== 32) throw new Error(`contribution id ${leaf.id} is not 32 bytes of hex`);
    preimage.fill(0, 32, 44);
    preimage.write(leaf.contributor.slice(2), 44, 20, 'hex');
    keccak256Into(preimage, 0, 64, inner, 0);
  } else {
    const encoded = encodeLeaf(leaf, encoding);
    if (encoded.length <= 135) keccak256Into(encoded, 0, encoded.length, inner, 0);
    else inner.set(getBytes(keccak256(encoded)));
  }
  keccak256Into(inner, 0, 32, out, offset);
}

export function leafHash(leaf: ContributionLeaf, encoding: LeafEncoding): string {
  const out = new Uint8Array(32);
  leafHashInto(leaf, encoding, out, 0);
  return toHex(out, 0);
}

function compareAt(a: Uint8Array, i: number, b: Uint8Array, j: number): number {
  for (let k = 0; k < 32; k++) {
    const d = a[i + k] - b[j + k];
    if (d !== 0) return d;
  }
  return 0;
}

const pair = new Uint8Array(64);

/** OZ's node hash: keccak256 of the two children, smaller first. */
function nodeHashInto(nodes: Uint8Array, left: number, right: number, out: Uint8Array, offset: number): void {
  const [x, y] = compareAt(nodes, left, nodes, right) <= 0 ? [left, right] : [right, left];
  pair.set(nodes.subarray(x, x + 32), 0);
  pair.set(nodes.subarray(y, y + 32), 32);
  keccak256Into(pair, 0, 64, out, offset);
}

export interface ContributionTree {
  root: string;
  encoding: LeafEncoding;
  /** OZ's array layout, 32 bytes per node: node 0 is the root, leaves at the end. */
  nodes: Uint8Array;
  /** For each input leaf (in the order given), its node index. */
  treeIndex: number[];
}

export function buildContributionTree(leaves: ContributionLeaf[], encoding: LeafEncoding): ContributionTree {
  if (leaves.length === 0) throw new Error('cannot build a Merkle tree over zero contributions');
  const n = leaves.length;
  const hashes = new Uint8Array(32 * n);
  leaves.forEach((leaf, i) => leafHashInto(leaf, encoding, hashes, 32 * i));
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => compareAt(hashes, 32 * a, hashes, 32 * b));
  const count = 2 * n - 1;
  const nodes = new Uint8Array(32 * count);
  const treeIndex = new Array<number>(n);
  order.forEach((leafIndex, k) => {
    const at = count - 1 - k;
    nodes.set(hashes.subarray(32 * leafIndex, 32 * leafIndex + 32), 32 * at);
    treeIndex[leafIndex] = at;
  });
  for (let i = count - 1 - n; i >= 0; i--) nodeHashInto(nodes, 32 * (2 * i + 1), 32 * (2 * i + 2), nodes, 32 * i);
  return { root: toHex(nodes, 0), encoding, nodes, treeIndex };
}

export function proofAt(tree: ContributionTree, index: number): string[] {
  const proof: string[] = [];
  while (index > 0) {
    proof.push(toHex(tree.nodes, 32 * (index % 2 === 1 ? index + 1 : index - 1)));
    index = Math.floor((index - 1) / 2);
  }
  return proof;
}

export function verifyProof(root: string, leaf: string, proof: string[]): boolean {
  const nodes = new Uint8Array(96);
  writeHex(leaf, nodes, 0);
  for (const sibling of proof) {
    writeHex(sibling, nodes, 32);
    nodeHashInto(nodes, 0, 32, nodes, 64);
    nodes.copyWithin(0, 64, 96);
  }
  return toHex(nodes, 0) === root.toLowerCase();
}
