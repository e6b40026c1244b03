import { sqlString, type DuckDbSession } from '@datanet/connector-duckdb';
import type { EncodedLeaves } from '@datanet/datanet';
import type { LeafEncoding } from '../merkle/contribution-tree.js';

export interface ReadPairs {
  /** How many contributions. */
  count: number;
  /** 'address' when every contributor is a 20-byte hex address, else 'string'. */
  encoding: LeafEncoding;
  /** When every contributor is an address: abi.encode(bytes32 id, address contributor) of each, 64 bytes a leaf (in no set order). */
  addressLeaves?: EncodedLeaves;
  /** The (0x + id hex, contributor) pairs sorted by id; contributors lower-cased when `lowerCase`. */
  pairs(lowerCase: boolean): [string, string][];
}

/**
 * The contributions' ids and contributors, as one string `id \x1f contributor \x1e ...` (rows in
 * no set order, as UTF-8 bytes), decoded: every id as 32 bytes at `idStride * i` of `idBytes`, and (when every
 * contributor is a 20-byte hex address) the 64-byte ABI-encoded leaves.
 */
interface Parsed {
  idBytes: Uint8Array;
  idStride: number;
  /** Row i's id as 0x + lower-case hex. */
  id(i: number): string;
  contributor(i: number): string;
  /** Whether some contributor has upper-case letters (only then is lower-casing them work). */
  upperContributors: boolean;
  /** abi.encode(bytes32 id, address contributor) of each row, when every contributor is an address. */
  leaves?: Uint8Array;
}

/**
 * (id, contributor) of every contribution of the Parquet file `input` with their checks, on a second connection of the session
 * (the first is writing the file; this one is closed here). The query starts before the first await. DuckDB only reads the two columns and joins them into strings, in no order: a sort
 * or a string function per row there costs more than all the rest. This thread decodes the
 * ids (and addresses), sorts the ids by a radix sort of their bytes, finds a repeated id next to
 * itself, and (all-address sets) lays out the 64-byte leaves the kernel threads hash. When anything
 * is wrong, `explain` is called, which names the smallest offending contribution id in SQL.
 */
export async function readPairs(
  connection: DuckDbSession['connection'],
  input: string,
  explain: () => Promise<never>,
  duplicate: () => Promise<never>,
  { rowNumbers = true }: { rowNumbers?: boolean } = {},
): Promise<ReadPairs> {
  let rows: unknown[][];
  try {
    // The joined strings come back as BLOBs (their UTF-8 bytes): no decoding of 23 MB into a JS
    // string (of 200k rows) before the fixed reading looks at its bytes. One string per 16,384
    // rows of the file (DuckDB's virtual column file_row_number; unless the file has a column of
    // that name, `rowNumbers` false), not one for all: 200k rows took ~125 ms of CPU as one string
    // (appending to and copying one 23 MB string) and ~75 ms as 13 (alternated runs, 2 cores).
    const reader = await connection.runAndReadAll(
      `SELECT count(*) AS n, count(contribution_id) AS ids, count(contributor) AS contributors,
         encode(string_agg(concat(contribution_id, chr(31), contributor), chr(30))) AS s
       FROM (SELECT CAST(id AS VARCHAR) AS contribution_id, CAST(contributor AS VARCHAR) AS contributor${rowNumbers ? ', file_row_number' : ''}
             FROM read_parquet(${sqlString(input)}))
       ${rowNumbers ? 'GROUP BY file_row_number // 16384' : ''}`,
    );
    rows = reader.getRows();
  } finally {
    connection.closeSync();
  }
  let n = 0;
  let ids = 0;
  let contributors = 0;
  const parts: Uint8Array[] = [];
  for (const row of rows) {
    n += Number(row[0]);
    ids += Number(row[1]);
    contributors += Number(row[2]);
    const blob = row[3] as { bytes: Uint8Array } | null;
    if (parts.length) parts.push(RECORD_SEPARATOR);
    parts.push(blob ? blob.bytes : new Uint8Array(0));
  }
  // The parts as one string of records, as if DuckDB had joined them all.
  const text = Buffer.concat(parts);
  // No NULLs (a NULL would leave its record short); then each record is whole when the string
  // holds exactly n of them, as cut, and no contributor holds a separator (checked as they are cut).
  const whole = ids === n && contributors === n;
  const parsed = whole ? parseFixed(text, n) || parseAny(text.toString('utf8'), n) : undefined;
  if (!parsed) return explain();
  const order = sortIds(parsed.idBytes, parsed.idStride, n);
  if (order === 'repeated') return duplicate();
  const { leaves } = parsed;
  return {
    count: n,
    encoding: leaves ? 'address' : 'string',
    addressLeaves: leaves && { bytes: leaves, stride: 64 },
    pairs(lowerCase) {
      const lower = lowerCase && parsed.upperContributors;
      const out = new Array<[string, string]>(n);
      for (let k = 0; k < n; k++) {
        const i = order[k];
        const c = parsed.contributor(i);
        out[k] = [parsed.id(i), lower ? c.toLowerCase() : c];
      }
      return out;
    },
  };
}

