import { createHash } from 'node:crypto';
import { closeKernelPool } from '@datanet/pipelines';
import { keccak256, solidityPacked } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { buildStandardTree, buildStandardTreeSync, proofOfNode, treeHex, verifyStandardProof } from '../src/merkle/standard-tree.js';

// The OZ comparisons live with the two trees built on this one (settlement's reward tree on 10k
// leaves, the dataset's contribution tree); here: the tree's own rules and thread-count independence.
const records = (n: number, size: (i: number) => number) => {
  const parts = Array.from({ length: n }, (_, i) => createHash('sha512').update(`leaf ${i}`).digest().subarray(0, size(i)));
  const offsets = new Uint32Array(n + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i] + p.length));
  return { parts, bytes: Buffer.concat(parts), offsets };
};
const leafOf = (record: Uint8Array) => keccak256(keccak256(record));
const sortedPair = (a: string, b: string) => keccak256(solidityPacked(['bytes32', 'bytes32'], a <= b ? [a, b] : [b, a]));

describe('standard Merkle tree', () => {
  afterAll(() => closeKernelPool());

  it('follows OZ layout by definition: sorted leaves at the end, parents hash the sorted pair', () => {
    const { parts, bytes, offsets } = records(13, (i) => 1 + ((i * 37) % 60));
    const tree = buildStandardTreeSync({ bytes, offsets });
    const hex = treeHex(tree);
    const leaves = parts.map(leafOf);
    expect(hex.slice(hex.length - 13)).toEqual([...leaves].sort().reverse());
    for (let i = 0; i < 12; i++) expect(hex[i]).toBe(sortedPair(hex[2 * i + 1], hex[2 * i + 2]));
    leaves.forEach((leaf, i) => {
      expect(hex[tree.treeIndex[i]]).toBe(leaf);
      expect(verifyStandardProof(tree.root, leaf, proofOfNode(tree, tree.treeIndex[i]))).toBe(true);
    });
    expect(verifyStandardProof(tree.root, leaves[0], proofOfNode(tree, tree.treeIndex[1]))).toBe(false);
  });

  it('gives identical bytes hashed on one thread or across the pool, fixed-size or offset records', async () => {
    const n = 50_001;
    const { bytes, offsets } = records(n, () => 64);
    const one = buildStandardTreeSync({ bytes, stride: 64 });
    const pooled = await buildStandardTree({ bytes, stride: 64 }, { threads: 2 });
    const byOffsets = await buildStandardTree({ bytes, offsets }, { threads: 3, parallelFrom: 0 });
    expect(Buffer.from(pooled.nodes).equals(Buffer.from(one.nodes))).toBe(true);
    expect(Buffer.from(byOffsets.nodes).equals(Buffer.from(one.nodes))).toBe(true);
    expect([...pooled.treeIndex]).toEqual([...one.treeIndex]);
  }, 120_000);

  it('hashes leaves two at a time (SIMD) as one at a time: every length around the 136-byte block, odd counts', () => {
    const bytesOf = (len: number, seed: number) => Uint8Array.from({ length: len }, (_, i) => (i * 131 + seed * 17 + len) & 0xff);
    // Offset records: lengths 0..200, so pairs mix one-block and two-block records.
    const lengths = Array.from({ length: 201 }, (_, i) => (i * 89) % 201);
    const parts = lengths.map((len, i) => bytesOf(len, i));
    const offsets = new Uint32Array(parts.length + 1);
    parts.forEach((p, i) => (offsets[i + 1] = offsets[i] + p.length));
    const tree = buildStandardTreeSync({ bytes: Buffer.concat(parts), offsets });
    const hex = treeHex(tree);
    parts.forEach((p, i) => expect(hex[tree.treeIndex[i]]).toBe(leafOf(p)));
    for (let i = 0; i < parts.length - 1; i++) expect(hex[i]).toBe(sortedPair(hex[2 * i + 1], hex[2 * i + 2]));
    // Fixed-size records: one block (pairs) up to 135 bytes, then the one-at-a-time path.
    for (const stride of [1, 7, 8, 9, 64, 127, 128, 135, 136, 200]) {
      const recs = Array.from({ length: 7 }, (_, i) => bytesOf(stride, i));
      const t = buildStandardTreeSync({ bytes: Buffer.concat(recs), stride });
      const h = treeHex(t);
      recs.forEach((r, i) => expect(h[t.treeIndex[i]]).toBe(leafOf(r)));
      for (let i = 0; i < 6; i++) expect(h[i]).toBe(sortedPair(h[2 * i + 1], h[2 * i + 2]));
    }
  });

  it('keeps input order between equal leaves, and builds one- and two-leaf trees', () => {
    const same = Buffer.alloc(64 * 3, 7);
    const t = buildStandardTreeSync({ bytes: same, stride: 64 });
    expect([...t.treeIndex]).toEqual([4, 3, 2]);
    const single = buildStandardTreeSync({ bytes: Buffer.from('ab'), stride: 2 });
    expect(single.root).toBe(leafOf(Buffer.from('ab')));
    expect(proofOfNode(single, 0)).toEqual([]);
  });

  it('says what is wrong with its input', () => {
    expect(() => buildStandardTreeSync({ bytes: Buffer.alloc(10), stride: 64 })).toThrow(/not whole records of 64 bytes/);
    expect(() => buildStandardTreeSync({ bytes: Buffer.alloc(0), stride: 64 })).toThrow(/no leaves/);
    expect(() => buildStandardTreeSync({ bytes: Buffer.alloc(4), offsets: Uint32Array.from([0, 3]) })).toThrow(/end at the byte length/);
  });
});
