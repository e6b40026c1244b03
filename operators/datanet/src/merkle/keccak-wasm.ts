/**
 * Keccak-256 (Ethereum's padding, not SHA3-256's) as a small WebAssembly module, emitted here byte
 * by byte so no toolchain or download is needed. WebAssembly has native 64-bit lanes and rotates,
 * which JavaScript lacks (a lane there is two 32-bit halves), so one permutation costs a fraction
 * of the JS version; and the loops over leaves and tree levels run inside the module, with no call
 * per hash. The memory is imported and shared, so pool threads hash disjoint parts of one tree.
 *
 * Exports (all pointers are byte offsets into the shared memory; `st` is a 264-byte scratch
 * region of the calling thread: 200 bytes of state, then a 64-byte pair buffer):
 *   keccak(st, in, len, out)                     out[0..32) = keccak256(in[0..len))
 *   leaves(st, in, stride, len, count, out)      OZ leaf hash of `count` records `stride` apart
 *   leavesVar(st, offsets, count, out)           same, records delimited by count+1 u32 offsets
 *   nodes(st, base, lo, hi)                      OZ node i = keccak256(sorted(child 2i+1, child 2i+2)) for lo <= i < hi
 *   leaves2(st, in, stride, len, count, out)     as leaves, for len < 136 (one block): two records per permutation
 *   leavesVar2(st, offsets, count, out)          as leavesVar, two records per permutation when both are < 136 bytes
 *   nodes2(st, base, lo, hi)                     as nodes, two nodes per permutation
 *   place(hashes, base, order, n, treeIndex)     the hashed leaves into their nodes, in `order` (u32s)
 *
 * The `2` forms run two independent messages through one permutation in 128-bit SIMD lanes (i64x2):
 * the leaves are independent, and so are the nodes of one tree level. `st` then holds the two
 * states interleaved (lane i of message 0 at 16i, of message 1 at 16i + 8: 400 bytes).
 */

import { sharedMemory, wasm, type SharedWasmMemory } from './wasm-api.js';
import { wasmModule } from './wasm-asm.js';

// Rotation of lane x + 5y, and the round constants (FIPS 202).
const ROT = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];
const RC = [
  0x0000000000000001n,
  0x0000000000008082n,
  0x800000000000808an,
  0x8000000080008000n,
  0x000000000000808bn,
  0x0000000080000001n,
  0x8000000080008081n,
  0x8000000000008009n,
  0x000000000000008an,
  0x0000000000000088n,
  0x0000000080008009n,
  0x000000008000000an,
  0x000000008000808bn,
  0x800000000000008bn,
  0x8000000000008089n,
  0x8000000000008003n,
  0x8000000000008002n,
  0x8000000000000080n,
  0x000000000000800an,
  0x800000008000000an,
  0x8000000080008081n,
  0x8000000000008080n,
  0x0000000080000001n,
  0x8000000080008008n,
];

/** How one permutation body handles its lanes: one state (i64 locals) or two interleaved (v128). */
interface LaneOps {
  /** Bytes per lane in the state at st. */
  bytes: number;
  load: string;
  store: string;
  xor: string;
  /** Rotates the lane on the stack left by r; local `v` holds the same value (the paired form reads it again). */
  rotl(v: number, r: number): string;
  /** Whether rho must first store its value in the lane's local for `rotl` to read it. */
  tee: boolean;
  /** b0 ^ (~b1 & b2), from three locals. */
  chi(b0: number, b1: number, b2: number): string;
  /** Loads this round's constant (address on the stack) as a lane. */
  rc: string;
}

const SCALAR: LaneOps = {
  bytes: 8,
  load: 'i64.load',
  store: 'i64.store',
  xor: 'i64.xor',
  rotl: (_v, r) => `i64.const ${r} i64.rotl`,
  tee: false,
  chi: (b0, b1, b2) => `local.get ${b0} local.get ${b1} i64.const -1 i64.xor local.get ${b2} i64.and i64.xor`,
  rc: 'i64.load',
};

