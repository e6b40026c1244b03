import { fmix32, murmurMix } from './hash.js';

// Words that carry no identity in a short structured record: articles and prepositions that
// abbreviated venue names drop ("Journal of X" / "J X"), and the labels of numbered fields
// ("vol. 12", "pp. 3-9", "v1.2", "version 1.2") that one copy writes and another leaves out.
const STOP = new Set([
  'a',
  'an',
  'and',
  'the',
  'of',
  'for',
  'in',
  'on',
  'to',
  'with',
  'at',
  'by',
  'vol',
  'volume',
  'no',
  'nr',
  'issue',
  'pp',
  'p',
  'pages',
  'v',
  'version',
  'ed',
  'edn',
]);

// Typos of function words are function words too ("hhe", "anr", "fr", "iin"): otherwise a slip
// in "the" leaves an extra word that looks like a changed title. One edit of the longer ones,
// only a doubled letter for the two-letter ones (one edit of "an" would also give "man", "can").
const TYPO_STOP = (() => {
  const out = new Set<string>();
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (const w of ['the', 'and', 'for', 'with']) {
    for (let i = 0; i < w.length; i++) {
      if (w.length > 2) out.add(w.slice(0, i) + w.slice(i + 1));
      out.add(w.slice(0, i) + w[i] + w.slice(i));
      if (i + 1 < w.length) out.add(w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2));
      for (const c of letters) out.add(w.slice(0, i) + c + w.slice(i + 1));
    }
  }
  for (const w of ['an', 'in', 'of', 'on', 'to', 'at', 'by']) out.add(w[0] + w).add(w + w[1]);
  for (const w of out) if (w.length < 2) out.delete(w);
  return out;
})();

const MARKS = /\p{M}+/gu;
const NON_WORD = /[^\p{L}\p{N}]+/gu;
const LETTER_DIGIT = /\p{L}(?=\p{N})|\p{N}(?=\p{L})/gu;

/** Marks the end of a field in a token list (never a token: tokens are letters and digits). */
export const FIELD_MARK = '|';
const FIELD_SEPARATOR = /[.,;:|\n\t]/u;

/**
 * The tokens of a short record: diacritics dropped (NFKD without combining marks: "Müller" =
 * "Muller"), lowercase, split at anything that is not a letter or digit, stopwords and field
 * labels out, numbers without leading zeros ("07" = "7"). With `fields`, a FIELD_MARK goes
 * between fields (text separated by . , ; : | or a line break), which recordSimilarity uses to
 * tell a field left out from words left out of a field.
 */
export function structuredTokens(text: string, fields = false): string[] {
  // Most records are ASCII: one hand-written pass gives the same tokens as the Unicode path below
  // (NFKD and combining marks change nothing there, letters are a-z, digits 0-9) at a fraction of
  // its cost (no regex, no intermediate strings but the tokens).
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return foldedTokens(text, fields) ?? unicodeTokens(text, fields);
  return asciiTokens(text, fields);
}

// Text in the Basic Multilingual Plane is folded unit by unit: fold(c) is c's NFKD form without
// combining marks, lowercased. That is what unicodeTokens does to the whole string, a unit at a
// time: NFKD decomposes each character on its own and its reordering moves only non-starters,
// every one of which in the BMP's decompositions is a mark (and goes); lowercasing needs context
// only for the capital sigma, whose units take the Unicode path (as do surrogates). Checked over
// the whole BMP when this was written; the tests compare the two paths on mixed-script text.
const FOLD: (string | null | undefined)[] = new Array(65536);

function fold(c: number): string | null {
  let f = FOLD[c];
  if (f !== undefined) return f;
  if (c >= 0xd800 && c <= 0xdfff) f = null;
  else {
    const d = String.fromCharCode(c).normalize('NFKD').replace(MARKS, '');
    f = d.includes('\u03a3') ? null : d.toLowerCase();
    for (let k = 0; f !== null && k < f.length; k++) if (f.charCodeAt(k) >= 0xd800 && f.charCodeAt(k) <= 0xdfff) f = null;
  }
  FOLD[c] = f;
  return f;
}
// Class of each folded unit met so far (worked out by the same \p{L} and \p{N} tests as
// unicodeTokens): 0 not yet, 1 letter, 2 number, 3 field separator, 4 anything else.
const FOLDED_CLASS = new Uint8Array(65536);
const FIELD_UNITS = '.,;:|\n\t';

