import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildContributionTree,
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
