import { kernelThreads, runKernel } from '@datanet/pipelines';
import { DATA_START, SCRATCH_BYTES, keccakOn } from './keccak-wasm.js';
import { sharedMemory, type SharedWasmMemory } from './wasm-api.js';
import { hashLeafChunk, hashNodeRanges, type LeafChunk, type NodeRanges } from './tree-kernels.js';

/**
 * The one Merkle tree builder of the project: bit-for-bit OpenZeppelin's StandardMerkleTree
 * (leaf = keccak256(keccak256(abi.encode(values))), leaves sorted by hash, node = keccak256 of the
 * sorted pair, the tree as OZ's array with the root at 0 and the leaves at the end). Callers encode
 * their leaves (the dataset tree, the reward tree); this file hashes them with the WebAssembly
 * keccak, in the kernel pool's threads when the tree is large, all threads on one shared memory.
 */
export type EncodedLeaves =
  /** `bytes.length / stride` records of `stride` bytes each. */
  | { bytes: Uint8Array; stride: number }
  /** `count` records of `stride` bytes, written by `write` straight into the hashing memory (no copy). */
  | { count: number; stride: number; write(into: Uint8Array): void }
  /** Records of any length: record i is bytes[offsets[i], offsets[i + 1]). */
  | { bytes: Uint8Array; offsets: Uint32Array };

export interface StandardTree {
  count: number;
  root: string;
  /** OZ's array layout, 32 bytes per node: node 0 is the root, the leaves are the last `count`. */
  nodes: Uint8Array;
  /** For each leaf, in the order given, its node index. */
  treeIndex: Uint32Array;
}

export interface BuildTreeOptions {
  /** Threads to hash on (default: the kernel pool's size). 1 hashes on the calling thread. */
  threads?: number;
  signal?: AbortSignal;
  /** Trees with fewer leaves are hashed on the calling thread (default PARALLEL_MIN_LEAVES). */
  parallelFrom?: number;
}

/** Below this many leaves the tree is hashed on the calling thread (milliseconds of work; no thread start-up). */
export const PARALLEL_MIN_LEAVES = 32_768;

const KERNELS = new URL('./tree-kernels.ts', import.meta.url);
const PAGE = 65536;

interface Layout {
  memory: SharedWasmMemory;
  u8: Uint8Array;
  n: number;
  input: number;
  offsets: number;
  stride: number;
  hashes: number;
  base: number;
  /** The leaves' order by hash (u32 each), then each leaf's node (u32 each): after the nodes. */
  order: number;
  treeIndex: number;
}

/** Bytes of the records (before any offsets table). */
const byteLength = (leaves: EncodedLeaves) => ('bytes' in leaves ? leaves.bytes.length : leaves.count * leaves.stride);

function countOf(leaves: EncodedLeaves): number {
  if ('write' in leaves) {
    if (!(leaves.stride > 0) || !Number.isInteger(leaves.count) || leaves.count < 0) throw new Error('encoded leaves: bad count or stride');
    return leaves.count;
  }
  if ('stride' in leaves) {
    if (!(leaves.stride > 0) || leaves.bytes.length % leaves.stride !== 0) {
      throw new Error(`encoded leaves: ${leaves.bytes.length} bytes are not whole records of ${leaves.stride} bytes`);
    }
    return leaves.bytes.length / leaves.stride;
  }
  const o = leaves.offsets;
  if (o.length < 1 || o[0] !== 0 || o[o.length - 1] !== leaves.bytes.length) {
    throw new Error('encoded leaves: offsets must start at 0 and end at the byte length');
  }
  for (let i = 1; i < o.length; i++) if (o[i] < o[i - 1]) throw new Error(`encoded leaves: offset ${i} goes backwards`);
  return o.length - 1;
}

/** Copies the records into a fresh shared memory, with room for leaf hashes and nodes. */
function layOut(leaves: EncodedLeaves): Layout {
  const n = countOf(leaves);
  if (n === 0) throw new Error('cannot build a Merkle tree with no leaves');
  const input = DATA_START;
  const offsets = 'offsets' in leaves ? align(input + byteLength(leaves), 8) : 0;
  const hashes = align(offsets ? offsets + 4 * (n + 1) : input + byteLength(leaves), 32);
  const base = hashes + 32 * n;
  const order = base + 32 * (2 * n - 1);
  const treeIndex = order + 4 * n;
  const end = treeIndex + 4 * n;
  if (end > 2 ** 31) throw new Error(`a Merkle tree of ${n} leaves (${byteLength(leaves)} bytes) is over the 2 GiB this builder takes`);
  const pages = Math.ceil(end / PAGE);
  const memory = sharedMemory(pages);
  const u8 = new Uint8Array(memory.buffer);
  if ('write' in leaves) leaves.write(u8.subarray(input, input + byteLength(leaves)));
  else u8.set(leaves.bytes, input);
  if ('offsets' in leaves) {
    const at = new Uint32Array(memory.buffer, offsets, n + 1);
    for (let i = 0; i <= n; i++) at[i] = input + leaves.offsets[i];
  }
  return { memory, u8, n, input, offsets, stride: 'stride' in leaves ? leaves.stride : 0, hashes, base, order, treeIndex };
}