function foldedClass(u: number): number {
  let c = FOLDED_CLASS[u];
  if (c) return c;
  const ch = String.fromCharCode(u);
  c = FIELD_UNITS.includes(ch) ? 3 : /\p{L}/u.test(ch) ? 1 : /\p{N}/u.test(ch) ? 2 : 4;
  FOLDED_CLASS[u] = c;
  return c;
}

const ASCII_FOLD = Array.from({ length: 0x80 }, (_, c) => String.fromCharCode(c).toLowerCase());

// Folded units of the current record, reused across calls.
let folded = new Uint16Array(1024);

/**
 * unicodeTokens of text folded unit by unit (undefined when a unit cannot be: the Unicode path then),
 * without normalising, lowercasing, inserting spaces and splitting the whole string by regex: the
 * folded units in one pass, tokens as runs of letters or of numbers (unicodeTokens' LETTER_DIGIT
 * spaces part them), fields at the separators. The same tokens, checked against unicodeTokens by
 * the tests.
 */
function foldedTokens(text: string, fields: boolean): string[] | undefined {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const f = c < 0x80 ? ASCII_FOLD[c] : fold(c);
    if (f === null) return undefined;
    if (n + f.length > folded.length) {
      const next = new Uint16Array(2 * (n + f.length));
      next.set(folded.subarray(0, n));
      folded = next;
    }
    for (let k = 0; k < f.length; k++) folded[n++] = f.charCodeAt(k);
  }
  // The folded text as one string (tokens are slices of it), then tokens as asciiTokens makes them.
  const lower = n <= 4096 ? String.fromCharCode.apply(null, folded.subarray(0, n) as unknown as number[]) : foldedString(n);
  const classes = classesFor(n);
  for (let i = 0; i < n; i++) classes[i] = foldedClass(folded[i]);
  return tokenize(lower, classes, n, fields);
}

/** The first n folded units as a string, in pieces (apply takes a bounded number of arguments). */
function foldedString(n: number): string {
  let text = '';
  for (let k = 0; k < n; k += 4096)
    text += String.fromCharCode.apply(null, folded.subarray(k, Math.min(n, k + 4096)) as unknown as number[]);
  return text;
}

function unicodeTokens(text: string, fields: boolean): string[] {
  const out: string[] = [];
  // Letters and digits part ("v2" -> "v 2", "x64" -> "x 64"): a version or volume is written
  // glued to its label as often as apart.
  const spaced = text.normalize('NFKD').replace(MARKS, '').toLowerCase().replace(LETTER_DIGIT, '$& ');
  for (const field of fields ? spaced.split(FIELD_SEPARATOR) : [spaced]) {
    const before = out.length;
    const raws = field.split(NON_WORD).filter(Boolean);
    raws.forEach((raw, i) => {
      // A single letter that ends its field is an initial ("Peter P.", "V. Zapparov"), even "a" or "p".
      const initial = fields && raw.length === 1 && i === raws.length - 1 && /\p{L}/u.test(raw);
      if (!initial && (STOP.has(raw) || TYPO_STOP.has(raw))) return;
      out.push(/^\d+$/.test(raw) ? raw.replace(/^0+(?=\d)/, '') : raw);
    });
    if (fields && out.length > before) out.push(FIELD_MARK);
  }
  if (fields && out[out.length - 1] === FIELD_MARK) out.pop();
  return out;
}

// Raw tokens of the current field as (start, end) pairs, reused across calls.
let raws = new Int32Array(256);

