import { TextStats } from './text-stats.js';

export type RuleFamily = 'gopher' | 'gopher_repetition' | 'c4' | 'fineweb';

export interface QualityRule {
  /** Reason code, e.g. `gopher.min_words`. */
  name: string;
  family: RuleFamily;
  description: string;
  /** `min`: the record is rejected when its value is below the threshold; `max`: above it. */
  bound: 'min' | 'max';
  /** Rejects at the threshold itself too (datatrove's `<=`/`>=` comparisons). */
  inclusive?: boolean;
  /** The published default. */
  threshold: number;
  measure(s: TextStats): number;
}

export function fails(rule: QualityRule, value: number, threshold: number): boolean {
  if (rule.bound === 'min') return rule.inclusive ? value <= threshold : value < threshold;
  return rule.inclusive ? value >= threshold : value > threshold;
}

const GOPHER_STOP_WORDS = new Set(['the', 'be', 'to', 'of', 'and', 'that', 'have', 'with']);
const BULLETS = ['•', '●', '○', '■', '□', '▪', '▫', '※', '·', '-', '*', '–', '‣', '⁃'];
const C4_POLICY = ['terms of use', 'privacy policy', 'cookie policy', 'uses cookies', 'use of cookies', 'use cookies'];

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** Lines C4 keeps: ending in terminal punctuation, at least 3 words, no "javascript", no policy text. */
function c4Lines(s: TextStats): string[] {
  return s.memo('c4Lines', () =>
    s.lines.filter((line) => {
      const lower = line.toLowerCase();
      return (
        s.endsWithTerminal(line) &&
        line.split(/\s+/u).length >= 3 &&
        !lower.includes('javascript') &&
        !C4_POLICY.some((p) => lower.includes(p))
      );
    }),
  );
}

const rule = (r: QualityRule) => r;

/**
 * Gopher (Rae et al. 2021, as implemented by datatrove's GopherQualityFilter and
 * GopherRepetitionFilter), C4 (Raffel et al. 2020, datatrove's C4QualityFilter) and FineWeb
 * (datatrove's FineWebQualityFilter) rules with their published thresholds. C4 rewrites text
 * line by line; as a filter that never edits records, its line rules become counts of the lines
 * C4 would drop, and its sentence rule counts sentences in the lines it would keep.
 */
