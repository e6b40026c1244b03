import { readFile, writeFile } from 'node:fs/promises';

/** dtypes this reader/writer understands; F16/BF16 are widened to float32 on read. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64' | 'U8' | 'I8';

export interface TensorEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsHeader {
  tensors: Record<string, TensorEntry>;
  metadata: Record<string, string>;
}

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1, I8: 1 };

/**
 * Encodes float32 tensors in the safetensors layout: 8-byte little-endian header length, a JSON
 * header (padded with spaces to 8 bytes so the data that follows stays aligned), then raw bytes.
 * Names are sorted so the same tensors always give the same bytes (and the same digest).
 */
export function encodeSafetensors(tensors: Record<string, NamedTensor>, metadata: Record<string, string> = {}): Buffer {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.data.length) {
      throw new Error(`safetensors: tensor ${name} has ${t.data.length} values but shape [${t.shape}] needs ${expected}`);
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors[name].data;
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(out, pos);
    pos += d.byteLength;
  }
  return out;
}

/** Parses only the header: cheap, and enough to check names and shapes. */
export function decodeSafetensorsHeader(bytes: Uint8Array, source = 'safetensors file'): SafetensorsHeader {
  if (bytes.length < 8) throw new Error(`${source}: too short to be safetensors (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n <= 0 || 8 + n > bytes.length) {
    throw new Error(`${source}: header length ${n} does not fit in ${bytes.length} bytes; is this a safetensors file?`);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8'));
  } catch (err) {
    throw new Error(`${source}: header is not valid JSON (${(err as Error).message})`);
  }
  const tensors: Record<string, TensorEntry> = {};
  let metadata: Record<string, string> = {};
  const dataLength = bytes.length - 8 - n;
  for (const [name, value] of Object.entries(raw)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    const e = value as TensorEntry;
    if (!(e.dtype in BYTES)) throw new Error(`${source}: tensor ${name} has unsupported dtype ${e.dtype}`);
    const count = e.shape.reduce((a, b) => a * b, 1);
    const [begin, end] = e.data_offsets;
    if (end - begin !== count * BYTES[e.dtype] || end > dataLength) {
      throw new Error(`${source}: tensor ${name} offsets [${begin}, ${end}] do not match shape [${e.shape}] ${e.dtype}`);
    }
    tensors[name] = e;
  }
  return { tensors, metadata };
}

function widen(dtype: SafetensorsDtype, bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / BYTES[dtype];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'F32':
        out[i] = view.getFloat32(i * 4, true);
        break;
      case 'BF16':
        out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0];
        break;
      case 'F16':
        out[i] = halfToFloat(view.getUint16(i * 2, true));
        break;
      case 'I32':
        out[i] = view.getInt32(i * 4, true);
        break;
      case 'I64':
        out[i] = Number(view.getBigInt64(i * 8, true));
        break;
      case 'U8':
        out[i] = view.getUint8(i);
        break;
      case 'I8':
        out[i] = view.getInt8(i);
        break;
    }
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

export function decodeSafetensors(bytes: Uint8Array, source?: string): { header: SafetensorsHeader; tensors: Record<string, NamedTensor> } {
  const header = decodeSafetensorsHeader(bytes, source);
  const start = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const tensors: Record<string, NamedTensor> = {};
  for (const [name, e] of Object.entries(header.tensors)) {
    const slice = bytes.subarray(start + e.data_offsets[0], start + e.data_offsets[1]);
    tensors[name] = { shape: e.shape, data: widen(e.dtype, slice) };
  }
  return { header, tensors };
}

export async function writeSafetensorsFile(
  path: string,
  tensors: Record<string, NamedTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFile(path, encodeSafetensors(tensors, metadata));
}

export async function readSafetensorsFile(path: string) {
  return decodeSafetensors(await readFile(path), path);
}

export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  return decodeSafetensorsHeader(await readFile(path), path);
}