// Character classes of ASCII: 1 letter, 2 digit, 3 field separator (. , ; : | \n \t), 0 other.
const ASCII_CLASS = (() => {
  const c = new Uint8Array(128);
  for (let x = 0x61; x <= 0x7a; x++) c[x] = c[x - 0x20] = 1;
  for (let x = 0x30; x <= 0x39; x++) c[x] = 2;
  for (const ch of '.,;:|\n\t') c[ch.charCodeAt(0)] = 3;
  return c;
})();

/** structuredTokens of an ASCII string, in one pass. */
function asciiTokens(text: string, fields: boolean): string[] {
  const lower = text.toLowerCase();
  const n = lower.length;
  const classes = classesFor(n);
  for (let i = 0; i < n; i++) classes[i] = ASCII_CLASS[lower.charCodeAt(i)];
  return tokenize(lower, classes, n, fields);
}

// Classes of the current text's units (ASCII_CLASS's: 1 letter, 2 digit, 3 field separator, 0 or 4 other), reused across calls.
let classBuffer = new Uint8Array(1024);

function classesFor(n: number): Uint8Array {
  if (classBuffer.length < n) classBuffer = new Uint8Array(2 * n);
  return classBuffer;
}

/** The tokens of `lower` (its units classed in classes[0, n)), fields marked when asked. */
function tokenize(lower: string, classes: Uint8Array, n: number, fields: boolean): string[] {
  const out: string[] = [];
  let count = 0;
  let start = -1;
  let kind = 0;
  for (let i = 0; i <= n; i++) {
    const cls = i < n ? classes[i] : 3;
    // A token ends at anything not of its kind (letters and digits part too).
    if (start >= 0 && cls !== kind) {
      if (2 * count + 2 > raws.length) {
        const next = new Int32Array(raws.length * 2);
        next.set(raws);
        raws = next;
      }
      raws[2 * count] = start;
      raws[2 * count + 1] = i;
      count++;
      start = -1;
    }
    if (cls === 1 || cls === 2) {
      if (start < 0) {
        start = i;
        kind = cls;
      }
    } else if ((cls === 3 && fields) || i === n) {
      if (count) pushField(lower, classes, count, fields, out);
      count = 0;
    }
  }
  if (fields && out[out.length - 1] === FIELD_MARK) out.pop();
  return out;
}

/** One field's raw tokens (raws, as units of `lower`) as unicodeTokens keeps them, pushed to `out`. */
function pushField(lower: string, classes: Uint8Array, count: number, fields: boolean, out: string[]): void {
  const before = out.length;
  for (let r = 0; r < count; r++) {
    const s = raws[2 * r];
    const e = raws[2 * r + 1];
    // Digits 0-9 only (\d): without leading zeros ("07" = "7"), one zero kept; other numbers keep theirs.
    let digits = true;
    for (let k = s; k < e && digits; k++) digits = lower.charCodeAt(k) >= 0x30 && lower.charCodeAt(k) <= 0x39;
    if (digits) {
      let z = s;
      while (z < e - 1 && lower.charCodeAt(z) === 0x30) z++;
      out.push(lower.slice(z, e));
      continue;
    }
    const raw = lower.slice(s, e);
    // A single letter that ends its field is an initial ("Peter P.", "V. Zapparov"), even "a" or "p".
    const initial = fields && e - s === 1 && r === count - 1 && classes[s] === 1;
    if (!initial && e - s <= 7 && (STOP.has(raw) || TYPO_STOP.has(raw))) continue;
    out.push(raw);
  }
  if (fields && out.length > before) out.push(FIELD_MARK);
}

/**
 * The form in which short records (references, citations, package or drug labels) are shingled:
 * their structured tokens, with runs of initials joined ("J. A. Smith" and "JA Smith" both give
 * "ja smith"), separated by one space. Word order is kept: reordered authors lose only the
 * shingles that span their boundaries.
 */
export function normalizeStructured(text: string | string[]): string {
  const out: string[] = [];
  let initials = false;
  for (const t of typeof text === 'string' ? structuredTokens(text) : text) {
    if (t === FIELD_MARK) continue;
    const single = t.length === 1 && !/\d/.test(t);
    if (single && initials) out[out.length - 1] += t;
    else out.push(t);
    initials = single;
  }
  return out.join(' ');
}