export const RULES: QualityRule[] = [
  rule({
    name: 'gopher.min_words',
    family: 'gopher',
    description: 'words (punctuation-only tokens excluded)',
    bound: 'min',
    threshold: 50,
    measure: (s) => s.words.length,
  }),
  rule({
    name: 'gopher.max_words',
    family: 'gopher',
    description: 'words',
    bound: 'max',
    threshold: 100_000,
    measure: (s) => s.words.length,
  }),
  rule({
    name: 'gopher.min_avg_word_length',
    family: 'gopher',
    description: 'mean word length',
    bound: 'min',
    threshold: 3,
    measure: (s) => s.meanWordLength,
  }),
  rule({
    name: 'gopher.max_avg_word_length',
    family: 'gopher',
    description: 'mean word length',
    bound: 'max',
    threshold: 10,
    measure: (s) => s.meanWordLength,
  }),
  rule({
    name: 'gopher.symbol_word_ratio',
    family: 'gopher',
    description: 'hash symbols or ellipses (whichever is more) per word',
    bound: 'max',
    threshold: 0.1,
    measure: (s) =>
      Math.max(ratio((s.text.match(/#/g) ?? []).length, s.words.length), ratio((s.text.match(/\.\.\.|…/g) ?? []).length, s.words.length)),
  }),
  rule({
    name: 'gopher.bullet_lines',
    family: 'gopher',
    description: 'fraction of lines starting with a bullet',
    bound: 'max',
    threshold: 0.9,
    measure: (s) => ratio(s.lines.filter((l) => BULLETS.some((b) => l.startsWith(b))).length, s.lines.length),
  }),
  rule({
    name: 'gopher.ellipsis_lines',
    family: 'gopher',
    description: 'fraction of lines ending with an ellipsis',
    bound: 'max',
    threshold: 0.3,
    measure: (s) => ratio(s.lines.filter((l) => l.endsWith('...') || l.endsWith('…')).length, s.lines.length),
  }),
  rule({
    name: 'gopher.alpha_words',
    family: 'gopher',
    description: 'fraction of tokens with an alphabetic character',
    bound: 'min',
    threshold: 0.8,
    measure: (s) => s.alphaWordFraction,
  }),
  rule({
    name: 'gopher.stop_words',
    family: 'gopher',
    description: 'English stop words present (the, be, to, of, and, that, have, with)',
    bound: 'min',
    threshold: 2,
    measure: (s) => s.lowerWords.filter((w) => GOPHER_STOP_WORDS.has(w)).length,
  }),
  rule({
    name: 'gopher_repetition.dup_line_frac',
    family: 'gopher_repetition',
    description: 'fraction of lines that repeat an earlier line',
    bound: 'max',
    threshold: 0.3,
    measure: (s) => ratio(s.duplicates('lines').count, s.lines.length),
  }),
  rule({
    name: 'gopher_repetition.dup_para_frac',
    family: 'gopher_repetition',
    description: 'fraction of paragraphs that repeat an earlier one',
    bound: 'max',
    threshold: 0.3,
    measure: (s) => ratio(s.duplicates('paragraphs').count, s.paragraphs.length),
  }),
  rule({
    name: 'gopher_repetition.dup_line_char_frac',
    family: 'gopher_repetition',
    description: 'characters in repeated lines over all characters',
    bound: 'max',
    threshold: 0.2,
    measure: (s) => ratio(s.duplicates('lines').chars, s.text.length),
  }),
  rule({
    name: 'gopher_repetition.dup_para_char_frac',
    family: 'gopher_repetition',
    description: 'characters in repeated paragraphs over all characters',
    bound: 'max',
    threshold: 0.2,
    measure: (s) => ratio(s.duplicates('paragraphs').chars, s.text.length),
  }),
  ...(
    [
      [2, 0.2],
      [3, 0.18],
      [4, 0.16],
    ] as const
  ).map(([n, t]) =>
    rule({
      name: `gopher_repetition.top_${n}gram`,
      family: 'gopher_repetition',
      description: `characters in the most frequent word ${n}-gram`,
      bound: 'max',
      threshold: t,
      measure: (s) => s.topNgramCharFraction(n),
    }),
  ),
  ...(
    [
      [5, 0.15],
      [6, 0.14],
      [7, 0.13],
      [8, 0.12],
      [9, 0.11],
      [10, 0.1],
    ] as const
  ).map(([n, t]) =>
    rule({
      name: `gopher_repetition.dup_${n}gram`,
      family: 'gopher_repetition',
      description: `characters in repeated word ${n}-grams`,
      bound: 'max',
      threshold: t,
      measure: (s) => s.dupNgramCharFraction(n),
    }),
  ),
  rule({
    name: 'c4.lorem_ipsum',
    family: 'c4',
    description: 'mentions of "lorem ipsum"',
    bound: 'max',
    threshold: 0,
    measure: (s) => (s.text.toLowerCase().match(/lorem ipsum/g) ?? []).length,
  }),
  rule({
    name: 'c4.curly_bracket',
    family: 'c4',
    description: 'curly brackets (code)',
    bound: 'max',
    threshold: 0,
    measure: (s) => (s.text.match(/[{}]/g) ?? []).length,
  }),
  rule({
    name: 'c4.javascript',
    family: 'c4',
    description: 'lines mentioning "javascript"',
    bound: 'max',
    threshold: 0,
    measure: (s) => s.lines.filter((l) => l.toLowerCase().includes('javascript')).length,
  }),
  rule({
    name: 'c4.policy',
    family: 'c4',
    description: 'lines of cookie or privacy-policy boilerplate',
    bound: 'max',
    threshold: 0,
    measure: (s) => s.lines.filter((l) => C4_POLICY.some((p) => l.toLowerCase().includes(p))).length,
  }),
  rule({
    name: 'c4.terminal_punct',
    family: 'c4',
    description: 'lines ending in terminal punctuation with 3+ words (those C4 keeps)',
    bound: 'min',
    threshold: 1,
    measure: (s) => c4Lines(s).length,
  }),
  rule({
    name: 'c4.min_sentences',
    family: 'c4',
    description: 'sentences in the lines C4 keeps',
    bound: 'min',
    threshold: 5,
    measure: (s) => c4Lines(s).reduce((n, l) => n + Math.max(1, (l.match(/[.!?]+(?=\s|$)/g) ?? []).length), 0),
  }),
  rule({
    name: 'c4.max_word_length',
    family: 'c4',
    description: 'longest word',
    bound: 'max',
    threshold: 1000,
    measure: (s) => s.words.reduce((m, w) => Math.max(m, w.length), 0),
  }),
  rule({
    name: 'fineweb.line_punct_ratio',
    family: 'fineweb',
    description: 'fraction of lines ending in terminal punctuation',
    bound: 'min',
    inclusive: true,
    threshold: 0.12,
    measure: (s) => ratio(s.lines.filter((l) => s.endsWithTerminal(l)).length, s.lines.length),
  }),
  rule({
    name: 'fineweb.short_line_ratio',
    family: 'fineweb',
    description: 'fraction of lines of 30 characters or fewer',
    bound: 'max',
    inclusive: true,
    threshold: 0.67,
    measure: (s) => ratio(s.lines.filter((l) => l.length <= 30).length, s.lines.length),
  }),
  rule({
    name: 'fineweb.char_dup_ratio',
    family: 'fineweb',
    description: 'characters in repeated lines over non-newline characters',
    bound: 'max',
    inclusive: true,
    threshold: 0.01,
    measure: (s) => ratio(s.duplicates('lines').chars, s.text.replace(/\n/g, '').length),
  }),
  rule({
    name: 'fineweb.list_ratio',
    family: 'fineweb',
    description: 'newlines per word',
    bound: 'max',
    threshold: 0.3,
    measure: (s) => ratio((s.text.match(/\n/g) ?? []).length, s.words.length),
  }),
];

export const RULES_BY_NAME = new Map(RULES.map((r) => [r.name, r]));