// Two states at once: rotations are a shift each way and an or (they read the lane again from its
// local); chi's ~b1 & b2 is one v128.andnot.
const PAIRED: LaneOps = {
  bytes: 16,
  load: 'v128.load',
  store: 'v128.store',
  xor: 'v128.xor',
  rotl: (v, r) => `i32.const ${r} i64x2.shl local.get ${v} i32.const ${64 - r} i64x2.shr_u v128.or`,
  tee: true,
  chi: (b0, b1, b2) => `local.get ${b0} local.get ${b2} local.get ${b1} v128.andnot v128.xor`,
  rc: 'v128.load64_splat',
};

/**
 * permute(st) / permute2(st): keccak-f[1600] on the 25 lanes at st (one state, or two interleaved:
 * lane i of message 0 at 16i, of message 1 at 16i + 8, each local a v128 of both); the lanes live
 * in locals a (2..26), b, c, d; local 1 counts rounds. One round per loop turn, not 24 unrolled:
 * the unrolled body (~30 KB of machine code) overflowed the instruction cache and ran at half this
 * speed.
 */
function permuteBody(ops: LaneOps): string {
  const round = 1;
  const a = (i: number) => 2 + i;
  const b = (i: number) => 27 + i;
  const c = (i: number) => 52 + i;
  const d = (i: number) => 57 + i;
  const code: string[] = [];
  for (let i = 0; i < 25; i++) code.push(`local.get 0 ${ops.load} offset=${ops.bytes * i} local.set ${a(i)}`);
  code.push(`i32.const 0 local.set ${round} loop`);
  for (let x = 0; x < 5; x++) {
    code.push(`local.get ${a(x)}`);
    for (let y = 1; y < 5; y++) code.push(`local.get ${a(x + 5 * y)} ${ops.xor}`);
    code.push(`local.set ${c(x)}`);
  }
  for (let x = 0; x < 5; x++) {
    const c1 = c((x + 1) % 5);
    code.push(`local.get ${c((x + 4) % 5)} local.get ${c1} ${ops.rotl(c1, 1)} ${ops.xor} local.set ${d(x)}`);
  }
  // theta's xor, then rho (rotate) and pi (move lane x + 5y to y + 5((2x + 3y) mod 5)).
  for (let x = 0; x < 5; x++) {
    for (let y = 0; y < 5; y++) {
      const i = x + 5 * y;
      // a(i) is read here only, so it may hold a ^ d for a rotation that reads its lane twice.
      const rot = ROT[i] ? `${ops.tee ? `local.tee ${a(i)} ` : ''}${ops.rotl(a(i), ROT[i])}` : '';
      code.push(`local.get ${a(i)} local.get ${d(x)} ${ops.xor} ${rot} local.set ${b(y + 5 * ((2 * x + 3 * y) % 5))}`);
    }
  }
  // chi: a = b ^ (~b1 & b2); iota on lane 0 with this round's constant from the table at RC_AT.
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      const iota = x === 0 && y === 0 ? `local.get ${round} i32.const 3 i32.shl ${ops.rc} offset=${RC_AT} ${ops.xor}` : '';
      code.push(`${ops.chi(b(x + 5 * y), b(((x + 1) % 5) + 5 * y), b(((x + 2) % 5) + 5 * y))} ${iota} local.set ${a(x + 5 * y)}`);
    }
  }
  code.push(`local.get ${round} i32.const 1 i32.add local.tee ${round} i32.const 24 i32.lt_u br_if 0 end`);
  for (let i = 0; i < 25; i++) code.push(`local.get 0 local.get ${a(i)} ${ops.store} offset=${ops.bytes * i}`);
  return code.join('\n');
}

// Function indices (the order of the list in emitModule).
const PERMUTE = 0;
const KECCAK = 1;
const NODES = 4;
const PERMUTE2 = 5;
const ABSORB2 = 6;
const CHILDREN2 = 7;

/** st[i..i+8) ^= in[i..i+8), with locals st = 0, in = 1, i = 4. */
const XOR_LANE = `local.get 0 local.get 4 i32.add
  local.get 0 local.get 4 i32.add i64.load
  local.get 1 local.get 4 i32.add i64.load
  i64.xor i64.store`;