/**
 * Hashes of the character n-grams (code points, spaces included) of a normalised string into
 * `out`, in text order, returning how many. A string shorter than n gives one shingle of all of it.
 * Seeded apart from word shingles, so the two kinds never share a hash by construction.
 */
export function charGramHashes(norm: string, n: number, out: Uint32Array): number {
  const cps: number[] = [];
  for (const ch of norm) cps.push(ch.codePointAt(0)!);
  if (cps.length === 0) return 0;
  const width = Math.min(n, cps.length);
  const count = cps.length < n ? 1 : cps.length - n + 1;
  for (let s = 0; s < count; s++) {
    let h = 0x5bd1e995 | 0;
    for (let k = 0; k < width; k++) h = murmurMix(h, cps[s + k]);
    out[s] = fmix32(h ^ width);
  }
  return count;
}

// Code points of the normal form, reused across calls.
let cps = new Int32Array(1024);

/**
 * charGramHashes(normalizeStructured(tokens), n, out) without building the normal form: the same
 * code points (initials joined, one space between tokens) written straight into a buffer.
 */
export function structuredGramHashes(tokens: readonly string[], n: number, out: Uint32Array): number {
  let len = 0;
  let initials = false;
  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t];
    if (tok === FIELD_MARK) continue;
    if (len + tok.length + 1 > cps.length) {
      const next = new Int32Array((len + tok.length + 1) * 2);
      next.set(cps.subarray(0, len));
      cps = next;
    }
    const c0 = tok.charCodeAt(0);
    const single = tok.length === 1 && !(c0 >= 0x30 && c0 <= 0x39);
    if (!(single && initials) && len > 0) cps[len++] = 0x20;
    initials = single;
    for (let k = 0; k < tok.length; k++) {
      const c = tok.codePointAt(k)!;
      if (c > 0xffff) k++;
      cps[len++] = c;
    }
  }
  if (len === 0) return 0;
  const width = Math.min(n, len);
  const count = len < n ? 1 : len - n + 1;
  // murmurMix's block scrambling depends on the code point alone: done once per code point
  // (in place), then each window only folds the scrambled blocks (the same hashes as murmurMix).
  for (let k = 0; k < len; k++) {
    let c = Math.imul(cps[k], 0xcc9e2d51);
    c = (c << 15) | (c >>> 17);
    cps[k] = Math.imul(c, 0x1b873593);
  }
  for (let s = 0; s < count; s++) {
    let h = 0x5bd1e995 | 0;
    for (let k = 0; k < width; k++) {
      h ^= cps[s + k];
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    out[s] = fmix32(h ^ width);
  }
  return count;
}

// Stopwords and typo stopwords of up to 7 letters (all there are), as numbers: the letters of a
// lowercase a-z word in base 32, so an ASCII token is checked without a string. Words of up to 6
// letters (keys under 2^30, small integers) sit in an open-addressing table of int32 keys (a Set
// of numbers cost ~50 ns a token); the one 7-letter stopword ("version") is compared apart.
const STOP_TABLE_BITS = 12;
const { STOP_TABLE, STOP_KEY_7 } = (() => {
  const table = new Int32Array(1 << STOP_TABLE_BITS);
  let seven = -1;
  for (const w of [...STOP, ...TYPO_STOP]) {
    if (w.length > 7 || !/^[a-z]+$/.test(w)) throw new Error(`stopword ${w} is not 1-7 letters a-z`);
    let k = 0;
    for (let c = 0; c < w.length; c++) k = k * 32 + (w.charCodeAt(c) - 0x60);
    if (w.length === 7) {
      if (seven >= 0) throw new Error('one 7-letter stopword at most');
      seven = k;
      continue;
    }
    // Keys are never 0 (letters are 1-26): 0 marks an empty slot.
    let at = stopSlot(k);
    while (table[at] !== 0 && table[at] !== k) at = (at + 1) & ((1 << STOP_TABLE_BITS) - 1);
    table[at] = k;
  }
  return { STOP_TABLE: table, STOP_KEY_7: seven };
})();

