/**
 * Keccak-256 (Ethereum's, not SHA3-256) for inputs shorter than one 136-byte block: the Merkle
 * leaves and nodes we hash are 32, 64 or ~100 bytes. Written out because the general-purpose
 * implementations spend most of their time allocating: at 100k leaves the tree needs ~300k
 * hashes. Lanes are (lo, hi) 32-bit pairs; tested against ethers' keccak256.
 */
const RC = [
  0x00000001, 0x00000000, 0x00008082, 0x00000000, 0x0000808a, 0x80000000, 0x80008000, 0x80000000, 0x0000808b, 0x00000000, 0x80000001,
  0x00000000, 0x80008081, 0x80000000, 0x00008009, 0x80000000, 0x0000008a, 0x00000000, 0x00000088, 0x00000000, 0x80008009, 0x00000000,
  0x8000000a, 0x00000000, 0x8000808b, 0x00000000, 0x0000008b, 0x80000000, 0x00008089, 0x80000000, 0x00008003, 0x80000000, 0x00008002,
  0x80000000, 0x00000080, 0x80000000, 0x0000800a, 0x00000000, 0x8000000a, 0x80000000, 0x80008081, 0x80000000, 0x00008080, 0x80000000,
  0x80000001, 0x00000000, 0x80008008, 0x80000000,
];

const s = new Int32Array(50);
const block = new Uint8Array(136);
const blockView = new DataView(block.buffer);