const RECORD_SEPARATOR = new Uint8Array([0x1e]);

/** Hex digit values by character code; 255 for any other character. */
const HEX = new Uint8Array(256).fill(255);
for (let c = 0; c < 16; c++) {
  HEX[c.toString(16).charCodeAt(0)] = c;
  HEX[c.toString(16).toUpperCase().charCodeAt(0)] = c;
}
const NOT_HEX = 0x100;
const UPPER = 0x200;
/** Two characters' codes (first << 8 | second) -> the byte they spell, | NOT_HEX, | UPPER (an A-F in them). */
const HEX_PAIR = new Uint16Array(65536);
const isUpper = (c: number) => c >= 0x41 && c <= 0x46;
for (let a = 0; a < 256; a++) {
  for (let b = 0; b < 256; b++) {
    HEX_PAIR[(a << 8) | b] = HEX[a] > 15 || HEX[b] > 15 ? NOT_HEX : (HEX[a] << 4) | HEX[b] | (isUpper(a) || isUpper(b) ? UPPER : 0);
  }
}
const ID_PREFIX = 'sha256:';
/** `sha256:` + 64 hex, \x1f, `0x` + 40 hex, \x1e: the usual record, 115 characters. */
const FIXED = ID_PREFIX.length + 64 + 1 + 42 + 1;

/**
 * The usual set (ids `sha256:<64 hex>`, contributors `0x<40 hex>` addresses, `s` ASCII) read at
 * fixed offsets: ids and addresses decoded straight into the leaves, two characters a lookup.
 * Undefined for any other set (`parseAny` reads it).
 */
function parseFixed(text: Buffer, n: number): Parsed | undefined {
  // Every byte of every record is checked below, so a match is all ASCII: bytes and characters agree.
  if (text.length !== FIXED * n - 1) return undefined;
  const leaves = new Uint8Array(64 * n);
  let idFlags = 0;
  let addressFlags = 0;
  for (let i = 0; i < n; i++) {
    const at = FIXED * i;
    // 's' 'h' 'a' '2' '5' '6' ':' then the id; \x1f '0' 'x' then the address; \x1e (or the end).
    const frame =
      (text[at] ^ 0x73) |
      (text[at + 1] ^ 0x68) |
      (text[at + 2] ^ 0x61) |
      (text[at + 3] ^ 0x32) |
      (text[at + 4] ^ 0x35) |
      (text[at + 5] ^ 0x36) |
      (text[at + 6] ^ 0x3a) |
      (text[at + 71] ^ 0x1f) |
      (text[at + 72] ^ 0x30) |
      (text[at + 73] ^ 0x78) |
      (i + 1 < n ? text[at + 114] ^ 0x1e : 0);
    let out = 64 * i;
    for (let j = at + 7; j < at + 71; j += 2) {
      const v = HEX_PAIR[(text[j] << 8) | text[j + 1]];
      idFlags |= v;
      leaves[out++] = v;
    }
    out = 64 * i + 44;
    for (let j = at + 74; j < at + 114; j += 2) {
      const v = HEX_PAIR[(text[j] << 8) | text[j + 1]];
      addressFlags |= v;
      leaves[out++] = v;
    }
    if (frame || (idFlags | addressFlags) & NOT_HEX) return undefined;
  }
  // The strings (for the manifest's pairs) are slices of one string of the bytes, made when first
  // asked for; "sha256:" becomes "sha2560x" there, so an id's slice already starts with 0x.
  let str: string | undefined;
  const strings = () => {
    if (str === undefined) {
      for (let at = 5; at < text.length; at += FIXED) {
        text[at] = 0x30;
        text[at + 1] = 0x78;
      }
      str = text.toString('latin1');
    }
    return str;
  };
  const id = (i: number) => strings().slice(FIXED * i + 5, FIXED * i + 71);
  return {
    idBytes: leaves,
    idStride: 64,
    id: idFlags & UPPER ? (i) => id(i).toLowerCase() : id,
    contributor: (i) => strings().slice(FIXED * i + 72, FIXED * i + 114),
    upperContributors: (addressFlags & UPPER) !== 0,
    leaves,
  };
}

