import { keccak256 } from 'ethers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keccak256Wasm } from '../src/merkle/keccak-wasm.js';

describe('keccak256 in WebAssembly', () => {
  it('equals ethers keccak256 for every length across several 136-byte blocks', () => {
    for (let len = 0; len <= 3 * 136 + 1; len++) {
      const bytes = Uint8Array.from({ length: len }, (_, i) => (i * 131 + len) & 0xff);
      expect('0x' + Buffer.from(keccak256Wasm(bytes)).toString('hex')).toBe(keccak256(bytes));
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (bytes) => {
        expect('0x' + Buffer.from(keccak256Wasm(bytes)).toString('hex')).toBe(keccak256(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('hashes the empty string to the known constant', () => {
    expect(Buffer.from(keccak256Wasm(new Uint8Array(0))).toString('hex')).toBe(
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    );
  });
});
