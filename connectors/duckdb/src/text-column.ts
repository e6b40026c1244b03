import type { Table } from 'apache-arrow';

/**
 * A text column as one UTF-8 byte buffer plus offsets, so hot loops (shingling, rule counters)
 * read bytes straight from Arrow memory instead of decoding a JS string per row.
 */
export interface TextBytes {
  bytes: Uint8Array;
  /** Row i spans bytes[offsets[i], offsets[i + 1]). Nulls are empty. */
  offsets: Int32Array | Float64Array;
  length: number;
}

/** Throws a clear error when a configured column is missing from the input table. */
export function requireColumn(table: Table, name: string, role: string, operator: string): void {
  if (!table.getChild(name)) {
    const have = table.schema.fields.map((f) => f.name).join(', ');
    throw new Error(`${operator}: input has no column "${name}" (set with.${role}); columns are: ${have}`);
  }
}

export function textBytes(table: Table, column: string): TextBytes {
  const vector = table.getChild(column);
  if (!vector) throw new Error(`no column "${column}"`);
  const n = vector.length;
  const chunks: { values: Uint8Array; offsets: ArrayLike<number | bigint>; start: number; len: number; nulls?: Uint8Array }[] = [];
  let total = 0;
  let direct = true;
  for (const data of vector.data) {
    const offsets = data.valueOffsets as unknown as ArrayLike<number | bigint> | undefined;
    if (!offsets || !(data.values instanceof Uint8Array)) {
      direct = false;
      break;
    }
    const from = Number(offsets[data.offset]);
    const to = Number(offsets[data.offset + data.length]);
    total += to - from;
    chunks.push({
      values: data.values,
      offsets,
      start: data.offset,
      len: data.length,
      nulls: data.nullCount > 0 ? data.nullBitmap : undefined,
    });
  }
  const out = new Uint8Array(direct ? total : 0);
  const rowOffsets = total < 2 ** 31 ? new Int32Array(n + 1) : new Float64Array(n + 1);
  if (!direct) return encodeStrings(vector.toArray() as (string | null)[]);
  let pos = 0;
  let row = 0;
  for (const c of chunks) {
    for (let i = 0; i < c.len; i++) {
      rowOffsets[row++] = pos;
      const j = c.start + i;
      if (c.nulls && !((c.nulls[j >> 3] >> (j & 7)) & 1)) continue;
      const a = Number(c.offsets[j]);
      const b = Number(c.offsets[j + 1]);
      out.set(c.values.subarray(a, b), pos);
      pos += b - a;
    }
  }
  rowOffsets[row] = pos;
  return { bytes: out, offsets: rowOffsets, length: n };
}

/**
 * Strings packed as one UTF-8 buffer with offsets (nulls are empty). Each is written straight into
 * one scratch buffer sized for the worst case (3 bytes per UTF-16 unit), then the bytes are copied
 * once into a buffer of their own: a Uint8Array per string cost ~1.2 us each on short records.
 * Lone surrogates become U+FFFD, as TextEncoder writes them.
 */
export function encodeStrings(values: readonly (string | null | undefined)[]): TextBytes {
  const texts = values.map((v) => (v == null ? '' : String(v)));
  let room = 0;
  for (const t of texts) room += 3 * t.length;
  if (room >= 2 ** 31) return encodeEach(texts);
  const scratch = Buffer.allocUnsafeSlow(room);
  const offsets = new Int32Array(texts.length + 1);
  let pos = 0;
  for (let i = 0; i < texts.length; i++) {
    offsets[i] = pos;
    if (texts[i]) pos += scratch.write(texts[i], pos, 'utf8');
  }
  offsets[texts.length] = pos;
  const bytes = new Uint8Array(pos);
  bytes.set(scratch.subarray(0, pos));
  return { bytes, offsets, length: texts.length };
}

/** encodeStrings past 2 GiB of worst-case room: one encoding per string, offsets as doubles. */
function encodeEach(texts: string[]): TextBytes {
  const enc = new TextEncoder();
  const parts = texts.map((t) => enc.encode(t));
  const bytes = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  const offsets = new Float64Array(texts.length + 1);
  let pos = 0;
  parts.forEach((p, i) => {
    offsets[i] = pos;
    bytes.set(p, pos);
    pos += p.length;
  });
  offsets[texts.length] = pos;
  return { bytes, offsets, length: texts.length };
}

/** Column values as strings (ids, order keys); nulls become undefined. */
export function stringValues(table: Table, column: string): (string | undefined)[] {
  const vector = table.getChild(column);
  if (!vector) throw new Error(`no column "${column}"`);
  const out = new Array<string | undefined>(vector.length);
  let i = 0;
  for (const v of vector) out[i++] = v == null ? undefined : typeof v === 'object' && v instanceof Date ? v.toISOString() : String(v);
  return out;
}