/** A contributor is given when it holds a character other than the ASCII spaces RE2's \s names (as the SQL check says). */
const NOT_BLANK = /[^\t\n\f\r ]/;

/** The shape `0x` + 40 characters; whether they are hex is checked for all at once by `hexBytes`. */
const isAddressShape = (c: string) => c.length === 42 && c.charCodeAt(0) === 48 && c.charCodeAt(1) === 120;

/**
 * Any set: records cut at their separators, ids with or without "sha256:" / "0x" (as `idHex`
 * takes them). Undefined when the records are not n (a separator in a value), an id is not 64
 * hex digits, or a contributor is blank or holds a separator.
 */
function parseAny(s: string, n: number): Parsed | undefined {
  const ids = new Array<string>(n);
  const contributors = new Array<string>(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const sep = s.indexOf('\x1f', at);
    if (sep < 0) return undefined;
    let end = s.indexOf('\x1e', sep + 1);
    if (end < 0) end = s.length;
    let from = at;
    if (s.startsWith(ID_PREFIX, from)) from += ID_PREFIX.length;
    if (s.startsWith('0x', from) || s.startsWith('0X', from)) from += 2;
    if (sep - from !== 64) return undefined;
    ids[i] = s.slice(from, sep).toLowerCase();
    const c = s.slice(sep + 1, end);
    if (c.includes('\x1f')) return undefined;
    contributors[i] = c;
    at = end + 1;
  }
  if (n > 0 && at !== s.length + 1) return undefined;
  const idBytes = hexBytes(ids, 0, 32);
  if (!idBytes) return undefined;
  const addresses = n > 0 && contributors.every(isAddressShape) ? hexBytes(contributors, 2, 20) : undefined;
  if (!addresses && contributors.some((c) => !NOT_BLANK.test(c))) return undefined;
  let leaves: Uint8Array | undefined;
  if (addresses) {
    leaves = new Uint8Array(64 * n);
    for (let i = 0; i < n; i++) {
      leaves.set(idBytes.subarray(32 * i, 32 * i + 32), 64 * i);
      leaves.set(addresses.subarray(20 * i, 20 * i + 20), 64 * i + 44);
    }
  }
  return { idBytes, idStride: 32, id: (i) => '0x' + ids[i], contributor: (i) => contributors[i], upperContributors: true, leaves };
}

/** The strings (from `skip` on, `bytes` bytes of hex each) decoded into one buffer; undefined if any is not hex. */
function hexBytes(strings: string[], skip: number, bytes: number): Uint8Array | undefined {
  const hex = skip ? strings.map((x) => x.slice(skip)).join('') : strings.join('');
  const out = Buffer.from(hex, 'hex'); // stops at the first pair that is not hex
  return out.length === bytes * strings.length ? out : undefined;
}

/**
 * The order of the 32-byte ids at `stride * i`, ascending (as their lower-case hex sorts): a radix
 * sort by the leading 32 bits (two 16-bit passes), runs of equal leading bits settled by the whole
 * id. 'repeated' when two ids are equal.
 */
export function sortIds(bytes: Uint8Array, stride: number, n: number): Uint32Array | 'repeated' {
  const hi = new Uint32Array(n);
  for (let i = 0, at = 0; i < n; i++, at += stride) {
    hi[i] = ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
  }
  const counts = new Uint32Array(65537);
  const low = new Uint32Array(n);
  for (let i = 0; i < n; i++) counts[(hi[i] & 0xffff) + 1]++;
  for (let b = 1; b <= 65536; b++) counts[b] += counts[b - 1];
  for (let i = 0; i < n; i++) low[counts[hi[i] & 0xffff]++] = i;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(hi[i] >>> 16) + 1]++;
  for (let b = 1; b <= 65536; b++) counts[b] += counts[b - 1];
  const order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[counts[hi[low[k]] >>> 16]++] = low[k];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const cmp = (a: number, b: number) => buf.compare(buf, stride * b, stride * b + 32, stride * a, stride * a + 32);
  for (let k = 1; k < n;) {
    if (hi[order[k]] !== hi[order[k - 1]]) {
      k++;
      continue;
    }
    const from = k - 1;
    while (k < n && hi[order[k]] === hi[order[from]]) k++;
    const run = order.subarray(from, k).sort(cmp);
    for (let j = 1; j < run.length; j++) if (cmp(run[j - 1], run[j]) === 0) return 'repeated';
  }
  return order;
}