function stopSlot(key: number): number {
  return Math.imul(key, 0x9e3779b1) >>> (32 - STOP_TABLE_BITS);
}

/** Whether the base-32 key of a 1-7 letter token (as STOP_TABLE keys it) is a stopword. */
function isStopKey(key: number, letters: number): boolean {
  if (letters === 7) return key === STOP_KEY_7;
  const table = STOP_TABLE;
  for (let at = stopSlot(key); ; at = (at + 1) & ((1 << STOP_TABLE_BITS) - 1)) {
    const v = table[at];
    if (v === key) return true;
    if (v === 0) return false;
  }
}

// Token boundaries of the current field as (start, end) byte pairs, reused across calls.
let byteRaws = new Int32Array(256);

/**
 * structuredTokens(text, true).join(' ') of an ASCII record given as UTF-8 bytes [start, end),
 * written as bytes into `out` (length returned), without decoding the record or building a string
 * per token; -1 when the record has a byte >= 0x80 (not ASCII: structuredTokens' Unicode path).
 * `out` must hold 3 x (end - start) + 4 bytes. The same tokens, field marks and order as
 * asciiTokens, checked against it by the tests.
 */
export function asciiJoinedTokens(bytes: Uint8Array, start: number, end: number, out: Uint8Array): number {
  if (cps.length < 3 * (end - start) + 4) cps = new Int32Array(2 * (3 * (end - start) + 4));
  pointCount = 0;
  pointInitials = false;
  let o = 0;
  let count = 0;
  let tokenStart = -1;
  let kind = 0;
  for (let i = start; i <= end; i++) {
    let cls = 3;
    if (i < end) {
      const b = bytes[i];
      if (b >= 0x80) return -1;
      cls = ASCII_CLASS[b];
    }
    if (tokenStart >= 0 && cls !== kind) {
      if (2 * count + 2 > byteRaws.length) {
        const next = new Int32Array(byteRaws.length * 2);
        next.set(byteRaws);
        byteRaws = next;
      }
      byteRaws[2 * count] = tokenStart;
      byteRaws[2 * count + 1] = i;
      count++;
      tokenStart = -1;
    }
    if (cls === 1 || cls === 2) {
      if (tokenStart < 0) {
        tokenStart = i;
        kind = cls;
      }
    } else if (cls === 3) {
      if (count) o = pushFieldBytes(bytes, count, out, o);
      count = 0;
    }
  }
  // A field mark ends the output only when the last field was followed by one: dropped (" |").
  if (o >= 2 && out[o - 1] === 0x7c) o -= 2;
  return o;
}

// The record's code points as joinedGramHashes folds them (scrambled, in cps), written by
// asciiJoinedTokens as it joins the tokens: how many, and whether the last token was a single letter.
let pointCount = 0;
let pointInitials = false;

/**
 * pushField for byte tokens: writes the field's kept tokens (space-separated from what is before)
 * and its mark, and their scrambled code points (joinedGramHashes' points: tokens one space apart,
 * single letters in a row joined, field marks left out).
 */
function pushFieldBytes(bytes: Uint8Array, count: number, out: Uint8Array, o: number): number {
  const before = o;
  const points = cps;
  const scrambled = SCRAMBLED_BYTE;
  let p = pointCount;
  for (let r = 0; r < count; r++) {
    let s = byteRaws[2 * r];
    const e = byteRaws[2 * r + 1];
    const c0 = bytes[s];
    if (c0 >= 0x30 && c0 <= 0x39) {
      // Digits: without leading zeros ("07" = "7"), one zero kept.
      while (s < e - 1 && bytes[s] === 0x30) s++;
    } else {
      // A single letter that ends its field is an initial, even "a" or "p"; else stopwords are left out.
      const initial = e - s === 1 && r === count - 1;
      if (!initial && e - s <= 7) {
        let key = 0;
        for (let k = s; k < e; k++) key = key * 32 + ((bytes[k] | 0x20) - 0x60);
        if (isStopKey(key, e - s)) continue;
      }
    }
    if (o > 0) out[o++] = 0x20;
    const digits = c0 >= 0x30 && c0 <= 0x39;
    const single = e - s === 1 && !digits;
    if (!(single && pointInitials) && p > 0) points[p++] = scrambled[0x20];
    pointInitials = single;
    if (digits)
      for (let k = s; k < e; k++) {
        out[o++] = bytes[k];
        points[p++] = scrambled[bytes[k]];
      }
    else
      for (let k = s; k < e; k++) {
        const b = bytes[k] | 0x20;
        out[o++] = b;
        points[p++] = scrambled[b];
      }
  }
  pointCount = p;
  if (o > before) {
    out[o++] = 0x20;
    out[o++] = 0x7c;
  }
  return o;
}

