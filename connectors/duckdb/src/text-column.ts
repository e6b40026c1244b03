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

/** Strings packed as one UTF-8 buffer with offsets (nulls are empty). */
export function encodeStrings(values: (string | null | undefined)[]): TextBytes {
  const enc = new TextEncoder();
  const parts = values.map((v) => enc.encode(v == null ? '' : String(v)));
  const total = parts.reduce((s, p) => s + p.length, 0);
  const bytes = new Uint8Array(total);
  const offsets = total < 2 ** 31 ? new Int32Array(values.length + 1) : new Float64Array(values.length + 1);
  let pos = 0;
  parts.forEach((p, i) => {
    offsets[i] = pos;
    bytes.set(p, pos);
    pos += p.length;
  });
  offsets[values.length] = pos;
  return { bytes, offsets, length: values.length };
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
