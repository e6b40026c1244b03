import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ZeroHash, getAddress, isHexString } from 'ethers';
import { processProof, rewardLeafHash } from '@datanet/connector-evm';
import { epochNumber } from './epoch-number.js';

/** A root given as `0x` + 64 hex or `sha256:<hex>`, normalised to lower-case `0x` hex. */
export function toBytes32(value: string, what: string): string {
  const hex = value.replace(/^sha256:/, '0x');
  if (!isHexString(hex, 32)) throw new Error(`${what} "${value}" is not a 32-byte hex value (0x + 64 hex digits)`);
  return hex.toLowerCase();
}

/** The root of a JSON document from another step: `merkle.root` (dataset manifests) or `root`. */
export function rootOf(doc: unknown, where: string): string {
  const d = doc as { root?: unknown; merkle?: { root?: unknown } } | null;
  const root = d?.merkle?.root ?? d?.root;
  if (typeof root !== 'string') throw new Error(`${where}: no Merkle root (expected a "merkle.root" or "root" field)`);
  return toBytes32(root, `${where} root`);
}

/**
 * sha256 of a model folder, independent of where it lies: over the sorted lines
 * `<relative path>\0<sha256 of the file>\n`, paths with `/`. Recompute it with any sha256 tool.
 */
export async function hashModelFolder(dir: string): Promise<string> {
  if (!(await stat(dir)).isDirectory()) {
    return `0x${createHash('sha256')
      .update(await readFile(dir))
      .digest('hex')}`;
  }
  const files: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) files.push(p);
    }
  };
  await walk(dir);
  const lines = await Promise.all(
    files.map(
      async (f) =>
        `${relative(dir, f).split(sep).join('/')}\0${createHash('sha256')
          .update(await readFile(f))
          .digest('hex')}\n`,
    ),
  );
  return `0x${createHash('sha256').update(lines.sort().join('')).digest('hex')}`;
}

/** One contributor's payable reward: the leaf (epoch, index, account, amount) and its proof. */
export interface RewardEntry {
  index: bigint;
  account: string;
  amount: bigint;
  proof: string[];
}

export interface RewardsFile {
  epoch?: bigint;
  root: string;
  total: bigint;
  claims: RewardEntry[];
}

const big = (v: unknown, where: string): bigint => {
  if (typeof v === 'bigint') return v;
  if ((typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^\d+$/.test(v))) return BigInt(v);
  throw new Error(`${where}: expected a non-negative integer (a decimal string for token amounts), got ${JSON.stringify(v)}`);
};

/**
 * Reads a settlement's rewards JSON: `{ epoch, root, total?, claims: [{ index, account, amount, proof }] }`
 * (`entries`/`rewards` accepted for `claims`, `merkle.root` for `root`). Every proof is checked
 * against the root with the distributor's leaf encoding before any token moves, so a file made
 * with another encoding fails here rather than producing unclaimable rewards.
 */
