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