/** keccak(st 0, in 1, len 2, out 3); local i 4. */
const KECCAK_BODY = `
  local.get 0 i32.const 0 i32.const 200 memory.fill
  block loop                                    ;; whole 136-byte blocks
    local.get 2 i32.const 136 i32.lt_u br_if 1
    i32.const 0 local.set 4
    loop ${XOR_LANE} local.get 4 i32.const 8 i32.add local.tee 4 i32.const 136 i32.lt_u br_if 0 end
    local.get 0 call ${PERMUTE}
    local.get 1 i32.const 136 i32.add local.set 1
    local.get 2 i32.const 136 i32.sub local.set 2
    br 0
  end end
  i32.const 0 local.set 4                       ;; the last, partial block: lanes, then bytes
  block loop
    local.get 4 i32.const 8 i32.add local.get 2 i32.gt_u br_if 1
    ${XOR_LANE} local.get 4 i32.const 8 i32.add local.set 4 br 0
  end end
  block loop
    local.get 4 local.get 2 i32.ge_u br_if 1
    local.get 0 local.get 4 i32.add
    local.get 0 local.get 4 i32.add i32.load8_u
    local.get 1 local.get 4 i32.add i32.load8_u
    i32.xor i32.store8
    local.get 4 i32.const 1 i32.add local.set 4 br 0
  end end
  local.get 0 local.get 2 i32.add               ;; padding: 0x01 after the message, 0x80 at byte 135
  local.get 0 local.get 2 i32.add i32.load8_u i32.const 1 i32.xor i32.store8
  local.get 0 local.get 0 i32.load8_u offset=135 i32.const 128 i32.xor i32.store8 offset=135
  local.get 0 call ${PERMUTE}
  local.get 3 local.get 0 i32.const 32 memory.copy`;

/** OZ's leaf hash of the record at local `rec`, length `len` (instruction text), into local `out`. */
const leafHash = (rec: number, len: string, out: number) =>
  `local.get 0 local.get ${rec} ${len} local.get ${out} call ${KECCAK}
   local.get 0 local.get ${out} i32.const 32 local.get ${out} call ${KECCAK}`;

/** Runs `body` while local `count` > 0, decrementing it. */
const countdown = (count: number, body: string) => `block loop
  local.get ${count} i32.eqz br_if 1
  ${body}
  local.get ${count} i32.const 1 i32.sub local.set ${count} br 0
end end`;

/** leaves(st 0, in 1, stride 2, len 3, count 4, out 5) */
const LEAVES_BODY = countdown(
  4,
  `${leafHash(1, 'local.get 3', 5)}
   local.get 1 local.get 2 i32.add local.set 1
   local.get 5 i32.const 32 i32.add local.set 5`,
);

/** leavesVar(st 0, offsets 1, count 2, out 3); local rec 4. */
const LEAVES_VAR_BODY = countdown(
  2,
  `local.get 1 i32.load local.set 4
   ${leafHash(4, 'local.get 1 i32.load offset=4 local.get 1 i32.load i32.sub', 3)}
   local.get 1 i32.const 4 i32.add local.set 1
   local.get 3 i32.const 32 i32.add local.set 3`,
);

/**
 * Children at locals a (4) and b (5), 32 bytes each: swaps them so that a is the smaller (OZ
 * hashes a node's children sorted); locals k (6), x (7), y (8) start at 0.
 */
const SMALLER_CHILD_FIRST = `block loop        ;; first differing byte; equal children leave x == y
    local.get 6 i32.const 32 i32.ge_u br_if 1
    local.get 4 local.get 6 i32.add i32.load8_u local.tee 7
    local.get 5 local.get 6 i32.add i32.load8_u local.tee 8
    i32.ne br_if 1
    local.get 6 i32.const 1 i32.add local.set 6 br 0
  end end
  local.get 7 local.get 8 i32.gt_u if local.get 4 local.get 5 local.set 4 local.set 5 end`;

/** nodes(st 0, base 1, lo 2, hi 3); locals a 4, b 5, k 6, x 7, y 8. Node i hashes children 2i+1 and 2i+2. */
const NODES_BODY = `block loop
  local.get 2 local.get 3 i32.ge_u br_if 1
  local.get 1 local.get 2 i32.const 6 i32.shl i32.add i32.const 32 i32.add local.tee 4
  i32.const 32 i32.add local.set 5
  i32.const 0 local.set 6 i32.const 0 local.set 7 i32.const 0 local.set 8
  ${SMALLER_CHILD_FIRST}
  local.get 0 i32.const 200 i32.add local.get 4 i32.const 32 memory.copy
  local.get 0 i32.const 232 i32.add local.get 5 i32.const 32 memory.copy
  local.get 0 local.get 0 i32.const 200 i32.add i32.const 64
  local.get 1 local.get 2 i32.const 5 i32.shl i32.add call ${KECCAK}
  local.get 2 i32.const 1 i32.add local.set 2 br 0
end end`;