export function parseRewards(doc: unknown, where: string, epoch: bigint): RewardsFile {
  const d = doc as Record<string, any>;
  const dump = findTreeDump(d);
  const root =
    dump && d?.root === undefined && d?.merkle?.root === undefined ? toBytes32(dump.tree[0], `${where} tree root`) : rootOf(d, where);
  const given = d?.claims ?? d?.entries ?? (Array.isArray(d?.rewards) ? d.rewards : undefined);
  const list = given ?? (dump ? claimsFromDump(dump, where) : undefined);
  if (!Array.isArray(list)) throw new Error(`${where}: no "claims" array of { index, account, amount, proof }`);
  // Settlement writes the day (`2026-11-24@UTC`) as `epoch` and its leaf number as `epochNumber`.
  const fileEpoch = d.epochNumber ?? d.epoch;
  if (fileEpoch !== undefined) {
    const n = typeof fileEpoch === 'string' && !/^\d+$/.test(fileEpoch) ? epochNumber(fileEpoch) : undefined;
    const value = n !== undefined ? BigInt(n) : big(fileEpoch, `${where}: epoch`);
    if (value !== epoch) throw new Error(`${where}: rewards are for epoch ${fileEpoch}, but this commit is for epoch ${epoch}`);
  }
  // Settlement leaves the proofs out past `inlineProofsUpTo` claims (`proofsInline: false`); they
  // are then derived from the tree dump, and checked against the root like inline ones.
  const derive = given !== undefined && dump !== undefined && (d.proofsInline === false || list.some((c: any) => c?.proof === undefined));
  const treeIndexOf = derive ? treeIndexByClaimIndex(dump, where) : undefined;
  const claims = list.map((c: any, i: number): RewardEntry => {
    const at = `${where}: claims[${i}]`;
    let account: string;
    try {
      account = getAddress(c.account);
    } catch {
      throw new Error(`${at}.account ${JSON.stringify(c.account)} is not an EVM address`);
    }
    const index = big(c.index, `${at}.index`);
    let proof: string[];
    if (treeIndexOf && (d.proofsInline === false || c.proof === undefined)) {
      const treeIndex = treeIndexOf.get(index);
      if (treeIndex === undefined) throw new Error(`${at}: index ${index} is not in the file's tree dump, so its proof cannot be derived`);
      proof = proofFromDump(dump!, treeIndex, at);
    } else {
      // No proof and no dump: only a one-claim tree, whose root is the leaf, has an empty proof.
      proof = (c.proof ?? []) as string[];
    }
    const entry = { index, account, amount: big(c.amount, `${at}.amount`), proof };
    if (processProof(rewardLeafHash(epoch, entry.index, entry.account, entry.amount), entry.proof) !== root) {
      const missing =
        c.proof === undefined && !treeIndexOf
          ? '; the claim has no proof and the file has no tree dump ("tree") to derive it from: export the rewards file with its tree or with proofs inline'
          : '';
      throw new Error(
        `${at}: its proof does not lead to root ${root} with leaf (uint256 epoch=${epoch}, uint256 index, address account, uint256 amount)${missing}`,
      );
    }
    return entry;
  });
  const sum = claims.reduce((s, c) => s + c.amount, 0n);
  const total = d.total !== undefined ? big(d.total, `${where}: total`) : sum;
  if (total !== sum) throw new Error(`${where}: total ${total} differs from the sum of the claims ${sum}`);
  return { epoch, root, total, claims };
}

export const NO_ROOT = ZeroHash;

interface TreeDump {
  tree: string[];
  values: { value: unknown[]; treeIndex: number }[];
}

/** An OpenZeppelin `StandardMerkleTree.dump()`, at the top level or under `tree`/`merkle`/`dump`. */
function findTreeDump(d: any): TreeDump | undefined {
  for (const c of [d, d?.tree, d?.merkle, d?.dump]) {
    if (c && Array.isArray(c.tree) && Array.isArray(c.values)) return c as TreeDump;
  }
  return undefined;
}

function proofFromDump(dump: TreeDump, treeIndex: number, where: string): string[] {
  if (!Number.isSafeInteger(treeIndex) || treeIndex < 0 || treeIndex >= dump.tree.length)
    throw new Error(`${where}: tree index ${treeIndex} is outside the tree dump (${dump.tree.length} nodes)`);
  const proof: string[] = [];
  for (let j = treeIndex; j > 0; j = (j - 1) >> 1) proof.push(dump.tree[j % 2 === 1 ? j + 1 : j - 1]);
  return proof;
}

function claimsFromDump(dump: TreeDump, where: string) {
  return dump.values.map(({ value, treeIndex }, i) => ({
    index: value[1],
    account: value[2],
    amount: value[3],
    proof: proofFromDump(dump, treeIndex, `${where}: tree.values[${i}]`),
  }));
}

/** Where each claim index (the leaf's second value) lies in the dumped tree. */
function treeIndexByClaimIndex(dump: TreeDump, where: string): Map<bigint, number> {
  const at = new Map<bigint, number>();
  dump.values.forEach(({ value, treeIndex }, i) => {
    const index = big(value?.[1], `${where}: tree.values[${i}].value[1] (claim index)`);
    if (at.has(index)) throw new Error(`${where}: the tree dump holds claim index ${index} twice`);
    at.set(index, treeIndex);
  });
  return at;
}
