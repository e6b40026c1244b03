import { createHash } from 'node:crypto';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { closeKernelPool } from '@datanet/pipelines';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildContributionTree,
  contributionTree,
  chooseLeafEncoding,
  leafHash,
  normaliseContributionId,
  proofAt,
  verifyProof,
  type ContributionLeaf,
  type LeafEncoding,
} from '../src/merkle/contribution-tree.js';

const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => '0x' + Buffer.from(b).toString('hex'));
const addressLeaf = fc.record({ id: hex(32), contributor: hex(20) });
const stringLeaf = fc.record({ id: hex(32), contributor: fc.string({ minLength: 0, maxLength: 80 }) });

function uniqueById(leaves: ContributionLeaf[]) {
  return [...new Map(leaves.map((l) => [l.id, l])).values()];
}

function checkAgainstOz(leaves: ContributionLeaf[], encoding: LeafEncoding) {
  const values = leaves.map((l) => [l.id, l.contributor]);
  const types = encoding === 'address' ? ['bytes32', 'address'] : ['bytes32', 'string'];
  const oz = StandardMerkleTree.of(values, types);
  const ours = buildContributionTree(leaves, encoding);
  expect(ours.root).toBe(oz.root);
  leaves.forEach((l, i) => {
    const proof = proofAt(ours, ours.treeIndex[i]);
    expect(proof).toEqual(oz.getProof(i));
    expect(StandardMerkleTree.verify(oz.root, types, values[i], proof)).toBe(true);
    expect(verifyProof(ours.root, leafHash(l, encoding), proof)).toBe(true);
  });
}

describe('contribution Merkle tree', () => {
  afterAll(() => closeKernelPool());

  // Roots of published dataset versions must never change: these were computed by the builder
  // before it moved to the shared WebAssembly tree (commit ee4d74d's JavaScript keccak).
  it('keeps the roots it gave before, on one thread and across the pool', async () => {
    const sha = (s: string) => '0x' + createHash('sha256').update(s).digest('hex');
    const addr = Array.from({ length: 5000 }, (_, i) => ({
      id: sha('q' + i),
      contributor: '0x' + ((i % 500) + 1).toString(16).padStart(40, '0'),
    }));
    const names = ['NIH GARD', 'MedlinePlus', 'cancer.gov — PDQ 🩺'];
    const str = Array.from({ length: 3000 }, (_, i) => ({
      id: sha('t' + i),
      contributor: i % 4 === 3 ? 'x'.repeat(i % 90) : names[i % 4],
    }));
    const addressRoot = '0x54eec0b98053128a803c2d3ec74f27c9b43e7516cd7ec2eb1038e2d7df7c2cab';
    const stringRoot = '0x87ee078b5a9ba0286952822ab46394d94454cc7a8353edf009aed77633a674a6';
    expect(buildContributionTree(addr, 'address').root).toBe(addressRoot);
    expect(buildContributionTree(str, 'string').root).toBe(stringRoot);
    expect((await contributionTree(addr, 'address', { threads: 2, parallelFrom: 0 })).root).toBe(addressRoot);
    expect((await contributionTree(str, 'string', { threads: 2, parallelFrom: 0 })).root).toBe(stringRoot);
  }, 120_000);

  it('matches OpenZeppelin StandardMerkleTree for (bytes32, address) leaves', () => {
    fc.assert(
      fc.property(fc.array(addressLeaf, { minLength: 1, maxLength: 20 }), (leaves) => checkAgainstOz(uniqueById(leaves), 'address')),
      { numRuns: 40 },
    );
  });

  it('matches OpenZeppelin StandardMerkleTree for (bytes32, string) leaves, unicode included', () => {
    fc.assert(
      fc.property(fc.array(stringLeaf, { minLength: 1, maxLength: 12 }), (leaves) => checkAgainstOz(uniqueById(leaves), 'string')),
      { numRuns: 40 },
    );
    checkAgainstOz([{ id: '0x' + 'ab'.repeat(32), contributor: 'NIH — GARD 🩺 '.repeat(5) }], 'string');
  });

  it('gives the same root whatever the arrival order', () => {
    fc.assert(
      fc.property(fc.array(addressLeaf, { minLength: 2, maxLength: 30 }), fc.integer(), (leaves, seed) => {
        const set = uniqueById(leaves);
        const shuffled = [...set].sort((a, b) => (a.id.charCodeAt(5 + (seed & 7)) ^ seed) - (b.id.charCodeAt(5 + (seed & 7)) ^ seed));
        expect(buildContributionTree(shuffled, 'address').root).toBe(buildContributionTree(set, 'address').root);
      }),
      { numRuns: 30 },
    );
  });

  it('rejects a tampered proof', () => {
    const leaves = [1, 2, 3, 4, 5].map((i) => ({ id: '0x' + String(i).repeat(64), contributor: '0x' + String(i).repeat(40) }));
    const t = buildContributionTree(leaves, 'address');
    const proof = proofAt(t, t.treeIndex[2]);
    expect(verifyProof(t.root, leafHash(leaves[2], 'address'), proof)).toBe(true);
    expect(verifyProof(t.root, leafHash(leaves[3], 'address'), proof)).toBe(false);
  });

  it('normalises ids and says what a bad id is', () => {
    const h = 'AB'.repeat(32);
    expect(normaliseContributionId(`sha256:${h}`)).toBe('0x' + h.toLowerCase());
    expect(normaliseContributionId(`0x${h}`)).toBe('0x' + h.toLowerCase());
    expect(() => normaliseContributionId('abc')).toThrow(/contribution id "abc" is not a 32-byte hash/);
    expect(chooseLeafEncoding(['0x' + '1'.repeat(40)])).toBe('address');
    expect(chooseLeafEncoding(['0x' + '1'.repeat(40), 'nih-gard'])).toBe('string');
  });
});