/** Both lanes' padding of a 64-byte message: 0x01 at byte 64 (lane 8), 0x80 at byte 135 (lane 16's top byte). */
const PAD_LANE_16 = `v128.const_i64x2 9223372036854775808 9223372036854775808 v128.store offset=256`;

/**
 * absorb2(st 0, slot 1, src 2, len 3); local j 4. Message bytes [src, src + len), len < 136, and
 * their padding into the zeroed interleaved state at slot 0 or 8: byte j goes to
 * st + slot + 2 (j & -8) + (j & 7).
 */
const ABSORB2_BODY = `
  i32.const 0 local.set 4
  block loop                                    ;; whole 8-byte lanes
    local.get 4 i32.const 8 i32.add local.get 3 i32.gt_u br_if 1
    local.get 0 local.get 1 i32.add local.get 4 i32.const 1 i32.shl i32.add
    local.get 2 local.get 4 i32.add i64.load
    i64.store
    local.get 4 i32.const 8 i32.add local.set 4 br 0
  end end
  block loop                                    ;; the last bytes
    local.get 4 local.get 3 i32.ge_u br_if 1
    local.get 0 local.get 1 i32.add local.get 4 i32.const -8 i32.and i32.const 1 i32.shl i32.add local.get 4 i32.const 7 i32.and i32.add
    local.get 2 local.get 4 i32.add i32.load8_u
    i32.store8
    local.get 4 i32.const 1 i32.add local.set 4 br 0
  end end
  local.get 0 local.get 1 i32.add local.get 3 i32.const -8 i32.and i32.const 1 i32.shl i32.add local.get 3 i32.const 7 i32.and i32.add
  local.tee 4 local.get 4 i32.load8_u i32.const 1 i32.xor i32.store8
  local.get 0 local.get 1 i32.add local.tee 4
  local.get 4 i32.load8_u offset=263 i32.const 128 i32.xor i32.store8 offset=263`;

/** The first 32 bytes of each interleaved state (the two digests) to out (slot 0) and out + 32 (slot 8). */
const squeeze2 = (out: number) =>
  [0, 1, 2, 3]
    .map(
      (k) =>
        `local.get ${out} local.get 0 i64.load offset=${16 * k} i64.store offset=${8 * k}
         local.get ${out} local.get 0 i64.load offset=${16 * k + 8} i64.store offset=${32 + 8 * k}`,
    )
    .join('\n');

/**
 * OZ's leaf hash of two records, (rec a, length la) and (rec b, length lb) as instruction text,
 * both under 136 bytes, into out and out + 32 (local `out`).
 */
const leafHash2 = (a: string, la: string, b: string, lb: string, out: number) => `
  local.get 0 i32.const 0 i32.const 400 memory.fill
  local.get 0 i32.const 0 ${a} ${la} call ${ABSORB2}
  local.get 0 i32.const 8 ${b} ${lb} call ${ABSORB2}
  local.get 0 call ${PERMUTE2}
  local.get 0 i32.const 64 i32.add i32.const 0 i32.const 336 memory.fill   ;; keccak256 of the two 32-byte digests
  local.get 0 v128.const_i64x2 1 1 v128.store offset=64
  local.get 0 ${PAD_LANE_16}
  local.get 0 call ${PERMUTE2}
  ${squeeze2(out)}`;

/** leaves2(st 0, in 1, stride 2, len 3, count 4, out 5): records two at a time, an odd last one alone. */
const LEAVES2_BODY = `block loop
  local.get 4 i32.const 2 i32.lt_u br_if 1
  ${leafHash2('local.get 1', 'local.get 3', 'local.get 1 local.get 2 i32.add', 'local.get 3', 5)}
  local.get 1 local.get 2 i32.const 1 i32.shl i32.add local.set 1
  local.get 5 i32.const 64 i32.add local.set 5
  local.get 4 i32.const 2 i32.sub local.set 4 br 0
end end
local.get 4 if ${leafHash(1, 'local.get 3', 5)} end`;