/** joinedGramHashes of the record asciiJoinedTokens read last (from the points it wrote), into `out`. */
export function lastJoinedGramHashes(n: number, out: Uint32Array): number {
  return pointGrams(cps, pointCount, n, out);
}

// murmurMix's block scrambling of each byte value, as joinedGramHashes folds them.
const SCRAMBLED_BYTE = (() => {
  const t = new Int32Array(256);
  for (let x = 0; x < 256; x++) {
    let c = Math.imul(x, 0xcc9e2d51);
    c = (c << 15) | (c >>> 17);
    t[x] = Math.imul(c, 0x1b873593);
  }
  return t;
})();

/**
 * structuredGramHashes of the tokens joined as asciiJoinedTokens writes them (bytes [0, len) of
 * `joined`: tokens separated by one space, "|" a field mark): the same hashes, into `out`.
 */
export function joinedGramHashes(joined: Uint8Array, len: number, n: number, out: Uint32Array): number {
  if (cps.length < len + 1) cps = new Int32Array((len + 1) * 2);
  // The code points (bytes: the joined form is ASCII) go in already scrambled as murmurMix's
  // block step scrambles them (SCRAMBLED_BYTE), so each window only folds them.
  const points = cps;
  const scrambled = SCRAMBLED_BYTE;
  const space = scrambled[0x20];
  let count = 0;
  let initials = false;
  for (let s = 0; s < len;) {
    let e = s;
    while (e < len && joined[e] !== 0x20) e++;
    const c0 = joined[s];
    if (!(e - s === 1 && c0 === 0x7c)) {
      const single = e - s === 1 && !(c0 >= 0x30 && c0 <= 0x39);
      if (!(single && initials) && count > 0) points[count++] = space;
      initials = single;
      for (let k = s; k < e; k++) points[count++] = scrambled[joined[k]];
    }
    s = e + 1;
  }
  return pointGrams(points, count, n, out);
}

/** The n-gram hashes of `count` scrambled code points (joinedGramHashes' folding), into `out`. */
function pointGrams(points: Int32Array, count: number, n: number, out: Uint32Array): number {
  if (count === 0) return 0;
  const width = Math.min(n, count);
  const shingles = count < n ? 1 : count - n + 1;
  if (width === 5) {
    // (The default n, unrolled.)
    for (let s = 0; s < shingles; s++) {
      let h = 0x5bd1e995 ^ points[s];
      h = (h << 13) | (h >>> 19);
      h = ((Math.imul(h, 5) + 0xe6546b64) | 0) ^ points[s + 1];
      h = (h << 13) | (h >>> 19);
      h = ((Math.imul(h, 5) + 0xe6546b64) | 0) ^ points[s + 2];
      h = (h << 13) | (h >>> 19);
      h = ((Math.imul(h, 5) + 0xe6546b64) | 0) ^ points[s + 3];
      h = (h << 13) | (h >>> 19);
      h = ((Math.imul(h, 5) + 0xe6546b64) | 0) ^ points[s + 4];
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
      out[s] = fmix32(h ^ 5);
    }
    return shingles;
  }
  for (let s = 0; s < shingles; s++) {
    let h = 0x5bd1e995 | 0;
    for (let k = 0; k < width; k++) {
      h ^= points[s + k];
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    out[s] = fmix32(h ^ width);
  }
  return shingles;
}