const align = (x: number, a: number) => Math.ceil(x / a) * a;

function leafChunk(l: Layout, st: number, from: number, to: number): LeafChunk {
  return {
    memory: l.memory,
    st,
    input: l.input + from * l.stride,
    stride: l.stride,
    length: l.stride,
    offsets: l.offsets ? l.offsets + 4 * from : 0,
    count: to - from,
    out: l.hashes + 32 * from,
  };
}

/**
 * Leaf order by hash, written at l.order (OZ sorts the hashed leaves; equal hashes keep their input order). A stable
 * radix sort of the leaf indices by the hashes' leading 32 bits (two 16-bit passes, linear, no
 * comparisons), then runs of equal leading bits settled by the whole hash.
 */
function sortLeaves(l: Layout): void {
  const { n, u8 } = l;
  const hi = new Uint32Array(n);
  for (let i = 0, at = l.hashes; i < n; i++, at += 32) hi[i] = ((u8[at] << 24) | (u8[at + 1] << 16) | (u8[at + 2] << 8) | u8[at + 3]) >>> 0;
  const counts = new Uint32Array(65537);
  const low = new Uint32Array(n);
  for (let i = 0; i < n; i++) counts[(hi[i] & 0xffff) + 1]++;
  for (let b = 1; b <= 65536; b++) counts[b] += counts[b - 1];
  for (let i = 0; i < n; i++) low[counts[hi[i] & 0xffff]++] = i;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(hi[i] >>> 16) + 1]++;
  for (let b = 1; b <= 65536; b++) counts[b] += counts[b - 1];
  const order = new Uint32Array(u8.buffer, l.order, n);
  for (let k = 0; k < n; k++) {
    const i = low[k];
    order[counts[hi[i] >>> 16]++] = i;
  }
  const byHash = (a: number, b: number) => compareHashes(u8, l.hashes + 32 * a, l.hashes + 32 * b) || a - b;
  for (let k = 1; k < n;) {
    if (hi[order[k]] !== hi[order[k - 1]]) {
      k++;
      continue;
    }
    const from = k - 1;
    while (k < n && hi[order[k]] === hi[order[from]]) k++;
    order.subarray(from, k).sort(byHash);
  }
}