/**
 * leavesVar2(st 0, offsets 1, count 2, out 3); locals a 4, la 5, b 6, lb 7: as leavesVar, two
 * records per permutation when both are under 136 bytes, else one at a time.
 */
const LEAVES_VAR2_BODY = `block loop
  local.get 2 i32.const 2 i32.lt_u br_if 1
  local.get 1 i32.load local.set 4
  local.get 1 i32.load offset=4 local.tee 6 local.get 4 i32.sub local.set 5
  local.get 1 i32.load offset=8 local.get 6 i32.sub local.set 7
  local.get 5 i32.const 136 i32.lt_u local.get 7 i32.const 136 i32.lt_u i32.and
  if ${leafHash2('local.get 4', 'local.get 5', 'local.get 6', 'local.get 7', 3)}
  else
    ${leafHash(4, 'local.get 5', 3)}
    local.get 3 i32.const 32 i32.add local.set 3
    ${leafHash(6, 'local.get 7', 3)}
    local.get 3 i32.const 32 i32.sub local.set 3
  end
  local.get 1 i32.const 8 i32.add local.set 1
  local.get 3 i32.const 64 i32.add local.set 3
  local.get 2 i32.const 2 i32.sub local.set 2 br 0
end end
local.get 2 if
  local.get 1 i32.load local.set 4
  ${leafHash(4, 'local.get 1 i32.load offset=4 local.get 4 i32.sub', 3)}
end`;

/**
 * children2(st 0, slot 1, base 2, node 3); locals a 4, b 5, k 6, x 7, y 8: node's two children,
 * the smaller first, as message lanes 0..7 of the interleaved state at slot 0 or 8.
 */
const CHILDREN2_BODY = `
  local.get 2 local.get 3 i32.const 6 i32.shl i32.add i32.const 32 i32.add local.tee 4
  i32.const 32 i32.add local.set 5
  ${SMALLER_CHILD_FIRST}
  local.get 0 local.get 1 i32.add local.set 0
  ${[0, 1, 2, 3]
    .map(
      (k) =>
        `local.get 0 local.get 4 i64.load offset=${8 * k} i64.store offset=${16 * k}
         local.get 0 local.get 5 i64.load offset=${8 * k} i64.store offset=${64 + 16 * k}`,
    )
    .join('\n')}`;

/** nodes2(st 0, base 1, lo 2, hi 3); local out 4: nodes lo and lo + 1 per permutation, an odd last one alone. */
const NODES2_BODY = `block loop
  local.get 2 i32.const 1 i32.add local.get 3 i32.ge_u br_if 1
  local.get 0 i32.const 0 i32.const 400 memory.fill
  local.get 0 i32.const 0 local.get 1 local.get 2 call ${CHILDREN2}
  local.get 0 i32.const 8 local.get 1 local.get 2 i32.const 1 i32.add call ${CHILDREN2}
  local.get 0 v128.const_i64x2 1 1 v128.store offset=128
  local.get 0 ${PAD_LANE_16}
  local.get 0 call ${PERMUTE2}
  local.get 1 local.get 2 i32.const 5 i32.shl i32.add local.set 4
  ${squeeze2(4)}
  local.get 2 i32.const 2 i32.add local.set 2 br 0
end end
local.get 2 local.get 3 i32.lt_u if local.get 0 local.get 1 local.get 2 local.get 3 call ${NODES} end`;

/**
 * place(hashes 0, base 1, order 2, n 3, treeIndex 4); locals k 5, leaf 6, at 7: OZ's leaf placement.
 * The k-th leaf of `order` (u32 indices, ascending hashes) goes to node 2n - 2 - k (the largest
 * hash first, at node n - 1), and treeIndex[leaf] records that node.
 */
const PLACE_BODY = `block loop
  local.get 5 local.get 3 i32.ge_u br_if 1
  local.get 2 local.get 5 i32.const 2 i32.shl i32.add i32.load local.set 6
  local.get 3 i32.const 1 i32.shl i32.const 2 i32.sub local.get 5 i32.sub local.set 7
  local.get 1 local.get 7 i32.const 5 i32.shl i32.add
  local.get 0 local.get 6 i32.const 5 i32.shl i32.add v128.load v128.store
  local.get 1 local.get 7 i32.const 5 i32.shl i32.add
  local.get 0 local.get 6 i32.const 5 i32.shl i32.add v128.load offset=16 v128.store offset=16
  local.get 4 local.get 6 i32.const 2 i32.shl i32.add local.get 7 i32.store
  local.get 5 i32.const 1 i32.add local.set 5 br 0
end end`;

