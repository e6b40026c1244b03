import { keccak256 } from 'ethers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keccak256Bytes } from '../src/merkle/keccak256.js';

describe('keccak256 for short inputs', () => {
  it('equals ethers keccak256 for every length up to 135 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 135 }), (bytes) => {
        expect('0x' + Buffer.from(keccak256Bytes(bytes)).toString('hex')).toBe(keccak256(bytes));
      }),
      { numRuns: 300 },
    );
    expect(Buffer.from(keccak256Bytes(new Uint8Array(0))).toString('hex')).toBe(
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    );
  });
  it('refuses inputs longer than one block', () => {
    expect(() => keccak256Bytes(new Uint8Array(136))).toThrow(/at most 135 bytes/);
  });
});