function compareHashes(u8: Uint8Array, a: number, b: number): number {
  for (let k = 0; k < 32; k++) {
    const d = u8[a + k] - u8[b + k];
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Puts the sorted leaf hashes (in the order at l.order) at the end of the node array, the largest
 * hash at node count - n; in the module (two 16-byte moves a leaf). Returns each leaf's node.
 */
function placeLeaves(l: Layout): Uint32Array {
  keccakOn(l.memory).place(l.hashes, l.base, l.order, l.n, l.treeIndex);
  return new Uint32Array(l.u8.buffer, l.treeIndex, l.n);
}

const depthOf = (i: number) => 31 - Math.clz32(i + 1);

/** Internal nodes at depth d: [2^d - 1, min(2^(d+1) - 1, n - 1)). */
function levelRanges(n: number, fromDepth: number, toDepth: number): [number, number][] {
  const out: [number, number][] = [];
  for (let d = fromDepth; d >= toDepth; d--) out.push([2 ** d - 1, Math.min(2 ** (d + 1) - 1, n - 1)]);
  return out;
}

function finish(l: Layout, treeIndex: Uint32Array): StandardTree {
  // A view of the shared memory (a 1M-leaf tree's nodes are 64 MB: not copied).
  const nodes = l.u8.subarray(l.base, l.base + 32 * (2 * l.n - 1));
  return { count: l.n, root: nodeHex(nodes, 0), nodes, treeIndex };
}

/** Builds the tree on the calling thread. */
export function buildStandardTreeSync(leaves: EncodedLeaves): StandardTree {
  const l = layOut(leaves);
  const k = keccakOn(l.memory);
  hashLeafChunk(leafChunk(l, 0, 0, l.n));
  sortLeaves(l);
  const treeIndex = placeLeaves(l);
  for (const [lo, hi] of levelRanges(l.n, depthOf(l.n - 2), 0)) if (hi > lo) k.nodes2(0, l.base, lo, hi);
  return finish(l, treeIndex);
}

/**
 * Builds the tree with the leaf and node hashing spread over the kernel pool's threads. The leaves
 * are cut into chunks; the nodes into the subtrees under depth `top`, each hashed bottom-up by one
 * task, and the few nodes above them on this thread.
 */
export async function buildStandardTree(leaves: EncodedLeaves, options: BuildTreeOptions = {}): Promise<StandardTree> {
  const threads = options.threads ?? kernelThreads();
  const n = 'write' in leaves ? leaves.count : 'stride' in leaves ? leaves.bytes.length / leaves.stride : leaves.offsets.length - 1;
  if (threads < 2 || !(n >= (options.parallelFrom ?? PARALLEL_MIN_LEAVES)) || n < 4) return buildStandardTreeSync(leaves);
  const l = layOut(leaves);
  const tasks = Math.min(64, 2 * threads);
  const run = (fn: string, args: LeafChunk | NodeRanges) => runKernel<void>(KERNELS, fn, args, { signal: options.signal });
  await Promise.all(
    Array.from({ length: tasks }, (_, t) =>
      run('hashLeafChunk', leafChunk(l, SCRATCH_BYTES * (t + 1), Math.floor((t * n) / tasks), Math.floor(((t + 1) * n) / tasks))),
    ),
  );
  sortLeaves(l);
  const treeIndex = placeLeaves(l);
  // Subtrees rooted at depth `top`: at depth d >= top, root r's nodes are [(r + 1) 2^(d-top) - 1, (r + 2) 2^(d-top) - 1).
  const top = Math.ceil(Math.log2(tasks));
  const deepest = depthOf(n - 2);
  await Promise.all(
    Array.from({ length: 2 ** top }, (_, s) => {
      const r = 2 ** top - 1 + s;
      const ranges: [number, number][] = [];
      for (let d = deepest; d >= top; d--) {
        const w = 2 ** (d - top);
        const lo = (r + 1) * w - 1;
        ranges.push([lo, Math.max(lo, Math.min((r + 2) * w - 1, n - 1))]);
      }
      return run('hashNodeRanges', { memory: l.memory, st: SCRATCH_BYTES * (s + 1), base: l.base, ranges });
    }),
  );
  hashNodeRanges({ memory: l.memory, st: 0, base: l.base, ranges: levelRanges(n, top - 1, 0) });
  return finish(l, treeIndex);
}

export function nodeHex(nodes: Uint8Array, index: number): string {
  return '0x' + Buffer.from(nodes.buffer, nodes.byteOffset + 32 * index, 32).toString('hex');
}

/** The proof of the leaf at node `index`: its sibling, then each ancestor's sibling up to the root. */
export function proofOfNode(tree: Pick<StandardTree, 'nodes'>, index: number): string[] {
  const proof: string[] = [];
  for (let j = index; j > 0; j = (j - 1) >> 1) proof.push(nodeHex(tree.nodes, j % 2 === 1 ? j + 1 : j - 1));
  return proof;
}

/** All nodes as hex, as OZ's dump lists them. */
export function treeHex(tree: Pick<StandardTree, 'nodes'>): string[] {
  const hex = Buffer.from(tree.nodes.buffer, tree.nodes.byteOffset, tree.nodes.length).toString('hex');
  const out = new Array<string>(tree.nodes.length / 32);
  for (let i = 0; i < out.length; i++) out[i] = '0x' + hex.slice(64 * i, 64 * i + 64);
  return out;
}

const HASH = /^0x[0-9a-fA-F]{64}$/;

/** OpenZeppelin's MerkleProof.verify: fold the proof over the leaf hash with sorted pairs. */
export function verifyStandardProof(root: string, leafHash: string, proof: readonly string[]): boolean {
  for (const h of [root, leafHash, ...proof]) if (!HASH.test(h)) return false;
  const memory = sharedMemory(2);
  const u8 = new Uint8Array(memory.buffer);
  const k = keccakOn(memory);
  // Node 0 is the running hash; nodes 1 and 2 the pair being hashed.
  const at = DATA_START;
  u8.set(Buffer.from(leafHash.slice(2), 'hex'), at + 32);
  for (const sibling of proof) {
    u8.set(Buffer.from(sibling.slice(2), 'hex'), at + 64);
    k.nodes(0, at, 0, 1);
    u8.copyWithin(at + 32, at, at + 32);
  }
  return '0x' + Buffer.from(u8.subarray(at + 32, at + 64)).toString('hex') === root.toLowerCase();
}