const stripComments = (text: string) => text.replace(/;;[^\n]*/g, '');

/** Where the round constants live: an active data segment puts them there on every instantiation. */
const RC_AT = 65280;

function roundConstants(): Uint8Array {
  const table = new Uint8Array(8 * RC.length);
  const view = new DataView(table.buffer);
  RC.forEach((v, i) => view.setBigUint64(8 * i, v, true));
  return table;
}

function emitModule(): Uint8Array {
  return wasmModule(
    [
      { params: 1, locals: { i32: 1, i64: 60 }, body: permuteBody(SCALAR) },
      { params: 4, locals: { i32: 1 }, body: stripComments(KECCAK_BODY), export: 'keccak' },
      { params: 6, body: stripComments(LEAVES_BODY), export: 'leaves' },
      { params: 4, locals: { i32: 1 }, body: stripComments(LEAVES_VAR_BODY), export: 'leavesVar' },
      { params: 4, locals: { i32: 5 }, body: stripComments(NODES_BODY), export: 'nodes' },
      { params: 1, locals: { i32: 1, v128: 60 }, body: permuteBody(PAIRED) },
      { params: 4, locals: { i32: 1 }, body: stripComments(ABSORB2_BODY) },
      { params: 4, locals: { i32: 5 }, body: stripComments(CHILDREN2_BODY) },
      { params: 6, body: stripComments(LEAVES2_BODY), export: 'leaves2' },
      { params: 4, locals: { i32: 1 }, body: stripComments(NODES2_BODY), export: 'nodes2' },
      { params: 4, locals: { i32: 4 }, body: stripComments(LEAVES_VAR2_BODY), export: 'leavesVar2' },
      { params: 5, locals: { i32: 3 }, body: PLACE_BODY, export: 'place' },
    ],
    [{ offset: RC_AT, bytes: roundConstants() }],
  );
}

export interface KeccakExports {
  keccak(st: number, input: number, length: number, out: number): void;
  leaves(st: number, input: number, stride: number, length: number, count: number, out: number): void;
  leavesVar(st: number, offsets: number, count: number, out: number): void;
  nodes(st: number, base: number, lo: number, hi: number): void;
  leaves2(st: number, input: number, stride: number, length: number, count: number, out: number): void;
  nodes2(st: number, base: number, lo: number, hi: number): void;
  leavesVar2(st: number, offsets: number, count: number, out: number): void;
  place(hashes: number, base: number, order: number, count: number, treeIndex: number): void;
}

let compiled: object | undefined;

/** The module, compiled once per thread. */
function keccakModule(): object {
  compiled ??= new wasm.Module(emitModule());
  return compiled;
}

const instances = new WeakMap<SharedWasmMemory, KeccakExports>();

/** An instance bound to `memory` (a shared WebAssembly.Memory), one per memory per thread. */
export function keccakOn(memory: SharedWasmMemory): KeccakExports {
  let inst = instances.get(memory);
  if (!inst) {
    inst = new wasm.Instance(keccakModule(), { env: { memory } }).exports as KeccakExports;
    instances.set(memory, inst);
  }
  return inst;
}

/**
 * Bytes per thread scratch region (state + pair buffer, rounded up): regions sit from 0 up, below
 * the round constants at RC_AT (65280) and the data at DATA_START; at most 126 of them.
 */
export const SCRATCH_BYTES = 512;
export const DATA_START = 65536;

/** keccak256 of any byte string, for tests and one-off hashes (uses its own small memory). */
export function keccak256Wasm(input: Uint8Array): Uint8Array {
  const pages = Math.ceil((DATA_START + input.length + 32) / 65536);
  const memory = sharedMemory(pages);
  const view = new Uint8Array(memory.buffer);
  view.set(input, DATA_START);
  keccakOn(memory).keccak(0, DATA_START, input.length, DATA_START + input.length);
  return view.slice(DATA_START + input.length, DATA_START + input.length + 32);
}
