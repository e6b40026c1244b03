/**
 * A very small WebAssembly assembler: function bodies written as WAT-like instruction text
 * (`local.get 0 i64.load offset=8 ...`, flat, no folded expressions) and a module of such
 * functions importing one shared memory. Enough for the keccak kernel; no toolchain needed.
 */
const I32 = 0x7f;
const I64 = 0x7e;
const V128 = 0x7b;

/** Opcode bytes, and what immediate follows: an index, a signed constant, or a memory offset (align given). */
const OPS: Record<string, { code: number[]; imm?: 'u' | 's32' | 's64' | 'i64x2' | { align: number } }> = {
  block: { code: [0x02, 0x40] },
  loop: { code: [0x03, 0x40] },
  if: { code: [0x04, 0x40] },
  else: { code: [0x05] },
  end: { code: [0x0b] },
  br: { code: [0x0c], imm: 'u' },
  br_if: { code: [0x0d], imm: 'u' },
  call: { code: [0x10], imm: 'u' },
  'local.get': { code: [0x20], imm: 'u' },
  'local.set': { code: [0x21], imm: 'u' },
  'local.tee': { code: [0x22], imm: 'u' },
  'i32.load': { code: [0x28], imm: { align: 2 } },
  'i64.load': { code: [0x29], imm: { align: 3 } },
  'i32.load8_u': { code: [0x2d], imm: { align: 0 } },
  'i32.store': { code: [0x36], imm: { align: 2 } },
  'i64.store': { code: [0x37], imm: { align: 3 } },
  'i32.store8': { code: [0x3a], imm: { align: 0 } },
  'i32.const': { code: [0x41], imm: 's32' },
  'i64.const': { code: [0x42], imm: 's64' },
  'i32.eqz': { code: [0x45] },
  'i32.ne': { code: [0x47] },
  'i32.lt_u': { code: [0x49] },
  'i32.gt_u': { code: [0x4b] },
  'i32.ge_u': { code: [0x4f] },
  'i32.le_u': { code: [0x4d] },
  'i32.add': { code: [0x6a] },
  'i32.sub': { code: [0x6b] },
  'i32.and': { code: [0x71] },
  'i32.xor': { code: [0x73] },
  'i32.shl': { code: [0x74] },
  'i64.and': { code: [0x83] },
  'i64.xor': { code: [0x85] },
  'i64.rotl': { code: [0x89] },
  'memory.copy': { code: [0xfc, 0x0a, 0x00, 0x00] },
  'memory.fill': { code: [0xfc, 0x0b, 0x00] },
  // 128-bit SIMD (0xfd prefix, LEB128 opcode): two 64-bit lanes.
  'v128.load': { code: [0xfd, 0x00], imm: { align: 4 } },
  'v128.load64_splat': { code: [0xfd, 0x0a], imm: { align: 3 } },
  'v128.store': { code: [0xfd, 0x0b], imm: { align: 4 } },
  /** v128.const as two i64 lanes: `v128.const_i64x2 A B`. */
  'v128.const_i64x2': { code: [0xfd, 0x0c], imm: 'i64x2' },
  'v128.andnot': { code: [0xfd, 0x4f] },
  'v128.or': { code: [0xfd, 0x50] },
  'v128.xor': { code: [0xfd, 0x51] },
  'i64x2.shl': { code: [0xfd, 0xcb, 0x01] },
  'i64x2.shr_u': { code: [0xfd, 0xcd, 0x01] },
};

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(v: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && !(b & 0x40)) || (v === -1n && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** Instruction text to bytes. Memory offsets are written `offset=N`; immediates are decimal. */
export function assemble(text: string): number[] {
  const tokens = text.split(/\s+/).filter(Boolean);
  const out: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const op = OPS[tokens[i]];
    if (!op) throw new Error(`wasm-asm: unknown instruction "${tokens[i]}"`);
    out.push(...op.code);
    if (op.imm === 'u') out.push(...uleb(Number(tokens[++i])));
    else if (op.imm === 's32') out.push(...sleb(BigInt(Number(tokens[++i]) | 0)));
    else if (op.imm === 's64') out.push(...sleb(BigInt.asIntN(64, BigInt(tokens[++i]))));
    else if (op.imm === 'i64x2') {
      const lanes = new DataView(new ArrayBuffer(16));
      lanes.setBigUint64(0, BigInt.asUintN(64, BigInt(tokens[++i])), true);
      lanes.setBigUint64(8, BigInt.asUintN(64, BigInt(tokens[++i])), true);
      out.push(...new Uint8Array(lanes.buffer));
    } else if (op.imm) {
      const offset = tokens[i + 1]?.startsWith('offset=') ? Number(tokens[++i].slice(7)) : 0;
      out.push(op.imm.align, ...uleb(offset));
    }
  }
  return out;
}

export interface WasmFunction {
  /** Parameter count (all i32). */
  params: number;
  /** Extra locals after the parameters. */
  locals?: { i32?: number; i64?: number; v128?: number };
  body: string;
  export?: string;
}

const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const name = (s: string) => vec([...Buffer.from(s)].map((b) => [b]));

/** Bytes an active data segment writes into the memory at `offset` when the module is instantiated. */
export interface WasmData {
  offset: number;
  bytes: Uint8Array;
}

/** A module of `fns` (called by index) that imports `env.memory`, shared, up to 4 GiB. */
export function wasmModule(fns: WasmFunction[], data: WasmData[] = []): Uint8Array {
  const arities = [...new Set(fns.map((f) => f.params))];
  const types = arities.map((n) => [0x60, ...vec(Array.from({ length: n }, () => [I32])), 0]);
  const imports = vec([[...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(65536)]]);
  const exports = vec(fns.flatMap((f, i) => (f.export ? [[...name(f.export), 0x00, ...uleb(i)]] : [])));
  const code = vec(
    fns.map((f) => {
      const locals: number[][] = [];
      if (f.locals?.i32) locals.push([...uleb(f.locals.i32), I32]);
      if (f.locals?.i64) locals.push([...uleb(f.locals.i64), I64]);
      if (f.locals?.v128) locals.push([...uleb(f.locals.v128), V128]);
      const body = [...vec(locals), ...assemble(f.body), 0x0b];
      return [...uleb(body.length), ...body];
    }),
  );
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, vec(fns.map((f) => uleb(arities.indexOf(f.params))))),
    ...section(7, exports),
    ...section(10, code),
    ...section(11, vec(data.map((d) => [0x00, 0x41, ...sleb(BigInt(d.offset)), 0x0b, ...uleb(d.bytes.length), ...d.bytes]))),
  ]);
}
