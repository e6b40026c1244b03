/**
 * 4-bit NormalFloat quantisation as in QLoRA (Dettmers et al. 2023) and bitsandbytes: weights in
 * blocks of 64 are scaled by their absmax and rounded to the nearest of 16 normal-quantile levels.
 * Double quantisation stores those fp32 absmax scales again in 8 bits, in blocks of 256, after
 * subtracting their mean (the paper uses FP8 for this second level; we use symmetric int8, which
 * costs the same 8 bits per scale).
 */
export const NF4_LEVELS = Float32Array.from([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334, -0.09105003625154495,
  0.0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
  0.7229568362236023, 1.0,
]);

export interface Nf4Tensor {
  shape: number[];
  length: number;
  blockSize: number;
  /** Two 4-bit level indices per byte, low nibble first. */
  packed: Uint8Array;
  /** Without double quantisation: one fp32 absmax per block. */
  absmax?: Float32Array;
  /** With double quantisation: int8 absmax codes, an fp32 scale per 256 of them, and their mean. */
  absmaxQ?: Int8Array;
  absmaxScale?: Float32Array;
  absmaxOffset?: number;
}

const DQ_BLOCK = 256;

function nearestLevel(x: number): number {
  let lo = 0;
  let hi = NF4_LEVELS.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (NF4_LEVELS[mid] <= x) lo = mid;
    else hi = mid;
  }
  return x - NF4_LEVELS[lo] <= NF4_LEVELS[hi] - x ? lo : hi;
}

export function quantizeNf4(data: Float32Array, shape: number[], blockSize = 64, doubleQuant = true): Nf4Tensor {
  const n = data.length;
  const blocks = Math.ceil(n / blockSize);
  const absmax = new Float32Array(blocks);
  const packed = new Uint8Array(Math.ceil(n / 2));
  for (let b = 0; b < blocks; b++) {
    let m = 0;
    const end = Math.min(n, (b + 1) * blockSize);
    for (let i = b * blockSize; i < end; i++) m = Math.max(m, Math.abs(data[i]));
    absmax[b] = m;
    const inv = m > 0 ? 1 / m : 0;
    for (let i = b * blockSize; i < end; i++) {
      const q = nearestLevel(data[i] * inv);
      packed[i >> 1] |= i & 1 ? q << 4 : q;
    }
  }
  const out: Nf4Tensor = { shape, length: n, blockSize, packed };
  if (!doubleQuant) {
    out.absmax = absmax;
    return out;
  }
  const offset = absmax.reduce((a, v) => a + v, 0) / blocks;
  const groups = Math.ceil(blocks / DQ_BLOCK);
  const scale = new Float32Array(groups);
  const q = new Int8Array(blocks);
  for (let g = 0; g < groups; g++) {
    const end = Math.min(blocks, (g + 1) * DQ_BLOCK);
    let m = 0;
    for (let i = g * DQ_BLOCK; i < end; i++) m = Math.max(m, Math.abs(absmax[i] - offset));
    scale[g] = m;
    for (let i = g * DQ_BLOCK; i < end; i++) q[i] = m > 0 ? Math.round(((absmax[i] - offset) / m) * 127) : 0;
  }
  Object.assign(out, { absmaxQ: q, absmaxScale: scale, absmaxOffset: offset });
  return out;
}

export function dequantizeNf4(t: Nf4Tensor, out = new Float32Array(t.length)): Float32Array {
  const blocks = Math.ceil(t.length / t.blockSize);
  for (let b = 0; b < blocks; b++) {
    const scale = t.absmax ? t.absmax[b] : (t.absmaxQ![b] / 127) * t.absmaxScale![Math.floor(b / DQ_BLOCK)] + t.absmaxOffset!;
    const end = Math.min(t.length, (b + 1) * t.blockSize);
    for (let i = b * t.blockSize; i < end; i++) {
      const byte = t.packed[i >> 1];
      out[i] = NF4_LEVELS[i & 1 ? byte >> 4 : byte & 15] * scale;
    }
  }
  return out;
}

/** Bytes the quantised tensor occupies (codes + scales), to compare with 4 bytes per fp32 weight. */
export function nf4Bytes(t: Nf4Tensor): number {
  if (t.absmax) return t.packed.byteLength + t.absmax.byteLength;
  return t.packed.byteLength + t.absmaxQ!.byteLength + t.absmaxScale!.byteLength + 4;
}
