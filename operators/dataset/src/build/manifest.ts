import { buildStandardTree, type EncodedLeaves } from '@datanet/datanet';
import {
  LEAF_TYPES,
  buildContributionTree,
  contributionTree,
  leafHash,
  normaliseContributionId,
  proofAt,
  type LeafEncoding,
} from '../merkle/contribution-tree.js';

export const MANIFEST_FORMAT = 'datanet-dataset-manifest/v1';

export interface ManifestFile {
  name: string;
  sha256: string;
  bytes: number;
  rows: number;
  encodingFormat: string;
}

/**
 * What a dataset version is: its contributions and its files. It holds no version number or
 * time, so the same accepted set and config always give byte-identical manifests (and digests).
 */
export interface DatasetManifest {
  format: typeof MANIFEST_FORMAT;
  datanet: string;
  kind: 'qa' | 'text';
  merkle: {
    /** OpenZeppelin StandardMerkleTree: leaf = keccak256(keccak256(abi.encode(...leafEncoding))). */
    format: 'openzeppelin-standard-v1';
    leafEncoding: [string, string];
    root: string;
  };
  split: { evalFraction: number; salt: string; method: string };
  counts: { contributions: number; rows: number; train: number; eval: number };
  files: ManifestFile[];
  /** `[contributionId (0x + 64 hex), contributor]`, sorted by id. */
  contributions: [string, string][];
}

export function encodingOf(manifest: DatasetManifest): LeafEncoding {
  const t = manifest.merkle.leafEncoding[1];
  if (t === 'address' || t === 'string') return t;
  throw new Error(`manifest leaf encoding ${JSON.stringify(manifest.merkle.leafEncoding)} is not one this version knows`);
}

export function merkleRootOf(contributions: [string, string][], encoding: LeafEncoding): string {
  return buildContributionTree(
    contributions.map(([id, contributor]) => ({ id, contributor })),
    encoding,
  ).root;
}

/** The same root, hashed across the kernel pool's threads when the set is large. */
export async function merkleRootOfAsync(contributions: [string, string][], encoding: LeafEncoding): Promise<string> {
  const tree = await contributionTree(
    contributions.map(([id, contributor]) => ({ id, contributor })),
    encoding,
  );
  return tree.root;
}

/** The root of leaves already ABI-encoded (in any order: the tree sorts its leaves by hash). */
export async function merkleRootOfEncoded(leaves: EncodedLeaves): Promise<string> {
  return (await buildStandardTree(leaves)).root;
}

export interface ContributionProof {
  contributionId: string;
  contributor: string;
  /** OZ leaf values and types, as `StandardMerkleTree.verify(root, types, values, proof)` takes them. */
  leafTypes: [string, string];
  leafValues: [string, string];
  leaf: string;
  proof: string[];
  root: string;
}

/**
 * The inclusion proof of one contribution in a version, for `MerkleProof.verify` on-chain or
 * `StandardMerkleTree.verify`. Rebuilds the tree from the manifest (about a second per 100k).
 */
export function proveContribution(manifest: DatasetManifest, contributionId: string): ContributionProof {
  const id = normaliseContributionId(contributionId);
  const index = binarySearch(manifest.contributions, id);
  if (index < 0) {
    throw new Error(`contribution ${contributionId} is not in dataset ${manifest.datanet} (root ${manifest.merkle.root})`);
  }
  const encoding = encodingOf(manifest);
  const leaves = manifest.contributions.map(([cid, contributor]) => ({ id: cid, contributor }));
  const tree = buildContributionTree(leaves, encoding);
  if (tree.root !== manifest.merkle.root) {
    throw new Error(`manifest of ${manifest.datanet} is inconsistent: its contributions hash to ${tree.root}, not ${manifest.merkle.root}`);
  }
  const contributor = manifest.contributions[index][1];
  return {
    contributionId: id,
    contributor,
    leafTypes: LEAF_TYPES[encoding],
    leafValues: [id, contributor],
    leaf: leafHash(leaves[index], encoding),
    proof: proofAt(tree, tree.treeIndex[index]),
    root: tree.root,
  };
}

function binarySearch(sorted: [string, string][], id: string): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid][0];
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