// Unrolled (generated once from the textbook loop) because V8 keeps the 50 words in registers.
function keccakF(): void {
  for (let round = 0; round < 48; round += 2) {
    const c0 = s[0] ^ s[10] ^ s[20] ^ s[30] ^ s[40];
    const c1 = s[1] ^ s[11] ^ s[21] ^ s[31] ^ s[41];
    const c2 = s[2] ^ s[12] ^ s[22] ^ s[32] ^ s[42];
    const c3 = s[3] ^ s[13] ^ s[23] ^ s[33] ^ s[43];
    const c4 = s[4] ^ s[14] ^ s[24] ^ s[34] ^ s[44];
    const c5 = s[5] ^ s[15] ^ s[25] ^ s[35] ^ s[45];
    const c6 = s[6] ^ s[16] ^ s[26] ^ s[36] ^ s[46];
    const c7 = s[7] ^ s[17] ^ s[27] ^ s[37] ^ s[47];
    const c8 = s[8] ^ s[18] ^ s[28] ^ s[38] ^ s[48];
    const c9 = s[9] ^ s[19] ^ s[29] ^ s[39] ^ s[49];
    const d0 = c8 ^ ((c2 << 1) | (c3 >>> 31));
    const d1 = c9 ^ ((c3 << 1) | (c2 >>> 31));
    const d2 = c0 ^ ((c4 << 1) | (c5 >>> 31));
    const d3 = c1 ^ ((c5 << 1) | (c4 >>> 31));
    const d4 = c2 ^ ((c6 << 1) | (c7 >>> 31));
    const d5 = c3 ^ ((c7 << 1) | (c6 >>> 31));
    const d6 = c4 ^ ((c8 << 1) | (c9 >>> 31));
    const d7 = c5 ^ ((c9 << 1) | (c8 >>> 31));
    const d8 = c6 ^ ((c0 << 1) | (c1 >>> 31));
    const d9 = c7 ^ ((c1 << 1) | (c0 >>> 31));
    const a0 = s[0] ^ d0;
    const a1 = s[1] ^ d1;
    const a2 = s[2] ^ d2;
    const a3 = s[3] ^ d3;
    const a4 = s[4] ^ d4;
    const a5 = s[5] ^ d5;
    const a6 = s[6] ^ d6;
    const a7 = s[7] ^ d7;
    const a8 = s[8] ^ d8;
    const a9 = s[9] ^ d9;
    const a10 = s[10] ^ d0;
    const a11 = s[11] ^ d1;
    const a12 = s[12] ^ d2;
    const a13 = s[13] ^ d3;
    const a14 = s[14] ^ d4;
    const a15 = s[15] ^ d5;
    const a16 = s[16] ^ d6;
    const a17 = s[17] ^ d7;
    const a18 = s[18] ^ d8;
    const a19 = s[19] ^ d9;
    const a20 = s[20] ^ d0;
    const a21 = s[21] ^ d1;
    const a22 = s[22] ^ d2;
    const a23 = s[23] ^ d3;
    const a24 = s[24] ^ d4;
    const a25 = s[25] ^ d5;
    const a26 = s[26] ^ d6;
    const a27 = s[27] ^ d7;
    const a28 = s[28] ^ d8;
    const a29 = s[29] ^ d9;
    const a30 = s[30] ^ d0;
    const a31 = s[31] ^ d1;
    const a32 = s[32] ^ d2;
    const a33 = s[33] ^ d3;
    const a34 = s[34] ^ d4;
    const a35 = s[35] ^ d5;
    const a36 = s[36] ^ d6;
    const a37 = s[37] ^ d7;
    const a38 = s[38] ^ d8;
    const a39 = s[39] ^ d9;
    const a40 = s[40] ^ d0;
    const a41 = s[41] ^ d1;
    const a42 = s[42] ^ d2;
    const a43 = s[43] ^ d3;
    const a44 = s[44] ^ d4;
    const a45 = s[45] ^ d5;
    const a46 = s[46] ^ d6;
    const a47 = s[47] ^ d7;
    const a48 = s[48] ^ d8;
    const a49 = s[49] ^ d9;
    const b0 = a0;
    const b1 = a1;
    const b2 = (a13 << 12) | (a12 >>> 20);
    const b3 = (a12 << 12) | (a13 >>> 20);
    const b4 = (a25 << 11) | (a24 >>> 21);
    const b5 = (a24 << 11) | (a25 >>> 21);
    const b6 = (a36 << 21) | (a37 >>> 11);
    const b7 = (a37 << 21) | (a36 >>> 11);
    const b8 = (a48 << 14) | (a49 >>> 18);
    const b9 = (a49 << 14) | (a48 >>> 18);
    const b10 = (a6 << 28) | (a7 >>> 4);
    const b11 = (a7 << 28) | (a6 >>> 4);
    const b12 = (a18 << 20) | (a19 >>> 12);
    const b13 = (a19 << 20) | (a18 >>> 12);
    const b14 = (a20 << 3) | (a21 >>> 29);
    const b15 = (a21 << 3) | (a20 >>> 29);
    const b16 = (a33 << 13) | (a32 >>> 19);
    const b17 = (a32 << 13) | (a33 >>> 19);
    const b18 = (a45 << 29) | (a44 >>> 3);
    const b19 = (a44 << 29) | (a45 >>> 3);
    const b20 = (a2 << 1) | (a3 >>> 31);
    const b21 = (a3 << 1) | (a2 >>> 31);
    const b22 = (a14 << 6) | (a15 >>> 26);
    const b23 = (a15 << 6) | (a14 >>> 26);
    const b24 = (a26 << 25) | (a27 >>> 7);
    const b25 = (a27 << 25) | (a26 >>> 7);
    const b26 = (a38 << 8) | (a39 >>> 24);
    const b27 = (a39 << 8) | (a38 >>> 24);
    const b28 = (a40 << 18) | (a41 >>> 14);
    const b29 = (a41 << 18) | (a40 >>> 14);
    const b30 = (a8 << 27) | (a9 >>> 5);
    const b31 = (a9 << 27) | (a8 >>> 5);
    const b32 = (a11 << 4) | (a10 >>> 28);
    const b33 = (a10 << 4) | (a11 >>> 28);
    const b34 = (a22 << 10) | (a23 >>> 22);
    const b35 = (a23 << 10) | (a22 >>> 22);
    const b36 = (a34 << 15) | (a35 >>> 17);
    const b37 = (a35 << 15) | (a34 >>> 17);
    const b38 = (a47 << 24) | (a46 >>> 8);
    const b39 = (a46 << 24) | (a47 >>> 8);
    const b40 = (a5 << 30) | (a4 >>> 2);
    const b41 = (a4 << 30) | (a5 >>> 2);
    const b42 = (a17 << 23) | (a16 >>> 9);
    const b43 = (a16 << 23) | (a17 >>> 9);
    const b44 = (a29 << 7) | (a28 >>> 25);
    const b45 = (a28 << 7) | (a29 >>> 25);
    const b46 = (a31 << 9) | (a30 >>> 23);
    const b47 = (a30 << 9) | (a31 >>> 23);
    const b48 = (a42 << 2) | (a43 >>> 30);
    const b49 = (a43 << 2) | (a42 >>> 30);
    s[0] = b0 ^ (~b2 & b4);
    s[1] = b1 ^ (~b3 & b5);
    s[2] = b2 ^ (~b4 & b6);
    s[3] = b3 ^ (~b5 & b7);
    s[4] = b4 ^ (~b6 & b8);
    s[5] = b5 ^ (~b7 & b9);
    s[6] = b6 ^ (~b8 & b0);
    s[7] = b7 ^ (~b9 & b1);
    s[8] = b8 ^ (~b0 & b2);
    s[9] = b9 ^ (~b1 & b3);
    s[10] = b10 ^ (~b12 & b14);
    s[11] = b11 ^ (~b13 & b15);
    s[12] = b12 ^ (~b14 & b16);
    s[13] = b13 ^ (~b15 & b17);
    s[14] = b14 ^ (~b16 & b18);
    s[15] = b15 ^ (~b17 & b19);
    s[16] = b16 ^ (~b18 & b10);
    s[17] = b17 ^ (~b19 & b11);
    s[18] = b18 ^ (~b10 & b12);
    s[19] = b19 ^ (~b11 & b13);
    s[20] = b20 ^ (~b22 & b24);
    s[21] = b21 ^ (~b23 & b25);
    s[22] = b22 ^ (~b24 & b26);
    s[23] = b23 ^ (~b25 & b27);
    s[24] = b24 ^ (~b26 & b28);
    s[25] = b25 ^ (~b27 & b29);
    s[26] = b26 ^ (~b28 & b20);
    s[27] = b27 ^ (~b29 & b21);
    s[28] = b28 ^ (~b20 & b22);
    s[29] = b29 ^ (~b21 & b23);
    s[30] = b30 ^ (~b32 & b34);
    s[31] = b31 ^ (~b33 & b35);
    s[32] = b32 ^ (~b34 & b36);
    s[33] = b33 ^ (~b35 & b37);
    s[34] = b34 ^ (~b36 & b38);
    s[35] = b35 ^ (~b37 & b39);
    s[36] = b36 ^ (~b38 & b30);
    s[37] = b37 ^ (~b39 & b31);
    s[38] = b38 ^ (~b30 & b32);
    s[39] = b39 ^ (~b31 & b33);
    s[40] = b40 ^ (~b42 & b44);
    s[41] = b41 ^ (~b43 & b45);
    s[42] = b42 ^ (~b44 & b46);
    s[43] = b43 ^ (~b45 & b47);
    s[44] = b44 ^ (~b46 & b48);
    s[45] = b45 ^ (~b47 & b49);
    s[46] = b46 ^ (~b48 & b40);
    s[47] = b47 ^ (~b49 & b41);
    s[48] = b48 ^ (~b40 & b42);
    s[49] = b49 ^ (~b41 & b43);
    s[0] ^= RC[round];
    s[1] ^= RC[round + 1];
  }
}

/** keccak256(input[offset, offset+length)) written to out[outOffset, outOffset+32). */
export function keccak256Into(input: Uint8Array, offset: number, length: number, out: Uint8Array, outOffset: number): void {
  if (length > 135) throw new RangeError(`keccak256Into takes at most 135 bytes, got ${length}`);
  block.fill(0);
  block.set(input.subarray(offset, offset + length));
  block[length] ^= 0x01;
  block[135] ^= 0x80;
  s.fill(0);
  for (let i = 0; i < 34; i++) s[i] = blockView.getInt32(4 * i, true);
  keccakF();
  for (let i = 0; i < 8; i++) {
    const v = s[i];
    const o = outOffset + 4 * i;
    out[o] = v & 0xff;
    out[o + 1] = (v >>> 8) & 0xff;
    out[o + 2] = (v >>> 16) & 0xff;
    out[o + 3] = (v >>> 24) & 0xff;
  }
}

export function keccak256Bytes(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  keccak256Into(input, 0, input.length, out, 0);
  return out;
}
