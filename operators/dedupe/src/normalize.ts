import { createHash } from 'node:crypto';

export interface NormalizeSpec {
  /** Unicode NFKC: compatibility forms (full-width letters, ligatures, non-breaking spaces) fold together. */
  unicode: boolean;
  lowercase: boolean;
  /** Strips Unicode punctuation (\p{P}); symbols such as + or % stay, they carry meaning. */
  punctuation: boolean;
  /** Collapses every run of whitespace to one space and trims. */
  whitespace: boolean;
}

export const DEFAULT_NORMALIZE: NormalizeSpec = { unicode: true, lowercase: true, punctuation: true, whitespace: true };

const PUNCT = /\p{P}+/gu;
const SPACE = /\s+/gu;

/**
 * The text whose hash decides exact duplicates. Steps run in this order: NFKC, lowercase,
 * punctuation removed (replaced by nothing, so "don't" = "dont"), whitespace collapsed.
 */
export function normalizeText(text: string, spec: NormalizeSpec = DEFAULT_NORMALIZE): string {
  let t = text;
  if (spec.unicode) t = t.normalize('NFKC');
  if (spec.lowercase) t = t.toLowerCase();
  if (spec.punctuation) t = t.replace(PUNCT, '');
  if (spec.whitespace) t = t.replace(SPACE, ' ').trim();
  return t;
}

/** sha256 (hex) of the normalised text's UTF-8 bytes. */
export function normalizedHash(text: string, spec: NormalizeSpec = DEFAULT_NORMALIZE): string {
  return createHash('sha256').update(normalizeText(text, spec)).digest('hex');
}
