import { keccakOn } from './keccak-wasm.js';
import type { SharedWasmMemory } from './wasm-api.js';

/**
 * The kernels of the standard Merkle tree, run in @datanet/pipelines' thread pool. They work on a
 * shared WebAssembly memory laid out by standard-tree.ts and return nothing: the hashes land in
 * that memory, where the caller reads them. `st` is the scratch region given to this task.
 */
export interface LeafChunk {
  memory: SharedWasmMemory;
  st: number;
  /** Fixed-size records: the first one, stride and length; or `offsets` (pointer to count + 1 u32 addresses). */
  input: number;
  stride: number;
  length: number;
  offsets: number;
  count: number;
  out: number;
}

export function hashLeafChunk(c: LeafChunk): void {
  const k = keccakOn(c.memory);
  if (c.offsets) k.leavesVar2(c.st, c.offsets, c.count, c.out);
  else if (c.length < 136) k.leaves2(c.st, c.input, c.stride, c.length, c.count, c.out);
  else k.leaves(c.st, c.input, c.stride, c.length, c.count, c.out);
}

export interface NodeRanges {
  memory: SharedWasmMemory;
  st: number;
  /** Address of node 0. */
  base: number;
  /** [lo, hi) node ranges, hashed in this order: each range's children must be done before it. */
  ranges: [number, number][];
}

export function hashNodeRanges(r: NodeRanges): void {
  const k = keccakOn(r.memory);
  for (const [lo, hi] of r.ranges) if (hi > lo) k.nodes2(r.st, r.base, lo, hi);
}
